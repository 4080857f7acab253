# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""cosign's formats, byte-compatible with cosign and containers/image: encrypted key files,
the simple-signing payload, signing and verifying it. Pure functions, no HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import json
import os
import traceback

from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

try:
    import nacl.exceptions
    import nacl.secret
    HAS_NACL = True
    NACL_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module
    HAS_NACL = False
    NACL_IMPORT_ERROR = traceback.format_exc()

SIGSTORE_KEY_LABEL = "ENCRYPTED SIGSTORE PRIVATE KEY"
COSIGN_KEY_LABEL = "ENCRYPTED COSIGN PRIVATE KEY"
PUBLIC_KEY_LABEL = "PUBLIC KEY"
# go-securesystemslib's encrypted package accepts exactly these scrypt cost sets.
SCRYPT_PARAMS = ({"N": 32768, "r": 8, "p": 1}, {"N": 65536, "r": 8, "p": 1}, {"N": 131072, "r": 8, "p": 1})
SCRYPT_DEFAULT = SCRYPT_PARAMS[1]
SALT_SIZE = 32
NONCE_SIZE = 24

SIMPLESIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
COSIGN_SIGNATURE_TYPE = "cosign container image signature"


class CosignKeyError(SignedRegistryError):
    """A key that cannot be read or used."""


class PayloadError(SignedRegistryError):
    """A simple-signing payload containers/image would refuse."""


# -- Go-compatible JSON ----------------------------------------------------------------------


