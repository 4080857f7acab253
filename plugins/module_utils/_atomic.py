# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Atomic (GPG simple-signing) signatures: an OpenPGP signed message whose literal data is a
simple-signing payload of type "atomic container signature", as skopeo --sign-by and Pulp's
signing service write them. Fetched from the registry's signatures extension API or from a
lookaside store; verified with Sequoia (pysequoia), failing closed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import os

try:
    import pysequoia
    from pysequoia.packet import PacketPile
    HAS_PYSEQUOIA = True
    PYSEQUOIA_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_PYSEQUOIA = False
    PYSEQUOIA_IMPORT_ERROR = exc

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    ATOMIC_SIGNATURE_TYPE,
    PayloadError,
    parse_payload,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput, SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._files import path_or_content
from ansible_collections.signed.registry.plugins.module_utils._http import HTTPError
from ansible_collections.signed.registry.plugins.module_utils._identity import claims_problem
from ansible_collections.signed.registry.plugins.module_utils._oci import RegistryError

# Pulp refuses larger signatures; anything larger is an attack on the verifier's memory.
MAX_SIGNATURE_SIZE = 4 * 1024 * 1024
# containers/image reads signature-1, -2, ... until one is missing; a store serving endless
# signatures must not keep the verifier busy forever.
MAX_LOOKASIDE_SIGNATURES = 64


class AtomicError(SignedRegistryError):
    """A signature that is not accepted; the message is the reason."""


def _first_line(exc):
    # Sequoia's errors carry a Rust backtrace below the message when RUST_BACKTRACE is set.
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_gpg_keys(public_keys, option="public_keys"):
    """The OpenPGP certificates in ``public_keys`` (paths or ASCII-armored texts), by fingerprint."""
    if not public_keys:
        raise InvalidInput("%s must name at least one GPG public key" % option)
    certs = {}
    for index, value in enumerate(public_keys):
        what = "%s[%d]" % (option, index)
        data = path_or_content(value, what)
        try:
            found = pysequoia.Cert.split_bytes(data)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise InvalidInput("%s is not an OpenPGP public key: %s" % (what, _first_line(exc)))
        if not found:
            raise InvalidInput("%s holds no OpenPGP public key" % what)
        for cert in found:
            certs.setdefault(cert.fingerprint.upper(), cert)
    return certs


def _issuer(blob):
    """The fingerprint (or key id) the message's signature names as its issuer, if it parses."""
    try:
        for packet in PacketPile.from_bytes(blob):
            if str(packet.tag).endswith("Signature") and not str(packet.tag).endswith("OnePassSig"):
                return (packet.issuer_fingerprint or packet.issuer_key_id or "").upper() or None
    except (RuntimeError, ValueError, TypeError):
        return None
    return None


def _key_problem(cert, now):
    if cert.is_revoked:
        return "is revoked"
    expiration = cert.expiration
    if expiration is not None:
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=datetime.timezone.utc)
        if expiration <= now:
            return "expired on %s" % expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _signing_key_problem(cert, signing_key, now):
    """Whether the subkey that signed has expired or been revoked since it signed.

    Sequoia judges a subkey at the signature's creation time; gpgme (containers/image) refuses a
    signature whose key is expired or revoked now, and so does this. The certificate comes from
    the trusted key file, so its newest binding signature is taken as it stands.
    """
    binding = None
    current = None
    created = None
    for packet in PacketPile.from_bytes(bytes(cert)):
        tag = str(packet.tag)
        if tag.endswith(("PublicKey", "PublicSubkey", "SecretKey", "SecretSubkey")):
            current = (packet.fingerprint or "").upper()
            created = packet.key_created
        elif tag.endswith("Signature") and current == signing_key:
            kind = str(packet.signature_type)
            if kind.endswith("SubkeyRevocation"):
                return "is revoked"
            if kind.endswith("SubkeyBinding") and (
                    binding is None or (packet.signature_created or now) >= (binding.signature_created or now)):
                binding = packet
    period = binding.key_validity_period if binding is not None else None
    if period and created is not None:
        expiration = created + period
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=datetime.timezone.utc)
        if expiration <= now:
            return "expired on %s" % expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _owner(certs, issuer):
    for fingerprint, cert in certs.items():
        if issuer and (fingerprint == issuer or fingerprint.endswith(issuer)):
            return fingerprint, cert
    # A subkey's issuer is not matched here; the reason then names the issuer only.
    return None, None


