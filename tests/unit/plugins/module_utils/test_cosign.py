# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cosign formats: key files and payloads against vectors made by real cosign, and tamper cases."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    COSIGN_KEY_LABEL,
    COSIGN_SIGN_PREDICATE,
    SCRYPT_PARAMS,
    SIGSTORE_KEY_LABEL,
    CosignKeyError,
    PayloadError,
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
    go_json,
    key_id,
    load_public_key,
    load_unencrypted_private_key,
    make_payload,
    pae,
    parse_bundle,
    parse_envelope,
    parse_payload,
    parse_statement,
    pem_decode,
    public_key_pem,
    sign,
    subject_names_digest,
    verify,
    verify_envelope,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "cosign")
PASSPHRASE = "unit-test-passphrase"
DIGEST = "sha256:b80b642374addff8feffae9f6ad9c76d4cc89fee49a3ab65450605d6b3f970f0"
REFERENCE = "127.0.0.1:5000/fixtures/app"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


# -- keys ------------------------------------------------------------------------------------


def test_reads_a_key_made_by_cosign():
    key = decrypt_private_key(fixture("cosign.key"), PASSPHRASE)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert key_id(key) == key_id(load_public_key(fixture("cosign.pub")))
    assert public_key_pem(key) == fixture("cosign.pub")


def test_wrong_passphrase_is_a_clear_error():
    with pytest.raises(CosignKeyError, match="wrong passphrase"):
        decrypt_private_key(fixture("cosign.key"), "not-it")


def test_writes_what_cosign_writes():
    pem = encrypt_private_key(generate_private_key(), PASSPHRASE)
    label, body = pem_decode(pem)
    assert label == SIGSTORE_KEY_LABEL
    document = json.loads(body)
    assert list(document) == ["kdf", "cipher", "ciphertext"]
    assert document["kdf"]["name"] == "scrypt"
    assert document["kdf"]["params"] == {"N": 65536, "r": 8, "p": 1}
    assert list(document["kdf"]["params"]) == ["N", "r", "p"]
    assert len(base64.b64decode(document["kdf"]["salt"])) == 32
    assert document["cipher"] == {"name": "nacl/secretbox", "nonce": document["cipher"]["nonce"]}
    assert len(base64.b64decode(document["cipher"]["nonce"])) == 24
    # Same shape, byte for byte, as the key cosign wrote (only salt, nonce, ciphertext differ).
    reference = json.loads(pem_decode(fixture("cosign.key"))[1])
    assert [list(reference)] + [list(reference["kdf"])] == [list(document)] + [list(document["kdf"])]
    lines = pem.decode().splitlines()
    assert all(len(line) <= 64 for line in lines)


@pytest.mark.parametrize("params", SCRYPT_PARAMS)
@pytest.mark.parametrize("label", [SIGSTORE_KEY_LABEL, COSIGN_KEY_LABEL])
def test_round_trip_each_accepted_cost_and_label(params, label):
    key = generate_private_key()
    pem = encrypt_private_key(key, "pw", label=label, params=params)
    assert key_id(decrypt_private_key(pem, "pw")) == key_id(key)


def test_unsupported_scrypt_cost_is_refused():
    pem = encrypt_private_key(generate_private_key(), "pw", params={"N": 1024, "r": 8, "p": 1})
    with pytest.raises(CosignKeyError, match="unsupported scrypt parameters"):
        decrypt_private_key(pem, "pw")


def test_empty_passphrase_round_trips():
    key = generate_private_key()
    assert key_id(decrypt_private_key(encrypt_private_key(key, ""), "")) == key_id(key)


@pytest.mark.parametrize("mangle, message", [
    (lambda d: dict(d, kdf=dict(d["kdf"], name="argon2")), "only scrypt"),
    (lambda d: dict(d, cipher=dict(d["cipher"], name="aes")), "only scrypt"),
    (lambda d: dict(d, cipher=dict(d["cipher"], nonce="AAAA")), "wrong size"),
    (lambda d: dict(d, ciphertext=d["ciphertext"][:-8] + "AAAAAAA="), "wrong passphrase"),
    (lambda d: {"kdf": d["kdf"]}, "not a cosign encrypted key"),
])
def test_damaged_key_documents(mangle, message):
    label, body = pem_decode(fixture("cosign.key"))
    from ansible_collections.signed.registry.plugins.module_utils._cosign import pem_encode
    pem = pem_encode(label, json.dumps(mangle(json.loads(body))).encode())
    with pytest.raises(CosignKeyError, match=message):
        decrypt_private_key(pem, PASSPHRASE)


