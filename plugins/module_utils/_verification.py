# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One verification pipeline for every cosign format: find what is attached to an image, judge
each attachment with the check for its format, collect the verdicts with their reasons.

Three parts, each replaceable on its own:

- *where* attachments are found: the ``sha256-<hex>.sig`` / ``.att`` tags and the referrers
  (API or fallback tag), each read with a bound on how much is read;
- *checks*, one per format (simple signing, signature bundle, DSSE attestation, attestation
  bundle): read the payload, ask the Trust who signed it, check what the payload claims;
- the *Trust*: who may sign. Checks never look at keys themselves, so a new trust source
  (keyless certificates) changes the Trust, not the formats.

Atomic (GPG) signatures are found elsewhere (extension API, lookaside) and judged by _atomic;
they share ``listed`` and the per-image skeleton of _verifier.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.signed.registry.plugins.module_utils._attestations import (
    DSSE_MEDIA_TYPE,
    MAX_ATTESTATION_SIZE,
    PREDICATE_ANNOTATION,
)
from ansible_collections.signed.registry.plugins.module_utils._bundles import is_keyless, verify_keyless
from ansible_collections.signed.registry.plugins.module_utils._bundles import parse as parse_sigstore_bundle
from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    BUNDLE_MEDIA_TYPES,
    COSIGN_SIGN_PREDICATE,
    SIMPLESIGNING_MEDIA_TYPE,
    PayloadError,
    key_id,
    load_public_key,
    pae,
    parse_bundle,
    parse_envelope,
    parse_payload,
    parse_statement,
    subject_names_digest,
    verify,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput, SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._files import path_or_content
from ansible_collections.signed.registry.plugins.module_utils._identity import check_identity_rule, claims_problem, identity_problem
from ansible_collections.signed.registry.plugins.module_utils._keyless import (
    CERTIFICATE_ANNOTATION,
    HAS_PATH_VALIDATION,
    KeylessError,
    check_identities,
    matching_identity,
    shown,
    verify_legacy,
)
from ansible_collections.signed.registry.plugins.module_utils._oci import RegistryError
from ansible_collections.signed.registry.plugins.module_utils._parallel import parallel_map
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference, signature_tag
from ansible_collections.signed.registry.plugins.module_utils._signatures import (
    COSIGN_SIG_ARTIFACT,
    MAX_BUNDLE_SIZE,
    MAX_PAYLOAD_SIZE,
    SignatureError,
    fetch_payload,
    layer_signature,
    read_signature_layers,
    referrer_manifests,
)
from ansible_collections.signed.registry.plugins.module_utils._trust_root import load_trusted_root

# An image has a handful of signatures; a signature manifest with more layers than this is read
# no further (the rest are one rejection), and results list this many rejections at most.
MAX_SIGNATURE_LAYERS = 128
MAX_REJECTIONS_LISTED = 20


class Rejected(Exception):
    """One attachment is not accepted; the message is the reason shown to the user."""


class Unreadable(Rejected):
    """An attachment that is broken whoever signed it: unreadable, malformed, or about another
    image. Its verdict says ``invalid`` (an audit tells it apart from an untrusted signer)."""


class Image:
    """The image being verified: where it is, its digest, and the reference the user gave.

    ``present_tags``, when known (an audit lists every tag of the repository first), saves the
    requests for attachment tags that are not there.
    """

    def __init__(self, registry, repository, digest, reference, present_tags=None):
        self.registry = registry
        self.repository = repository
        self.digest = digest
        self.reference = reference
        self.present_tags = present_tags

    def may_have(self, suffix):
        """Whether the attachment tag with ``suffix`` (None: the referrers tag) may exist."""
        return self.present_tags is None or signature_tag(self.digest, suffix) in self.present_tags

    def payload(self, layer, limit=MAX_PAYLOAD_SIZE):
        """The blob a layer names, read with ``limit``; a failure is that attachment's rejection."""
        try:
            return fetch_payload(self.registry, self.repository, layer, limit)
        except (SignatureError, RegistryError) as exc:
            raise Unreadable(str(exc))


# -- who may sign ------------------------------------------------------------------------------


