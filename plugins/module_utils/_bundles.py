# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sigstore bundles (v0.1 to v0.3) verified offline against a trusted root.

Keyless bundles are verified by sigstore-python (inclusion proofs and checkpoints, SETs, signed
timestamps, the certificate chain at the verified time, SCTs), with the identity rules of
_keyless as its policy. Bundles signed with a managed key (no certificate) are not its business:
their signature is checked with the given keys here, and their Rekor entry (SET and body) with the
same code as legacy keyless signatures. sigstore-python is imported only when a keyless bundle
is met, so it stays an optional dependency.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import json
import re

try:
    from cryptography import x509
except ImportError:  # pragma: no cover - the module reports cryptography missing before this is used
    x509 = None

from ansible_collections.signed.registry.plugins.module_utils._cosign import pae, verify
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._keyless import (
    KeylessError,
    canonical_json,
    certificate_facts,
    check_rekor_body,
    described,
    matching_identity,
)


def _sigstore():
    """sigstore-python's verifier parts, or an error naming the package to install."""
    try:
        # pylint: disable=import-outside-toplevel
        from sigstore.errors import Error as SigstoreError
        from sigstore.errors import VerificationError
        from sigstore.models import Bundle, TrustedRoot
        from sigstore.verify import Verifier
        from sigstore_models.trustroot import v1 as trustroot_v1
    except ImportError:
        raise InvalidInput("keyless sigstore bundles are verified with the Python package 'sigstore' (sigstore-python >= 4.5): "
                           "install it on the host that runs the module (pip install sigstore)")
    return SigstoreError, VerificationError, Bundle, TrustedRoot, Verifier, trustroot_v1


def _reason(exc):
    """sigstore-python's message, on one line (some of its errors wrap a tuple of strings)."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return re.sub(r"\('([^']*)', '([^']*)'\)", r"\1\2", text)


def parse(data):
    try:
        bundle = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeylessError("the bundle is not JSON: %s" % exc)
    if not isinstance(bundle, dict) or not isinstance(bundle.get("verificationMaterial"), dict):
        raise KeylessError("the bundle has no verification material")
    return bundle


def is_keyless(bundle):
    material = bundle["verificationMaterial"]
    return "certificate" in material or "x509CertificateChain" in material


def describe_bundle(data):
    """What a bundle's certificate and log entry claim, unverified (image_signatures_info): None
    for a bundle signed with a key."""
    try:
        bundle = parse(data)
        if not is_keyless(bundle):
            return None
        material = bundle["verificationMaterial"]
        chain = (material.get("x509CertificateChain") or {}).get("certificates") or [{}]
        raw = (material.get("certificate") or chain[0]).get("rawBytes")
        facts = certificate_facts(x509.load_der_x509_certificate(_b64(raw, "certificate")))
    except (KeylessError, ValueError, TypeError, AttributeError) as exc:
        return {"problem": "the bundle's certificate cannot be read: %s" % exc}
    entries = [e for e in material.get("tlogEntries") or [] if isinstance(e, dict)]
    try:
        return described(facts, int(entries[0]["integratedTime"]), int(entries[0]["logIndex"]))
    except (IndexError, KeyError, TypeError, ValueError):
        return described(facts)


def verify_keyless(data, root, identities, artifact=None):
    """Facts of the certificate (who, which identity accepted it) and, for a DSSE bundle, the
    verified (payload type, payload). Raises KeylessError with the reason."""
    sigstore_error, verification_error, bundle_type, root_type, verifier_type, trustroot_v1 = _sigstore()
    matched = {}

    class Identities:
        """sigstore-python's policy protocol over our identity rules (regexps match whole values)."""

        def verify(self, cert):  # pylint: disable=no-self-use
            facts = certificate_facts(cert)
            index, problem = matching_identity(identities, facts)
            if problem:
                raise verification_error(problem)
            matched.update(facts, index=index)

    try:
        sigstore_root = root.sigstore_root or root_type(trustroot_v1.TrustedRoot.from_json(root.data))
        root.sigstore_root = sigstore_root
        bundle = bundle_type.from_json(data)
        verifier = verifier_type(trusted_root=sigstore_root)
        if bundle._inner.dsse_envelope is not None:  # pylint: disable=protected-access
            payload_type, payload = verifier.verify_dsse(bundle, Identities())
            statement = (payload_type, payload)
        else:
            if artifact is None:
                raise KeylessError("the bundle signs a message, and there is no artifact to check it against")
            verifier.verify_artifact(artifact, bundle, Identities())
            statement = None
    except KeylessError:
        raise
    except (sigstore_error, ValueError, TypeError) as exc:
        raise KeylessError("the bundle does not verify: %s" % _reason(exc))
    entry = bundle.log_entry._inner  # pylint: disable=protected-access
    moment = datetime.datetime.fromtimestamp(entry.integrated_time, datetime.timezone.utc) if entry.integrated_time else None
    matched.update(log_index=entry.log_index,
                   integrated_time=moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None)
    return matched, statement