def test_other_pem_types_are_refused():
    with pytest.raises(CosignKeyError, match="PEM type"):
        decrypt_private_key(fixture("cosign.pub"), PASSPHRASE)
    with pytest.raises(CosignKeyError, match="not PEM"):
        decrypt_private_key(b"garbage", PASSPHRASE)


def test_import_unencrypted_keys():
    from cryptography.hazmat.primitives import serialization
    key = generate_private_key()
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        assert key_id(load_unencrypted_private_key(pem)) == key_id(key)
    with pytest.raises(CosignKeyError, match="cannot read"):
        load_unencrypted_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_weak_keys_are_refused():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    from cryptography.hazmat.primitives import serialization
    pem = small.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    with pytest.raises(CosignKeyError, match="2048"):
        load_unencrypted_private_key(pem)


# -- payloads --------------------------------------------------------------------------------


def test_payload_is_byte_identical_to_cosign():
    assert make_payload(REFERENCE, DIGEST) == fixture("payload-plain.json")


def test_annotated_payload_is_byte_identical_to_cosign():
    assert make_payload(REFERENCE, DIGEST, {"z": "1", "a": "x<y&z"}) == fixture("payload-annotated.json")


def test_go_json_escapes_like_go():
    assert go_json({"k": u"<>&\u2028é"}) == u'{"k":"\\u003c\\u003e\\u0026\\u2028é"}'.encode("utf-8")


def test_parse_payload_reads_cosign_and_podman_payloads():
    claims = parse_payload(fixture("payload-annotated.json"))
    assert claims == {"docker_reference": REFERENCE, "digest": DIGEST, "optional": {"a": "x<y&z", "z": "1"}}
    podman = ('{"critical":{"identity":{"docker-reference":"h/r:t"},"image":{"docker-manifest-digest":"%s"},'
              '"type":"cosign container image signature"},"optional":{"creator":"containers/image 5.34",'
              '"timestamp":1700000000}}' % DIGEST)
    assert parse_payload(podman.encode())["optional"]["timestamp"] == 1700000000