def verify_message(blob, certs, now=None):
    """(key fingerprint, signing key fingerprint, payload) of an OpenPGP signed message made by
    one of ``certs``; raises AtomicError with the reason otherwise.

    Sequoia checks the signature, that the signing (sub)key was alive, bound for signing and not
    revoked when it signed; like containers/image (gpgme), a key revoked or expired since is
    refused too. Trust is by certificate fingerprint, never by user id.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if not blob:
        raise AtomicError("the signature is empty")
    trusted = dict((f, c) for f, c in certs.items() if _key_problem(c, now) is None)
    try:
        result = pysequoia.verify(bytes=bytes(blob), store=lambda _ids: list(trusted.values()))
    except (RuntimeError, ValueError, TypeError) as exc:
        message = _first_line(exc)
        if "no valid signatures" not in message.lower():
            raise AtomicError("the signature is not a valid OpenPGP signed message: %s" % message)
        issuer = _issuer(blob)
        fingerprint, cert = _owner(certs, issuer)
        if cert is not None and _key_problem(cert, now):
            raise AtomicError("the signature was made by key %s, which %s" % (fingerprint, _key_problem(cert, now)))
        if cert is not None:
            raise AtomicError("the signature does not verify with key %s (tampered, or made when the key or its "
                              "signing subkey was not valid for signing)" % fingerprint)
        raise AtomicError("the signature does not verify with any of the given public keys (issuer %s)" % (issuer or "unknown"))
    signatures = list(result.valid_sigs)
    if len(signatures) != 1:
        raise AtomicError("the message carries %d valid signatures, not exactly one" % len(signatures))
    fingerprint = signatures[0].certificate.upper()
    if fingerprint not in trusted:
        raise AtomicError("the signature was made by key %s, which is not one of the given public keys" % fingerprint)
    signing_key = signatures[0].signing_key.upper()
    if signing_key != fingerprint:
        problem = _signing_key_problem(trusted[fingerprint], signing_key, now)
        if problem:
            raise AtomicError("the signature was made by subkey %s of key %s, which %s" % (signing_key, fingerprint, problem))
    if result.bytes is None:
        raise AtomicError("the signed message has no content")
    return fingerprint, signing_key, result.bytes


def check_signature(blob, certs, digest, image_reference, identity_rule=None, now=None):
    """A verdict on one atomic signature for the image ``digest``: a dict with ``accepted``,
    ``reason``, ``key_fingerprint``, ``signing_key`` and the payload's ``claims``."""
    result = {"accepted": False, "reason": None, "key_fingerprint": None, "signing_key": None, "claims": None}
    try:
        result["key_fingerprint"], result["signing_key"], payload = verify_message(blob, certs, now)
    except AtomicError as exc:
        result["reason"] = str(exc)
        return result
    try:
        claims = parse_payload(payload, signature_type=ATOMIC_SIGNATURE_TYPE)
    except PayloadError as exc:
        result["reason"] = "the payload is not valid: %s" % exc
        return result
    result["claims"] = claims
    result["reason"] = claims_problem(claims, digest, image_reference, identity_rule)
    if result["reason"]:
        return result
    result["accepted"] = True
    return result


# -- where signatures are kept -----------------------------------------------------------------