class Trust:
    """The signers a verifier accepts and what their claims must say.

    ``signer()`` is the one place a signature meets a trust anchor: a check hands it the signed
    bytes, the signatures and whatever verification material the format carries, and gets back
    who signed (merged into the verdict) or a rejection.
    """

    def __init__(self, keys, identity_rule=None, annotations=None, keyless=None):
        self.keys = list(keys)
        self.key_ids = [key_id(k) for k in self.keys]
        self.identity_rule = identity_rule
        self.annotations = dict(annotations or {})
        self.keyless = keyless

    @classmethod
    def from_options(cls, public_keys, signed_identity=None, annotations=None, identities=None, trusted_root=None):
        """From the options every cosign verifier takes: keys (paths or PEM texts), keyless
        identities with their trusted root, an identity rule for the claimed reference."""
        if not public_keys and not identities:
            raise InvalidInput("public_keys or identities must name at least one public key or keyless identity")
        if trusted_root and not identities:
            raise InvalidInput("trusted_root is used for keyless signatures only: give identities with it")
        keys = [load_public_key(path_or_content(k, "public_keys[%d]" % i), "public_keys[%d]" % i)
                for i, k in enumerate(public_keys or [])]
        rule = check_identity_rule(signed_identity) if signed_identity else None
        keyless = None
        if identities:
            if not HAS_PATH_VALIDATION:
                raise InvalidInput("identities (keyless signatures) need cryptography >= 45 (X.509 path validation) on "
                                   "the host that runs the module")
            keyless = Keyless(load_trusted_root(trusted_root), check_identities(identities))
        return cls(keys, rule, dict((str(k), str(v)) for k, v in (annotations or {}).items()), keyless)

    def signer(self, message, signatures, what="signature", material=None):
        """Who made one of ``signatures`` over ``message``: {"key_id": ...} for a trusted key, or,
        for a keyless signature (``material`` holds its certificate), the identity that accepted it."""
        for index, key in enumerate(self.keys):
            if any(verify(key, message, signature) for signature in signatures):
                return {"key_id": self.key_ids[index]}
        if self.keyless and (material or {}).get(CERTIFICATE_ANNOTATION):
            return self.keyless.signer(material, message, signatures)
        if not self.keys:
            raise Rejected("the %s carries no certificate (it is not keyless), and no public key was given" % what)
        raise Rejected("the %s does not verify with any of the given public keys" % what)

    def envelope_signer(self, envelope, what="signature", bundle=None, layer=None):
        """Who signed a DSSE envelope: over its pre-authentication encoding, never the bare payload.
        ``bundle`` (the bytes of the sigstore bundle holding it) lets a keyless bundle be judged;
        ``layer`` ((annotations, bytes) of a legacy .att layer) a legacy keyless attestation."""
        payload_type, payload, signatures = parse_envelope(envelope)
        signed = pae(payload_type, payload)
        try:
            return self.signer(signed, signatures, what)
        except Rejected:
            if self.keyless and bundle is not None:
                return self.keyless.bundle_signer(bundle)
            if self.keyless and layer is not None and layer[0].get(CERTIFICATE_ANNOTATION):
                return self.keyless.signer(layer[0], layer[1], signatures, signed)
            raise

    def claims_problem(self, claims, image):
        """Why a simple-signing payload's claims do not hold for ``image``, or None."""
        problem = claims_problem(claims, image.digest, image.reference, self.identity_rule)
        if problem:
            return problem
        for name, value in sorted(self.annotations.items()):
            if claims["optional"].get(name) != value:
                return "annotation %s=%s is required, the signature has %r" % (name, value, claims["optional"].get(name))
        return None