def go_json(value, sort_keys=False):
    """JSON as Go's encoding/json writes it: compact, HTML characters escaped, UTF-8 kept."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys)
    # Outside strings JSON has none of these characters, so escaping them everywhere is exact.
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          (u"\u2028", "\\u2028"), (u"\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text.encode("utf-8")


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text, what):
    try:
        return base64.b64decode(text.encode("ascii") if isinstance(text, str) else text, validate=True)
    except (binascii.Error, ValueError, TypeError, AttributeError):
        raise CosignKeyError("%s is not valid base64" % what)


# -- PEM -------------------------------------------------------------------------------------


def pem_encode(label, der):
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)).encode("ascii")


def pem_decode(data, what="key"):
    """(label, der) of the first PEM block in ``data``."""
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    begin = text.find("-----BEGIN ")
    if begin < 0:
        raise CosignKeyError("%s is not PEM: no '-----BEGIN' line" % what)
    label_end = text.find("-----", begin + 11)
    label = text[begin + 11:label_end]
    end_marker = "-----END %s-----" % label
    end = text.find(end_marker, label_end)
    if label_end < 0 or end < 0:
        raise CosignKeyError("%s is not PEM: no '%s' line" % (what, end_marker))
    body = "".join(text[label_end + 5:end].split())
    return label, unb64(body, what)


# -- encrypted private keys (go-securesystemslib "encrypted") ---------------------------------


def _scrypt(passphrase, salt, params):
    return Scrypt(salt=salt, length=32, n=params["N"], r=params["r"], p=params["p"]).derive(passphrase)


def _bytes(passphrase):
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else (passphrase or b"")


def encrypt_private_key(private_key, passphrase, label=SIGSTORE_KEY_LABEL, params=None):
    """PEM bytes of ``private_key`` as `cosign generate-key-pair` writes them."""
    params = params or SCRYPT_DEFAULT
    plaintext = private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
    salt = os.urandom(SALT_SIZE)
    nonce = os.urandom(NONCE_SIZE)
    box = nacl.secret.SecretBox(_scrypt(_bytes(passphrase), salt, params))
    ciphertext = box.encrypt(plaintext, nonce).ciphertext
    document = {
        "kdf": {"name": "scrypt", "params": {"N": params["N"], "r": params["r"], "p": params["p"]}, "salt": b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)},
        "ciphertext": b64(ciphertext),
    }
    return pem_encode(label, go_json(document))


def decrypt_private_key(pem, passphrase, what="private key"):
    """The private key in a cosign key file, with either PEM label and any accepted scrypt cost."""
    label, body = pem_decode(pem, what)
    if label not in (SIGSTORE_KEY_LABEL, COSIGN_KEY_LABEL):
        raise CosignKeyError("%s has PEM type %r; cosign keys are %r or %r (use an unencrypted PEM with "
                             "'import' instead)" % (what, label, SIGSTORE_KEY_LABEL, COSIGN_KEY_LABEL))
    try:
        document = json.loads(body.decode("utf-8"))
        kdf, cipher = document["kdf"], document["cipher"]
        params = dict((k, kdf["params"][k]) for k in ("N", "r", "p"))
        salt = unb64(kdf["salt"], what + " salt")
        nonce = unb64(cipher["nonce"], what + " nonce")
        ciphertext = unb64(document["ciphertext"], what + " ciphertext")
    except (ValueError, KeyError, TypeError):
        raise CosignKeyError("%s is not a cosign encrypted key document" % what)
    if kdf.get("name") != "scrypt" or cipher.get("name") != "nacl/secretbox":
        raise CosignKeyError("%s uses %s/%s; only scrypt with nacl/secretbox is supported"
                             % (what, kdf.get("name"), cipher.get("name")))
    if params not in SCRYPT_PARAMS:
        raise CosignKeyError("%s has unsupported scrypt parameters %r" % (what, params))
    if len(salt) != SALT_SIZE or len(nonce) != NONCE_SIZE:
        raise CosignKeyError("%s has a salt or nonce of the wrong size" % what)
    try:
        plaintext = nacl.secret.SecretBox(_scrypt(_bytes(passphrase), salt, params)).decrypt(ciphertext, nonce)
    except nacl.exceptions.CryptoError:
        raise CosignKeyError("cannot decrypt %s: wrong passphrase, or the file is damaged" % what)
    try:
        key = serialization.load_der_private_key(plaintext, password=None)
    except ValueError:
        raise CosignKeyError("%s decrypts, but not to a PKCS#8 private key" % what)
    check_key_type(key, what)
    return key


def load_unencrypted_private_key(pem, passphrase=None, what="private key"):
    """An unencrypted (or PEM-encrypted) PKCS#8, SEC1 or PKCS#1 key, as `cosign import-key-pair` takes."""
    try:
        key = serialization.load_pem_private_key(pem if isinstance(pem, bytes) else pem.encode("ascii"),
                                                 password=_bytes(passphrase) or None)
    except (ValueError, TypeError) as exc:
        raise CosignKeyError("cannot read %s as a PEM private key: %s" % (what, exc))
    check_key_type(key, what)
    return key


def load_signing_key(pem, passphrase, what="key"):
    """A private key from a cosign key file, or from an unencrypted PEM key."""
    label, _der = pem_decode(pem, what)
    if label in (SIGSTORE_KEY_LABEL, COSIGN_KEY_LABEL):
        return decrypt_private_key(pem, passphrase, what)
    return load_unencrypted_private_key(pem, passphrase, what)


def check_key_type(key, what):
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name not in ("secp256r1", "secp384r1", "secp521r1"):
            raise CosignKeyError("%s is on curve %s; cosign supports P-256, P-384 and P-521" % (what, key.curve.name))
    elif isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if key.key_size < 2048:
            raise CosignKeyError("%s is a %d-bit RSA key; at least 2048 bits are needed" % (what, key.key_size))
    elif not isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        raise CosignKeyError("%s is a %s; cosign supports ECDSA, RSA and Ed25519 keys" % (what, type(key).__name__))


def generate_private_key():
    """cosign's default key: ECDSA on P-256."""
    return ec.generate_private_key(ec.SECP256R1())


# -- public keys -----------------------------------------------------------------------------