def extension_signatures(registry, repository, digest):
    """[(name, blob or None, problem)] of the atomic signatures the registry's extension API
    serves for the image; [] when it has no such API or no signatures."""
    found = []
    for index, entry in enumerate(registry.extension_signatures(repository, digest) or []):
        name = entry.get("name") if isinstance(entry, dict) else None
        name = name if isinstance(name, str) else "signature %d" % (index + 1)
        if not isinstance(entry, dict) or entry.get("type") != "atomic" or entry.get("schemaVersion") != 2:
            found.append((name, None, "the entry is not an atomic signature of schemaVersion 2"))
            continue
        try:
            blob = base64.b64decode(entry.get("content") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            found.append((name, None, "the signature content is not valid base64"))
            continue
        found.append((name, blob, None))
    return found


def lookaside_url(base, repository, digest, index):
    """containers/image's lookaside layout: <base>/<repository>@sha256=<hex>/signature-<n>."""
    algorithm, _sep, hexdigest = digest.partition(":")
    return "%s/%s@%s=%s/signature-%d" % (base.rstrip("/"), repository, algorithm, hexdigest, index)


def check_lookaside(value, option="lookaside"):
    if not value.startswith(("file://", "http://", "https://")):
        raise InvalidInput("%s must be a file://, http:// or https:// URL, got %r" % (option, value))
    return value


def lookaside_signatures(http, base, repository, digest):
    """[(url, blob, None)] of signature-1, -2, ... in a lookaside store, until one is missing."""
    found = []
    for index in range(1, MAX_LOOKASIDE_SIGNATURES + 1):
        url = lookaside_url(base, repository, digest, index)
        blob = _read_file_url(url) if url.startswith("file://") else _read_http_url(http, url)
        if blob is None:
            break
        found.append((url, blob, None))
    return found


def _read_file_url(url):
    path = url[len("file://"):]
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SIGNATURE_SIZE + 1)
    except (IOError, OSError) as exc:
        if not os.path.exists(path):
            return None
        raise RegistryError("cannot read %s: %s" % (path, exc))
    if len(data) > MAX_SIGNATURE_SIZE:
        raise RegistryError("%s is more than the %d bytes a signature may have" % (url, MAX_SIGNATURE_SIZE))
    return data


def _read_http_url(http, url):
    try:
        response = http.request("GET", url, expected=(200, 404), max_body=MAX_SIGNATURE_SIZE)
    except HTTPError as exc:
        raise RegistryError("the lookaside store refused %s: %s" % (url, exc), **exc.details)
    if response.status_code == 404:
        return None
    return response.content


def collect(registry, http, repository, digest, lookaside=None):
    """Every atomic signature of the image: [{source, name, blob, problem}]."""
    entries = [{"source": "extension", "name": n, "blob": b, "problem": p}
               for n, b, p in extension_signatures(registry, repository, digest)]
    if lookaside:
        entries += [{"source": "lookaside", "name": n, "blob": b, "problem": p}
                    for n, b, p in lookaside_signatures(http, lookaside, repository, digest)]
    return entries


def describe(entry):
    """What image_signatures_info shows of a signature, unverified."""
    blob = entry["blob"]
    return {"format": "atomic", "source": entry["source"], "name": entry["name"],
            "size": len(blob) if blob is not None else None,
            "digest": "sha256:" + hashlib.sha256(blob).hexdigest() if blob is not None else None}


def verify_entries(entries, certs, digest, image_reference, identity_rule=None):
    """The verdict on every entry: ``accepted``, ``reason`` and what check_signature learnt."""
    verdicts = []
    for entry in entries:
        verdict = {"format": "atomic", "source": entry["source"], "name": entry["name"]}
        if entry["problem"]:
            verdict.update(accepted=False, reason=entry["problem"], key_fingerprint=None, signing_key=None, claims=None)
        else:
            verdict.update(check_signature(entry["blob"], certs, digest, image_reference, identity_rule))
        verdicts.append(verdict)
    return verdicts