class Keyless:
    """Keyless trust: a trusted root and the identities (issuer and subject) that may sign."""

    def __init__(self, root, identities):
        self.root = root
        self.identities = identities

    def signer(self, material, payload, signatures, signed=None):
        """Who signed a legacy keyless layer (see _keyless.verify_legacy for ``signed``)."""
        problems = []
        for signature in signatures:
            try:
                facts = verify_legacy(self.root, material, payload, signature, signed)
                break
            except KeylessError as exc:
                problems.append(str(exc))
        else:
            raise Rejected(problems[0] if problems else "the envelope has no signature")
        index, problem = matching_identity(self.identities, facts)
        if problem:
            raise Rejected(problem)
        return self._who(index, facts)

    def bundle_signer(self, data):
        """Who signed a keyless sigstore bundle (sigstore-python verifies it, offline)."""
        try:
            bundle = parse_sigstore_bundle(data)
            if not is_keyless(bundle):
                raise KeylessError("the bundle has no certificate (it is not keyless), and no public key was given")
            facts, _statement = verify_keyless(data, self.root, self.identities)
        except KeylessError as exc:
            raise Rejected(str(exc))
        return self._who(facts["index"], facts)

    def _who(self, index, facts):
        return {"key_id": None, "identity": shown(self.identities[index]),
                "certificate": {"subjects": facts["subjects"], "issuer": facts["issuer"],
                                "integrated_time": facts["integrated_time"], "log_index": facts["log_index"],
                                "trusted_root": self.root.source}}


# -- checks, one per format --------------------------------------------------------------------
#
# A check takes (image, trust, layer, found) and returns a verdict dict, or None when the layer
# is not its business (an attestation bundle seen while looking for signatures). It fills what
# it learnt before it rejected (who signed, what was claimed): users read those to see why.


def _verdict(layer, fmt, **fields):
    verdict = {"layer": layer.get("digest"), "accepted": False, "key_id": None, "reason": None, "format": fmt}
    verdict.update(fields)
    return verdict


def _judged(verdict, judge):
    """Run ``judge(verdict)``; a Rejected becomes the verdict's reason, else it is accepted."""
    try:
        judge(verdict)
    except Rejected as exc:
        verdict["reason"] = str(exc)
        if isinstance(exc, Unreadable):
            verdict["invalid"] = True
        return verdict
    verdict["accepted"] = True
    return verdict


def check_simple_signing(image, trust, layer, found):
    """A simple-signing payload with its signature in the layer's annotation (.sig tag or referrer)."""
    if layer.get("mediaType") != SIMPLESIGNING_MEDIA_TYPE:
        return None
    if found.source == "referrer" and found.artifact != COSIGN_SIG_ARTIFACT:
        return None

    def judge(verdict):
        signature, problem = layer_signature(layer)
        if signature is None:
            raise Unreadable(problem)
        payload = image.payload(layer)
        verdict.update(trust.signer(payload, [signature], material=layer.get("annotations") or {}))
        try:
            verdict["claims"] = parse_payload(payload)
        except PayloadError as exc:
            raise Unreadable("the payload is not valid: %s" % exc)
        problem = trust.claims_problem(verdict["claims"], image)
        if problem:
            raise (Unreadable if verdict["claims"]["digest"] != image.digest else Rejected)(problem)

    return _judged(_verdict(layer, "legacy" if found.source == "sig" else "referrer", claims=None), judge)


def _statement(image, layer, unwrap, limit):
    """(envelope, statement, the bytes read) of a DSSE layer or bundle; Rejected when it cannot be read."""
    try:
        data = image.payload(layer, limit)
        envelope = unwrap(data)
        return envelope, parse_statement(*parse_envelope(envelope)[:2]), data
    except (PayloadError, ValueError, UnicodeDecodeError) as exc:
        raise Unreadable(str(exc))


def check_signature_bundle(image, trust, layer, found):
    """cosign 3's signature: a bundle with a DSSE-signed statement of cosign's sign predicate type."""
    if found.source != "referrer" or layer.get("mediaType") not in BUNDLE_MEDIA_TYPES:
        return None
    verdict = _verdict(layer, "bundle", claims=None)
    try:
        envelope, statement, data = _statement(image, layer, parse_bundle, MAX_BUNDLE_SIZE)
    except Rejected as exc:
        verdict.update(reason=str(exc), invalid=True)
        return verdict
    if statement["predicate_type"] != COSIGN_SIGN_PREDICATE:
        return None

    def judge(verdict):
        verdict.update(trust.envelope_signer(envelope, bundle=data))
        # The identity rule applies to the subject that names this image, not to whichever is first.
        matching = [s for s in statement["subjects"] if subject_names_digest([s], image.digest)]
        subject = matching[0] if matching else statement["subjects"][0]
        verdict["claims"] = {"docker_reference": subject.get("name"),
                             "digest": "sha256:%s" % (subject.get("digest") or {}).get("sha256"), "optional": {}}
        if not matching:
            raise Unreadable("the signature is for %s, not for this image (%s)" % (verdict["claims"]["digest"], image.digest))
        if len(set(s.get("name") for s in matching)) > 1:
            raise Unreadable("the signature names this image under several names (%s): refusing to choose one" % (
                ", ".join(sorted(str(s.get("name")) for s in matching))))
        if trust.identity_rule:
            problem = identity_problem(trust.identity_rule, image.reference, subject.get("name") or "")
            if problem:
                raise Rejected(problem)
        if trust.annotations:
            raise Rejected("annotations are required, and bundle signatures carry none")

    return _judged(verdict, judge)