def _payload(**changes):
    document = json.loads(fixture("payload-plain.json"))
    for path, value in changes.items():
        target = document
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize("data, message", [
    (_payload(extra=1), "unknown key 'extra' in the payload"),
    (_payload(critical__extra="x"), "unknown key 'extra' in critical"),
    (_payload(critical__image__extra="x"), "unknown key 'extra' in critical.image"),
    (_payload(critical__identity__extra="x"), "unknown key 'extra' in critical.identity"),
    (_payload(critical__type="atomic container signature"), "critical.type"),
    (_payload(critical__image__ref="x"), "unknown key"),
    (_payload(optional=[]), "optional must be an object"),
    (_payload(optional={"timestamp": "1"}), "timestamp must be an integer"),
    (_payload(critical__image={"docker-manifest-digest": 5}), "must be strings"),
    (b'{"critical":{}}', "missing key 'optional'"),
    (b'{"critical":{"type":1},"critical":{},"optional":null}', "duplicate key 'critical'"),
    (b"\xff\xfe", "not JSON"),
    (b"[]", "not a JSON object"),
])
def test_payloads_containers_image_refuses_are_refused(data, message):
    with pytest.raises(PayloadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_payload(data)


# -- signatures ------------------------------------------------------------------------------


@pytest.mark.parametrize("make_key", [
    generate_private_key,
    lambda: ec.generate_private_key(ec.SECP384R1()),
    lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ed25519.Ed25519PrivateKey.generate,
])
def test_sign_and_verify_each_key_type(make_key):
    key = make_key()
    payload = make_payload(REFERENCE, DIGEST)
    signature = sign(key, payload)
    assert verify(key.public_key(), payload, signature)
    assert not verify(key.public_key(), payload + b" ", signature)
    assert not verify(generate_private_key().public_key(), payload, signature)


def test_tampered_payloads_and_signatures_fail():
    key = generate_private_key()
    payload = make_payload(REFERENCE, DIGEST)
    signature = sign(key, payload)
    other_digest = make_payload(REFERENCE, "sha256:" + "1" * 64)
    assert not verify(key.public_key(), other_digest, signature)
    assert not verify(key.public_key(), payload, signature[:-2])
    assert not verify(key.public_key(), payload, b"")
    assert not verify(key.public_key(), payload, b"\x30\x00garbage")
    assert not verify(generate_private_key().public_key(), payload, signature)


# -- DSSE and bundles ------------------------------------------------------------------------

BUNDLE_DIGEST = "sha256:1f96e68bc1b2ac78a9c8d6e6e072d115f5cc7f83f5a5ba60343ac6370c44ae25"


def test_pae_matches_the_dsse_spec():
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world")


def test_bundle_made_by_cosign_verifies():
    envelope = parse_bundle(fixture("bundle-sign-v1.json"))
    assert verify_envelope(envelope, [load_public_key(fixture("cosign.pub"))]) == 0
    statement = parse_statement(*parse_envelope(envelope)[:2])
    assert statement["predicate_type"] == COSIGN_SIGN_PREDICATE
    assert subject_names_digest(statement["subjects"], BUNDLE_DIGEST)
    assert not subject_names_digest(statement["subjects"], DIGEST)


def _envelope_with(**changes):
    envelope = dict(parse_bundle(fixture("bundle-sign-v1.json")))
    envelope.update(changes)
    return envelope


def test_bundle_tampering_is_refused():
    key = load_public_key(fixture("cosign.pub"))
    envelope = parse_bundle(fixture("bundle-sign-v1.json"))
    payload_type, payload, signatures = parse_envelope(envelope)
    changed = base64.b64encode(payload.replace(b"1f96", b"0f96")).decode()
    assert verify_envelope(_envelope_with(payload=changed), [key]) is None
    assert verify_envelope(_envelope_with(payloadType="text/plain"), [key]) is None
    assert verify_envelope(envelope, [generate_private_key().public_key()]) is None
    # A signature over the bare payload (no PAE) must not pass as a DSSE signature.
    other = generate_private_key()
    bare = base64.b64encode(sign(other, payload)).decode()
    assert verify_envelope(_envelope_with(signatures=[{"sig": bare}]), [other.public_key()]) is None
    with pytest.raises(PayloadError, match="invalid base64"):
        parse_envelope(_envelope_with(payload="!!"))
    with pytest.raises(PayloadError, match="no signatures"):
        parse_envelope(_envelope_with(signatures=[]))


def test_bundle_and_statement_shapes_are_checked():
    with pytest.raises(PayloadError, match="media type"):
        parse_bundle(b'{"mediaType":"x"}')
    with pytest.raises(PayloadError, match="no DSSE envelope"):
        parse_bundle(b'{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{}}')
    with pytest.raises(PayloadError, match="not an in-toto statement"):
        parse_statement("text/plain", b"{}")
    with pytest.raises(PayloadError, match="_type"):
        parse_statement("application/vnd.in-toto+json", b'{"_type":"x","subject":[{}]}')
    with pytest.raises(PayloadError, match="no subject"):
        parse_statement("application/vnd.in-toto+json", b'{"_type":"https://in-toto.io/Statement/v1","subject":[]}')


def test_legacy_attestation_made_by_cosign_verifies():
    envelope = json.loads(fixture("attestation-spdx-envelope.json"))
    assert verify_envelope(envelope, [load_public_key(fixture("cosign.pub"))]) == 0
    statement = parse_statement(*parse_envelope(envelope)[:2])
    assert statement["predicate_type"] == "https://spdx.dev/Document"
    assert statement["predicate"] == {"name": "x", "spdxVersion": "SPDX-2.3"}
    assert subject_names_digest(statement["subjects"], BUNDLE_DIGEST)


def test_statement_bytes_match_cosign():
    from ansible_collections.signed.registry.plugins.module_utils._attestations import make_statement
    envelope = json.loads(fixture("attestation-spdx-envelope.json"))
    payload = parse_envelope(envelope)[1]
    built = make_statement("127.0.0.1:5000/scratch/bundle", BUNDLE_DIGEST, "https://spdx.dev/Document",
                           {"spdxVersion": "SPDX-2.3", "name": "x"})
    assert built == payload
