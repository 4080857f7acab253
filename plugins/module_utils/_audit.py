# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A registry audit: every tag of every repository, what is attached to it, and one verdict.

Each image is read once through the verification pipeline (_verification) with the signature
and the attestation checks together, so a signature, an attestation or an SBOM costs one read of
its manifest and blob. Verdicts, in the order they win:

- ``verified``: a signature verifies with a trusted key or keyless identity (and its claims hold);
- ``invalid``: something attached is broken whoever signed it (unreadable, malformed, about
  another image), or a trusted signer's signature makes claims that do not hold (a replay);
- ``signed_untrusted``: signed, but by no key or identity you trust;
- ``unsigned``: nothing signs it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json

from ansible_collections.signed.registry.plugins.module_utils._attestations import PREDICATE_TYPES
from ansible_collections.signed.registry.plugins.module_utils._oci import INDEX_TYPES, RegistryError
from ansible_collections.signed.registry.plugins.module_utils._parallel import parallel_map
from ansible_collections.signed.registry.plugins.module_utils._reference import COMPANION_TAG, parse_reference
from ansible_collections.signed.registry.plugins.module_utils._verification import (
    Image,
    attestation_check,
    check_signature_bundle,
    check_simple_signing,
    verdicts,
)

VERDICTS = ("verified", "invalid", "signed_untrusted", "unsigned")
SBOM_PREDICATES = frozenset((PREDICATE_TYPES["spdx"], PREDICATE_TYPES["cyclonedx"]))


def attached_sbom(image, trust, layer, found):
    """An SBOM attached with ``cosign attach sbom`` (the ``.sbom`` tag): present, never signed."""
    if found.source != "sbom":
        return None
    return {"layer": layer.get("digest"), "accepted": False, "key_id": None, "format": "sbom",
            "reason": "attached without a signature (cosign attach sbom)", "media_type": layer.get("mediaType")}


# One pass over every attachment: cosign's three tags and the referrers.
AUDIT_CHECKS = (("sig", "att", "sbom"), (check_simple_signing, check_signature_bundle, attestation_check(None), attached_sbom))


def selected_tags(tags, patterns=None):
    """The tags to audit: images only (no companion tags), those matching one of ``patterns``
    (shell-style) when given, sorted."""
    return sorted(t for t in tags if not COMPANION_TAG.match(t)
                  and (not patterns or any(fnmatch.fnmatchcase(t, p) for p in patterns)))


def platforms(manifest_bytes, media_type):
    """The platform manifests of an index ("os/arch[/variant]" and digest); [] for an image."""
    if media_type not in INDEX_TYPES:
        return []
    try:
        entries = json.loads(manifest_bytes.decode("utf-8")).get("manifests") or []
    except (ValueError, UnicodeDecodeError, AttributeError):
        return []
    found = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        platform = entry.get("platform") if isinstance(entry.get("platform"), dict) else {}
        name = "/".join(str(platform[k]) for k in ("os", "architecture", "variant") if platform.get(k))
        found.append({"platform": name or None, "digest": entry.get("digest")})
    return found


def identity_name(identity):
    """An identity rule as a person reads it: ``subject (issuer)``, exact or as its pattern."""
    return "%s (%s)" % (identity.get("subject") or identity.get("subject_regexp"),
                        identity.get("issuer") or identity.get("issuer_regexp"))


def signer_of(verdict):
    """Who accepted a verdict's signature, as a person reads it: a key id or an identity."""
    if verdict.get("identity"):
        return identity_name(verdict["identity"])
    return verdict.get("key_id") or verdict.get("key_fingerprint")


def classify(signatures):
    """(verdict, reasons) of an image from its signature verdicts (attestations do not sign it)."""
    accepted = [v for v in signatures if v["accepted"]]
    reasons = [v["reason"] for v in signatures if not v["accepted"] and v.get("reason")]
    if accepted:
        return "verified", reasons
    if not signatures:
        return "unsigned", ["no signature found"]
    if any(v.get("invalid") or signer_of(v) for v in signatures):
        return "invalid", reasons
    return "signed_untrusted", reasons