def _json_envelope(data):
    return json.loads(data.decode("utf-8"))


def attestation_check(predicate_type=None):
    """The check for in-toto attestations (legacy .att DSSE layers and bundle referrers),
    limited to ``predicate_type`` when given. Signature bundles are left to the signature check."""

    def check(image, trust, layer, found):
        if found.source == "att" and layer.get("mediaType") == DSSE_MEDIA_TYPE:
            fmt, unwrap = "legacy", _json_envelope
        elif found.source == "referrer" and layer.get("mediaType") in BUNDLE_MEDIA_TYPES:
            fmt, unwrap = "bundle", parse_bundle
        else:
            return None
        verdict = _verdict(layer, fmt, predicate_type=(layer.get("annotations") or {}).get(PREDICATE_ANNOTATION),
                           predicate=None)
        try:
            envelope, statement, data = _statement(image, layer, unwrap, MAX_ATTESTATION_SIZE)
        except Rejected as exc:
            verdict.update(reason="the attestation cannot be read: %s" % exc, invalid=True)
            return verdict
        verdict["predicate_type"] = statement["predicate_type"]
        if statement["predicate_type"] == COSIGN_SIGN_PREDICATE:
            return None
        if predicate_type and statement["predicate_type"] != predicate_type:
            return None

        def judge(verdict):
            verdict.update(trust.envelope_signer(envelope, "DSSE signature", bundle=data if fmt == "bundle" else None,
                                                 layer=(layer.get("annotations") or {}, data) if fmt == "legacy" else None))
            if not subject_names_digest(statement["subjects"], image.digest):
                raise Unreadable("the statement's subject is not this image (%s)" % image.digest)
            verdict["predicate"] = statement["predicate"]

        return _judged(verdict, judge)

    return check


SIGNATURE_CHECKS = (("sig",), (check_simple_signing, check_signature_bundle))


def attestation_checks(predicate_type=None):
    return (("att",), (attestation_check(predicate_type),))


# -- the pipeline ------------------------------------------------------------------------------


class Found:
    """Where a layer was found: ``source`` is the tag suffix or "referrer"."""

    def __init__(self, source, artifact=None, subject=None):
        self.source = source
        self.artifact = artifact
        self.subject = subject


def attachments(image, tags, results):
    """(layer, Found) of every layer attached to the image: under the cosign tags ``tags``, then
    in each referrer. Lists longer than MAX_SIGNATURE_LAYERS become one rejection in ``results``."""
    for suffix in tags:
        if not image.may_have(suffix):
            continue
        layers = read_signature_layers(image.registry, image.repository, image.digest, suffix)
        for layer in capped(layers, results, signature_tag(image.digest, suffix)):
            yield layer, Found(suffix)
    # Without a referrers API, referrers are listed under a tag: no tag, no referrers.
    if getattr(image.registry, "referrers_api", None) is False and not image.may_have(None):
        return
    for manifest in referrer_manifests(image.registry, image.repository, image.digest):
        found = Found("referrer", manifest.get("artifactType") or (manifest.get("config") or {}).get("mediaType"),
                      (manifest.get("subject") or {}).get("digest"))
        layers = manifest.get("layers") if isinstance(manifest.get("layers"), list) else []
        for layer in capped(layers, results, "a referrer"):
            if isinstance(layer, dict):
                yield layer, found