# -- bundles signed with a managed key ---------------------------------------------------------


def _b64(value, what):
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise KeylessError("the bundle's %s is not valid base64" % what)


def verify_with_keys(bundle, root, keys, artifact=None):
    """(index of the key that signed, statement or None); its Rekor entries checked as well."""
    if "dsseEnvelope" in bundle:
        envelope = bundle["dsseEnvelope"]
        payload = _b64(envelope.get("payload"), "DSSE payload")
        signatures = [_b64(s.get("sig"), "DSSE signature") for s in envelope.get("signatures") or []]
        signed, statement = pae(envelope.get("payloadType") or "", payload), (envelope.get("payloadType"), payload)
    else:
        message = bundle.get("messageSignature") or {}
        if artifact is None:
            raise KeylessError("the bundle signs a message, and there is no artifact to check it against")
        digest = (message.get("messageDigest") or {}).get("digest")
        if digest is not None and _b64(digest, "message digest") != hashlib.sha256(artifact).digest():
            raise KeylessError("the bundle's message digest is not the artifact's")
        signatures, signed, statement = [_b64(message.get("signature"), "signature")], artifact, None
    index = next((i for i, key in enumerate(keys) if any(verify(key, signed, s) for s in signatures)), None)
    if index is None:
        raise KeylessError("the bundle's signature does not verify with any of the given public keys")
    for entry in bundle["verificationMaterial"].get("tlogEntries") or []:
        _check_entry(entry, root, keys[index], signatures[0], signed if statement is None else None)
    return index, statement


def _check_entry(entry, root, key, signature, artifact):
    """A managed-key bundle's Rekor entry: its SET by a log of the root, its body about this signature."""
    promise = (entry.get("inclusionPromise") or {}).get("signedEntryTimestamp")
    if not promise:
        # Inclusion proofs without a SET need the log's checkpoint: sigstore-python checks those
        # for keyless bundles; a managed-key bundle without a SET is refused rather than half checked.
        raise KeylessError("the bundle's Rekor entry has no inclusion promise (SET) to check")
    try:
        fields = {"body": entry["canonicalizedBody"], "integratedTime": int(entry["integratedTime"]),
                  "logIndex": int(entry["logIndex"]), "logID": _b64(entry["logId"]["keyId"], "log id").hex()}
    except (KeyError, TypeError, ValueError):
        raise KeylessError("the bundle's Rekor entry is malformed")
    moment = datetime.datetime.fromtimestamp(fields["integratedTime"], datetime.timezone.utc)
    log = root.log_key(root.tlogs, bytes.fromhex(fields["logID"]), moment)
    if log is None:
        raise KeylessError("the bundle's Rekor entry is from a log the trusted root does not hold")
    if not verify(log.key, canonical_json(fields), _b64(promise, "SET")):
        raise KeylessError("the bundle's Rekor SET does not verify")
    if artifact is not None:
        check_rekor_body(fields, artifact, signature, key)
