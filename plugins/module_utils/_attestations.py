# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""in-toto attestations as cosign stores them: DSSE envelopes in the legacy ``.att`` image, and
sigstore bundles attached as OCI 1.1 referrers (with the ``sha256-<hex>`` fallback tag where the
registry has no referrers API). Writing, verifying, and listing what is attached.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import json

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    BUNDLE_MEDIA_TYPES,
    COSIGN_SIGN_PREDICATE,
    INTOTO_PAYLOAD_TYPE,
    PayloadError,
    go_json,
    pae,
    parse_bundle,
    parse_envelope,
    parse_statement,
    public_key_der,
    sign,
    verify_envelope,
)
from ansible_collections.signed.registry.plugins.module_utils._bundles import describe_bundle
from ansible_collections.signed.registry.plugins.module_utils._keyless import describe_material
from ansible_collections.signed.registry.plugins.module_utils._oci import OCI_INDEX, OCI_MANIFEST, RegistryError, sha256_digest
from ansible_collections.signed.registry.plugins.module_utils._reference import signature_tag
from ansible_collections.signed.registry.plugins.module_utils._signatures import (
    MAX_BUNDLE_SIZE,
    SIGNATURE_ANNOTATION,
    SignatureError,
    Signer,
    fetch_payload,
    layer_identity,
    read_signature_layers,
    referrer_manifests,
)

DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json"
BUNDLE_MEDIA_TYPE = BUNDLE_MEDIA_TYPES[0]
EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY_BLOB = b"{}"
STATEMENT_TYPE = "https://in-toto.io/Statement/v0.1"
PREDICATE_ANNOTATION = "predicateType"
BUNDLE_PREDICATE_ANNOTATION = "dev.sigstore.bundle.predicateType"
# SBOMs of real images reach megabytes.
MAX_ATTESTATION_SIZE = 32 * 1024 * 1024

# cosign's short names for predicate types (cosign attest --type).
PREDICATE_TYPES = {
    "slsaprovenance": "https://slsa.dev/provenance/v0.2",
    "slsaprovenance02": "https://slsa.dev/provenance/v0.2",
    "slsaprovenance1": "https://slsa.dev/provenance/v1",
    "link": "https://in-toto.io/Link/v1",
    "spdx": "https://spdx.dev/Document",
    "spdxjson": "https://spdx.dev/Document",
    "cyclonedx": "https://cyclonedx.org/bom",
    "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
    "openvex": "https://openvex.dev/ns",
    "custom": "https://cosign.sigstore.dev/attestation/v1",
}


def predicate_type_uri(name):
    return PREDICATE_TYPES.get(name, name)


def make_statement(subject_name, digest, predicate_type, predicate):
    """The in-toto statement cosign attest writes (Go struct order; the predicate's keys sorted)."""
    algorithm, _sep, hexdigest = digest.partition(":")
    head = go_json({"_type": STATEMENT_TYPE, "predicateType": predicate_type,
                    "subject": [{"name": subject_name, "digest": {algorithm: hexdigest}}], "predicate": None})
    return head[:-len(b"null}")] + go_json(predicate, sort_keys=True) + b"}"


def make_envelope(private_key, statement):
    """A DSSE envelope over the statement, as cosign writes it (field order payloadType, payload, signatures)."""
    signature = sign(private_key, pae(INTOTO_PAYLOAD_TYPE, statement))
    return {"payloadType": INTOTO_PAYLOAD_TYPE, "payload": base64.b64encode(statement).decode("ascii"),
            "signatures": [{"keyid": "", "sig": base64.b64encode(signature).decode("ascii")}]}


def same_statement(envelope, statement):
    """Whether an envelope carries the same claims (JSON-equal statement)."""
    try:
        _type, payload, _signatures = parse_envelope(envelope)
        return json.loads(payload.decode("utf-8")) == json.loads(statement.decode("utf-8"))
    except (PayloadError, ValueError, UnicodeDecodeError):
        return False


def key_hint(public_key):
    return base64.b64encode(hashlib.sha256(public_key_der(public_key)).digest()).decode("ascii")