def verdicts(image, trust, checks):
    """Every attachment that one of ``checks`` judges, accepted or rejected with a reason.

    ``checks`` is (cosign tags to read, check functions), as SIGNATURE_CHECKS.
    """
    tags, functions = checks
    results = []
    for layer, found in attachments(image, tags, results):
        for check in functions:
            verdict = check(image, trust, layer, found)
            if verdict is not None:
                break
        else:
            continue
        if verdict["accepted"] and found.source == "referrer" and found.subject != image.digest:
            verdict.update(accepted=False, reason="the referrer's subject is %s, not this image" % found.subject)
        results.append(verdict)
    return listed(results)


def capped(layers, results, where):
    """The first MAX_SIGNATURE_LAYERS layers; the rest become one rejection in ``results``."""
    if len(layers) > MAX_SIGNATURE_LAYERS:
        results.append({"layer": None, "accepted": False, "key_id": None, "claims": None, "format": None,
                        "reason": "%s has %d layers: the %d after the first %d were not read"
                                  % (where, len(layers), len(layers) - MAX_SIGNATURE_LAYERS, MAX_SIGNATURE_LAYERS)})
    return layers[:MAX_SIGNATURE_LAYERS]


def listed(results):
    """Every accepted result and the first MAX_REJECTIONS_LISTED rejections, then a count."""
    rejected = [r for r in results if not r["accepted"]]
    if len(rejected) <= MAX_REJECTIONS_LISTED:
        return results
    shown = set(id(r) for r in rejected[:MAX_REJECTIONS_LISTED])
    kept = [r for r in results if r["accepted"] or id(r) in shown]
    kept.append({"layer": None, "accepted": False, "key_id": None, "claims": None, "format": None,
                 "reason": "and %d more signatures that were not accepted" % (len(rejected) - MAX_REJECTIONS_LISTED)})
    return kept


# -- per image, for the verifier modules -------------------------------------------------------


# The options every verifier module takes besides its trust options (doc fragment _verifier).
VERIFIER_SPEC = dict(
    images=dict(type="list", elements="str", required=True),
    fail_on_unverified=dict(type="bool", default=True),
)


class Outcome:
    """How a verifier module names what it looks for: the result key of accepted entries, the
    reason when nothing was found on a digest, and the reason's start when nothing was accepted."""

    def __init__(self, kept, nothing_found, refused, what="verification"):
        self.kept = kept
        self.nothing_found = nothing_found
        self.refused = refused
        self.what = what


def verify_reference(run, text, judge, outcome):
    """The result for one image: ``judge(registry, reference, digest)`` returns its verdicts.

    A digest is verified as given (no lookup); whether the image exists is asked only when
    nothing was found, and a registry naming another digest for it is refused there (_oci).
    """
    ref = parse_reference(text, default_tag="latest")
    registry = run.registry(ref.api_host)
    result = {"image": text, "digest": None, "verified": False, outcome.kept: [], "rejected": [], "reason": None}
    digest = ref.digest or registry.resolve(ref.repository, ref.tag)
    if digest is None:
        result["reason"] = "no such image on %s" % ref.registry
        return result
    result["digest"] = digest
    verdicts = judge(registry, ref, digest)
    if not verdicts and ref.digest and registry.resolve(ref.repository, digest) is None:
        result.update(digest=None, reason="no such image on %s" % ref.registry)
        return result
    for verdict in verdicts:
        accepted = verdict.pop("accepted")
        verdict.pop("invalid", None)
        if accepted:
            verdict.pop("reason", None)
        (result[outcome.kept] if accepted else result["rejected"]).append(verdict)
    result["verified"] = bool(result[outcome.kept])
    if not result["verified"]:
        result["reason"] = (outcome.nothing_found(digest) if not verdicts
                            else outcome.refused + ": " + "; ".join(v["reason"] for v in result["rejected"]))
    return result


def verify_references(run, images, judge, outcome, fail_on_unverified=True):
    """``verify_reference`` for every image, in parallel; the module fails (with the results)
    when one is not verified, unless ``fail_on_unverified`` is false."""
    run.references(images)
    results = parallel_map(lambda text: verify_reference(run, text, judge, outcome), images)
    run.result["results"] = results
    failed = [r for r in results if not r["verified"]]
    if failed and fail_on_unverified:
        raise SignedRegistryError("%d of %d images failed %s: %s" % (
            len(failed), len(results), outcome.what, "; ".join("%s: %s" % (r["image"], r["reason"]) for r in failed)),
            results=results)
    return results
