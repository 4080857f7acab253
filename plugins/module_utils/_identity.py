# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""policy.json's signedIdentity rules: the collection's ``signed_identity`` dict, and whether a
signature's docker-reference satisfies it for an image, as containers/image decides. Pure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference

# Fields each rule type needs, in the collection's snake_case vocabulary.
IDENTITY_FIELDS = {
    "matchExact": (),
    "matchRepoDigestOrExact": (),
    "matchRepository": (),
    "exactReference": ("docker_reference",),
    "exactRepository": ("docker_repository",),
    "remapIdentity": ("prefix", "signed_prefix"),
}
ALL_FIELDS = ("docker_reference", "docker_repository", "prefix", "signed_prefix")
# The option spec of a ``signed_identity`` dict, shared by every module that takes one.
IDENTITY_ARGUMENT_SPEC = dict(
    type=dict(type="str", required=True, choices=sorted(IDENTITY_FIELDS)),
    docker_reference=dict(type="str"),
    docker_repository=dict(type="str"),
    prefix=dict(type="str"),
    signed_prefix=dict(type="str"),
)


def check_identity_rule(rule, option="signed_identity"):
    """Refuse a rule containers/image would refuse, naming the field; returns the rule trimmed.
    Fields that are None (options left unset in Ansible's dict) count as not given."""
    if not isinstance(rule, dict) or rule.get("type") not in IDENTITY_FIELDS:
        raise InvalidInput("%s.type must be one of %s, got %r" % (
            option, ", ".join(sorted(IDENTITY_FIELDS)), (rule or {}).get("type") if isinstance(rule, dict) else rule))
    needed = IDENTITY_FIELDS[rule["type"]]
    given = [f for f in ALL_FIELDS if rule.get(f) not in (None, "")]
    unknown = sorted(set(rule) - set(ALL_FIELDS) - {"type"})
    if unknown:
        raise InvalidInput("%s has unknown field %r" % (option, unknown[0]))
    for field in needed:
        if field not in given:
            raise InvalidInput("%s of type %s needs %s" % (option, rule["type"], field))
    extra = [f for f in given if f not in needed]
    if extra:
        raise InvalidInput("%s of type %s does not take %s" % (option, rule["type"], extra[0]))
    if rule["type"] == "exactReference":
        ref = parse_reference(rule["docker_reference"])
        if not ref.tag and not ref.digest:
            raise InvalidInput("%s.docker_reference must name a tag or digest" % option)
    if rule["type"] == "exactRepository":
        ref = parse_reference(rule["docker_repository"])
        if ref.tag or ref.digest:
            raise InvalidInput("%s.docker_repository must be a repository without tag or digest" % option)
    return dict([("type", rule["type"])] + [(f, rule[f]) for f in needed])


def _exact(image, signed):
    if not (image.tag or image.digest) or not (signed.tag or signed.digest):
        return False
    return str(image) == str(signed)


def _repo_digest_or_exact(image, signed):
    if image.digest and not image.tag:
        return image.name == signed.name
    return _exact(image, signed)


def _remap(image, prefix, signed_prefix):
    """containers/image's remapIdentity: replace a matching prefix at a name boundary."""
    text = str(image)
    if text == prefix or (text.startswith(prefix) and text[len(prefix)] in "/:@"):
        return parse_reference(signed_prefix + text[len(prefix):])
    return image


def identity_problem(rule, image_reference, signed_reference):
    """None when ``signed_reference`` satisfies ``rule`` for ``image_reference``, else why not."""
    try:
        signed = parse_reference(signed_reference)
    except InvalidInput as exc:
        return "the signed docker-reference is not a valid reference: %s" % exc
    image = parse_reference(image_reference) if isinstance(image_reference, str) else image_reference
    kind = rule["type"]
    if kind == "matchExact":
        ok = _exact(image, signed)
    elif kind == "matchRepoDigestOrExact":
        ok = _repo_digest_or_exact(image, signed)
    elif kind == "matchRepository":
        ok = image.name == signed.name
    elif kind == "exactReference":
        ok = _exact(parse_reference(rule["docker_reference"]), signed)
    elif kind == "exactRepository":
        ok = parse_reference(rule["docker_repository"]).name == signed.name
    else:
        ok = _repo_digest_or_exact(_remap(image, rule["prefix"], rule["signed_prefix"]), signed)
    if ok:
        return None
    return "signed identity %r is not accepted by the %s rule for %s" % (signed_reference, kind, image)


def claims_problem(claims, digest, image_reference, identity_rule=None):
    """Why a verified payload's claims do not fit this image, or None: the digest it names, then
    the identity rule (both kinds of simple-signing signature, cosign's and atomic, say the same)."""
    if claims["digest"] != digest:
        return "the signature is for %s, not for this image (%s)" % (claims["digest"], digest)
    if identity_rule:
        return identity_problem(identity_rule, image_reference, claims["docker_reference"]) or None
    return None