def public_key_der(key):
    if hasattr(key, "public_key"):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_pem(key):
    return pem_encode(PUBLIC_KEY_LABEL, public_key_der(key))


def key_id(key):
    """SHA-256 of the DER public key: stable, and the same for a key pair's two halves."""
    return "sha256:" + hashlib.sha256(public_key_der(key)).hexdigest()


def load_public_key(pem, what="public key"):
    label, der = pem_decode(pem, what)
    if label != PUBLIC_KEY_LABEL:
        raise CosignKeyError("%s has PEM type %r, expected %r" % (what, label, PUBLIC_KEY_LABEL))
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        raise CosignKeyError("%s is not a valid public key" % what)
    check_key_type(key, what)
    return key


# -- signatures ------------------------------------------------------------------------------
# cosign loads every key with SHA-256 (pkg/signature/keys.go), whatever the curve or size.


def sign(private_key, data):
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return private_key.sign(data)


def verify(public_key, data, signature):
    """True when ``signature`` over ``data`` verifies with ``public_key``; never raises for bad input."""
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            public_key.verify(signature, data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# -- simple-signing payload ------------------------------------------------------------------


def make_payload(docker_reference, manifest_digest, annotations=None):
    """The payload bytes `cosign sign` signs (sigstore payload.Cosign, Go field order)."""
    payload = {
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": manifest_digest},
            "type": COSIGN_SIGNATURE_TYPE,
        },
        "optional": None,
    }
    text = go_json(payload)
    if annotations:
        # Go marshals a map with sorted keys; splice it in place of the null.
        text = text[:-len(b"null}")] + go_json(annotations, sort_keys=True) + b"}"
    return text


def _strict_object(pairs):
    keys = [pair[0] for pair in pairs]
    duplicates = sorted(set(k for k in keys if keys.count(k) > 1))
    if duplicates:
        raise PayloadError("duplicate key %r in the payload" % duplicates[0])
    return dict(pairs)


def _exact_keys(obj, keys, where):
    if not isinstance(obj, dict):
        raise PayloadError("%s is not a JSON object" % where)
    extra = sorted(set(obj) - set(keys))
    missing = sorted(set(keys) - set(obj))
    if extra:
        raise PayloadError("unknown key %r in %s" % (extra[0], where))
    if missing:
        raise PayloadError("missing key %r in %s" % (missing[0], where))


ATOMIC_SIGNATURE_TYPE = "atomic container signature"


def parse_payload(data, signature_type=COSIGN_SIGNATURE_TYPE):
    """Claims of a simple-signing payload, parsed as strictly as containers/image does.

    ``signature_type`` is ATOMIC_SIGNATURE_TYPE for the payload of a GPG (atomic) signature,
    whose ``optional`` containers/image requires to be an object with a string ``creator``.
    """
    try:
        document = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data,
                              object_pairs_hook=_strict_object)
    except PayloadError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError("the payload is not JSON: %s" % exc)
    _exact_keys(document, ("critical", "optional"), "the payload")
    critical = document["critical"]
    _exact_keys(critical, ("type", "image", "identity"), "critical")
    _exact_keys(critical["image"], ("docker-manifest-digest",), "critical.image")
    _exact_keys(critical["identity"], ("docker-reference",), "critical.identity")
    if critical["type"] != signature_type:
        raise PayloadError("critical.type is %r, not %r" % (critical["type"], signature_type))
    digest = critical["image"]["docker-manifest-digest"]
    reference = critical["identity"]["docker-reference"]
    if not isinstance(digest, str) or not isinstance(reference, str):
        raise PayloadError("docker-manifest-digest and docker-reference must be strings")
    optional = document["optional"]
    if optional is not None and not isinstance(optional, dict):
        raise PayloadError("optional must be an object or null")
    if signature_type == ATOMIC_SIGNATURE_TYPE:
        if optional is None:
            raise PayloadError("optional must be an object")
        if "creator" in optional and not isinstance(optional["creator"], str):
            raise PayloadError("optional.creator must be a string")
    if optional and "timestamp" in optional and not _integral(optional["timestamp"]):
        raise PayloadError("optional.timestamp must be an integer")
    return {"docker_reference": reference, "digest": digest, "optional": optional or {}}