def audit_image(registry, host, repository, tag, trust, atomic=None, present_tags=None):
    """One tag: its digest, platforms, attachments and verdict. ``atomic(registry, ref, digest)``
    returns atomic signature verdicts when GPG keys were given; ``present_tags`` (every tag of the
    repository) spares the requests for attachment tags that are not there."""
    entry = {"repository": "%s/%s" % (host, repository), "tag": tag, "digest": None, "media_type": None,
             "platforms": [], "verdict": None, "signers": [], "reasons": [], "signatures": [],
             "attestations": [], "sbom": False, "sbom_verified": False}
    try:
        found = registry.get_manifest(repository, tag)
    except RegistryError as exc:
        entry.update(verdict="invalid", reasons=["the manifest cannot be read: %s" % exc])
        return entry
    if found is None:
        entry.update(verdict="invalid", reasons=["the tag is listed, and its manifest is not found"])
        return entry
    data, media_type, digest = found
    entry.update(digest=digest, media_type=media_type, platforms=platforms(data, media_type))
    ref = parse_reference("%s/%s@%s" % (host, repository, digest))
    try:
        judged = verdicts(Image(registry, repository, digest, ref, present_tags), trust, AUDIT_CHECKS)
        judged += atomic(registry, ref, digest) if atomic else []
    except RegistryError as exc:
        entry.update(verdict="invalid", reasons=["the attachments cannot be read: %s" % exc])
        return entry
    signatures = [v for v in judged if "predicate_type" not in v and v.get("format") != "sbom"]
    attestations = [v for v in judged if "predicate_type" in v]
    entry["verdict"], entry["reasons"] = classify(signatures)
    entry["signers"] = sorted(set(signer_of(v) for v in signatures if v["accepted"] and signer_of(v)))
    entry["signatures"] = [_shown(v) for v in signatures]
    entry["attestations"] = [dict(_shown(v), predicate_type=v.get("predicate_type")) for v in attestations]
    sboms = [v for v in attestations if v.get("predicate_type") in SBOM_PREDICATES]
    entry["sbom"] = bool(sboms) or any(v.get("format") == "sbom" for v in judged)
    entry["sbom_verified"] = any(v["accepted"] for v in sboms)
    return entry


def _shown(verdict):
    """What a verdict says in the audit: format, accepted, who, why (no payloads or predicates)."""
    return {"format": verdict.get("format"), "accepted": verdict["accepted"], "signer": signer_of(verdict),
            "reason": None if verdict["accepted"] else verdict.get("reason")}


def summarize(images):
    """Counts of each verdict per repository and overall, and the predicate types seen."""
    empty = dict((v, 0) for v in VERDICTS)
    repositories = {}
    for image in images:
        counts = repositories.setdefault(image["repository"], dict(empty, images=0, sbom=0))
        counts[image["verdict"]] += 1
        counts["images"] += 1
        counts["sbom"] += bool(image["sbom"])
    totals = dict(empty, images=len(images), repositories=len(repositories),
                  sbom=sum(1 for image in images if image["sbom"]))
    for image in images:
        totals[image["verdict"]] += 1
    predicate_types = sorted(set(a["predicate_type"] for image in images for a in image["attestations"] if a["predicate_type"]))
    return {"totals": totals, "repositories": repositories, "predicate_types": predicate_types}


def audit(targets, trust, atomic=None, workers=8):
    """Every (registry, host, repository, tag, every tag of the repository) of ``targets``, in
    parallel with at most ``workers`` requests in flight; results in the order given."""
    def one(target):
        registry, host, repository, tag, present_tags = target
        return audit_image(registry, host, repository, tag, trust, atomic, present_tags)

    images = parallel_map(one, targets, workers)
    return images, summarize(images)