class Attester(Signer):
    """Attaches attestations (and bundle-format signatures) with one key, keeping everyone else's."""

    # -- legacy .att ----------------------------------------------------------------------------

    def _our_envelopes(self, registry, repository, layers):
        """[(layer, envelope)] of the .att layers this key signed."""
        ours = []
        for layer in layers:
            if layer.get("mediaType") != DSSE_MEDIA_TYPE:
                continue
            try:
                envelope = json.loads(fetch_payload(registry, repository, layer, MAX_ATTESTATION_SIZE).decode("utf-8"))
                if verify_envelope(envelope, [self.public_key]) is not None:
                    ours.append((layer, envelope))
            except (SignatureError, RegistryError, PayloadError, ValueError, UnicodeDecodeError):
                continue
        return ours

    def attest_legacy(self, registry, repository, digest, statement, predicate_type, replace=False):
        """Attach the statement in the .att image; True when it was not there yet."""
        layers = read_signature_layers(registry, repository, digest, "att")
        ours = self._our_envelopes(registry, repository, layers)
        same_type = [layer for layer, envelope in ours
                     if (layer.get("annotations") or {}).get(PREDICATE_ANNOTATION) == predicate_type]
        if any(same_statement(envelope, statement) for _layer, envelope in ours) and (not replace or len(same_type) <= 1):
            return False
        if self.check_mode:
            return True
        body = go_json(make_envelope(self.private_key, statement))
        layer = {"mediaType": DSSE_MEDIA_TYPE, "size": len(body), "digest": sha256_digest(body),
                 "annotations": {SIGNATURE_ANNOTATION: "", PREDICATE_ANNOTATION: predicate_type}}
        replaced = set(layer_identity(old) for old in same_type) if replace else set()

        def present(current):
            return any(layer_identity(existing) == layer_identity(layer) for existing in current)

        def change(current):
            kept = [existing for existing in current if layer_identity(existing) not in replaced]
            return kept if present(kept) else kept + [layer]

        def done(current):
            return present(current) and not any(layer_identity(existing) in replaced for existing in current)

        self._converge(registry, repository, digest, change, done, {layer["digest"]: body}, suffix="att")
        return True

    # -- sigstore bundles as referrers ----------------------------------------------------------

    def sign_bundle(self, registry, repository, digest, identity):
        """cosign 3's default signature: a sign/v1 statement with an empty predicate, in a bundle."""
        statement = make_statement(identity, digest, COSIGN_SIGN_PREDICATE, {})
        return self.attest_bundle(registry, repository, digest, statement, COSIGN_SIGN_PREDICATE)

    def _our_bundles(self, registry, repository, digest):
        """[(manifest digest, predicate type, envelope)] of the bundles this key signed."""
        ours = []
        for manifest, manifest_digest in referrer_manifests(registry, repository, digest, with_digest=True):
            for layer in manifest.get("layers") or []:
                if not isinstance(layer, dict) or layer.get("mediaType") not in BUNDLE_MEDIA_TYPES:
                    continue
                try:
                    envelope = parse_bundle(fetch_payload(registry, repository, layer, MAX_ATTESTATION_SIZE))
                    if verify_envelope(envelope, [self.public_key]) is None:
                        continue
                    statement = parse_statement(*parse_envelope(envelope)[:2])
                except (SignatureError, RegistryError, PayloadError):
                    continue
                ours.append((manifest_digest, statement["predicate_type"], envelope))
        return ours

    def attest_bundle(self, registry, repository, digest, statement, predicate_type, replace=False):
        """Attach the statement as a sigstore bundle referrer; True when it was not there yet."""
        ours = self._our_bundles(registry, repository, digest)
        stale = [d for d, kind, _envelope in ours if kind == predicate_type] if replace else []
        if any(same_statement(envelope, statement) for _d, _kind, envelope in ours):
            if len(stale) <= 1:
                return False
        if self.check_mode:
            return True
        subject = registry.get_manifest(repository, digest)
        if subject is None:
            raise RegistryError("%s has no manifest %s" % (repository, digest))
        bundle = go_json({"mediaType": BUNDLE_MEDIA_TYPE,
                          "verificationMaterial": {"publicKey": {"hint": key_hint(self.public_key)}},
                          "dsseEnvelope": make_envelope(self.private_key, statement)})
        annotations = {"dev.sigstore.bundle.content": "dsse-envelope", BUNDLE_PREDICATE_ANNOTATION: predicate_type,
                       "org.opencontainers.image.created":
                           datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        manifest = go_json({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE_MEDIA_TYPE,
            "config": {"mediaType": EMPTY_MEDIA_TYPE, "size": len(EMPTY_BLOB), "digest": sha256_digest(EMPTY_BLOB)},
            "layers": [{"mediaType": BUNDLE_MEDIA_TYPE, "size": len(bundle), "digest": sha256_digest(bundle)}],
            "subject": {"mediaType": subject[1], "size": len(subject[0]), "digest": digest},
            "annotations": annotations,
        })
        registry.push_blob(repository, EMPTY_BLOB)
        registry.push_blob(repository, bundle)
        manifest_digest = registry.put_manifest(repository, sha256_digest(manifest), manifest, OCI_MANIFEST)
        descriptor = {"mediaType": OCI_MANIFEST, "size": len(manifest), "digest": manifest_digest,
                      "artifactType": BUNDLE_MEDIA_TYPE, "annotations": annotations}
        self._update_referrers_tag(registry, repository, digest, descriptor, set(stale))
        for old in stale:
            registry.delete_manifest(repository, old)
        return True

    def _update_referrers_tag(self, registry, repository, digest, descriptor, removed):
        """Keep the referrers fallback tag (an index) in step, for registries without the API."""
        if registry.referrers_api is True:
            return
        tag = signature_tag(digest, suffix=None)
        for _attempt in range(12):
            found = registry.get_manifest(repository, tag, accept=OCI_INDEX)
            empty = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
            index = json.loads(found[0].decode("utf-8")) if found else empty
            entries = [m for m in index.get("manifests") or [] if m.get("digest") not in removed]
            if any(m.get("digest") == descriptor["digest"] for m in entries) and len(entries) == len(index.get("manifests") or []):
                return
            if not any(m.get("digest") == descriptor["digest"] for m in entries):
                entries.append(descriptor)
            index["manifests"] = entries
            registry.put_manifest(repository, tag, go_json(index), OCI_INDEX)
        raise SignatureError("the referrers tag %s of %s kept changing under concurrent writers" % (tag, repository))


# -- what is attached ----------------------------------------------------------------------------


def _bundle_claims(registry, repository, layers):
    """What the certificate of a referrer's sigstore bundle claims, unverified; None when the
    referrer holds no bundle or a bundle signed with a key."""
    for layer in layers:
        if layer.get("mediaType") in BUNDLE_MEDIA_TYPES:
            try:
                return describe_bundle(fetch_payload(registry, repository, layer, MAX_BUNDLE_SIZE))
            except (SignatureError, RegistryError) as exc:
                return {"problem": str(exc)}
    return None


def attached(registry, repository, digest):
    """Everything attached to an image, unverified: cosign's tags and the referrers."""
    found = {"signatures": [], "attestations": [], "sboms": [], "referrers": []}
    for suffix, key in (("sig", "signatures"), ("att", "attestations"), ("sbom", "sboms")):
        for layer in read_signature_layers(registry, repository, digest, suffix):
            found[key].append({"format": "legacy", "tag": signature_tag(digest, suffix), "digest": layer.get("digest"),
                               "media_type": layer.get("mediaType"), "size": layer.get("size"),
                               "predicate_type": (layer.get("annotations") or {}).get(PREDICATE_ANNOTATION),
                               "keyless": describe_material(layer.get("annotations") or {})})
    for manifest, manifest_digest in referrer_manifests(registry, repository, digest, with_digest=True):
        annotations = manifest.get("annotations") or {}
        layers = [layer for layer in manifest.get("layers") or [] if isinstance(layer, dict)]
        found["referrers"].append({
            "digest": manifest_digest,
            "artifact_type": manifest.get("artifactType") or (manifest.get("config") or {}).get("mediaType"),
            "predicate_type": annotations.get(BUNDLE_PREDICATE_ANNOTATION),
            "layers": [{"media_type": layer.get("mediaType"), "digest": layer.get("digest"), "size": layer.get("size")}
                       for layer in layers],
            "keyless": _bundle_claims(registry, repository, layers),
        })
    return found