def _integral(value):
    # Go decodes the timestamp into a float64 and accepts it when it has no fraction (1.0 too).
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


# -- DSSE envelopes, in-toto statements and sigstore bundles (cosign's new bundle format) -------

BUNDLE_MEDIA_TYPES = ("application/vnd.dev.sigstore.bundle.v0.3+json",
                      "application/vnd.dev.sigstore.bundle+json;version=0.3",
                      "application/vnd.dev.sigstore.bundle+json;version=0.2")
INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
INTOTO_STATEMENT_TYPES = ("https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1")
COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1"


def pae(payload_type, payload):
    """DSSE's pre-authentication encoding: what a DSSE signature actually signs."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def parse_envelope(envelope):
    """(payload type, payload bytes, [signature bytes]) of a DSSE envelope."""
    if not isinstance(envelope, dict):
        raise PayloadError("the DSSE envelope is not a JSON object")
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str):
        raise PayloadError("the DSSE envelope has no payloadType")
    try:
        payload = base64.b64decode(envelope.get("payload") or "", validate=True)
        signatures = [base64.b64decode(s.get("sig") or "", validate=True) for s in envelope.get("signatures") or []]
    except (binascii.Error, ValueError, TypeError, AttributeError):
        raise PayloadError("the DSSE envelope holds invalid base64")
    if not signatures:
        raise PayloadError("the DSSE envelope has no signatures")
    return payload_type, payload, signatures


def verify_envelope(envelope, public_keys):
    """Index of the first key that signed the envelope (over PAE, never the bare payload), or None."""
    payload_type, payload, signatures = parse_envelope(envelope)
    message = pae(payload_type, payload)
    for index, key in enumerate(public_keys):
        if any(verify(key, message, signature) for signature in signatures):
            return index
    return None


def parse_bundle(data):
    """The DSSE envelope of a sigstore bundle (message-signature bundles are not cosign's format)."""
    try:
        bundle = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data,
                            object_pairs_hook=_strict_object)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError("the bundle is not JSON: %s" % exc)
    if not isinstance(bundle, dict) or bundle.get("mediaType") not in BUNDLE_MEDIA_TYPES:
        raise PayloadError("the bundle has media type %r" % (bundle.get("mediaType") if isinstance(bundle, dict) else None))
    if "dsseEnvelope" not in bundle:
        raise PayloadError("the bundle holds no DSSE envelope")
    return bundle["dsseEnvelope"]


def parse_statement(payload_type, payload):
    """An in-toto statement's type, predicate type, subjects and predicate."""
    if payload_type != INTOTO_PAYLOAD_TYPE:
        raise PayloadError("the envelope carries %r, not an in-toto statement" % payload_type)
    try:
        statement = json.loads(payload.decode("utf-8"), object_pairs_hook=_strict_object)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError("the statement is not JSON: %s" % exc)
    if not isinstance(statement, dict) or statement.get("_type") not in INTOTO_STATEMENT_TYPES:
        raise PayloadError("the statement has _type %r" % (statement.get("_type") if isinstance(statement, dict) else None))
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or not subjects or not all(isinstance(s, dict) for s in subjects):
        raise PayloadError("the statement has no subject")
    return {"predicate_type": statement.get("predicateType"), "subjects": subjects,
            "predicate": statement.get("predicate")}


def subject_names_digest(subjects, digest):
    """True when one of the statement's subjects is the image ``digest``."""
    algorithm, _sep, hexdigest = digest.partition(":")
    return any((s.get("digest") or {}).get(algorithm) == hexdigest for s in subjects)
