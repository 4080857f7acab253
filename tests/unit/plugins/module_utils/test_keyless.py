# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keyless (Fulcio + Rekor) legacy signatures, checked with a real one no one here wrote: the cosign
signature in containers/image's test fixtures, made with the public-good Fulcio and Rekor on
2023-01-20 for mitr@redhat.com (../shared/testdata/sigstore/README.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import json
import os

import pytest

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._keyless import (
    CERTIFICATE_ANNOTATION,
    REKOR_BUNDLE_ANNOTATION,
    KeylessError,
    check_identities,
    matching_identity,
    verify_legacy,
)
from ansible_collections.signed.registry.plugins.module_utils._oci import sha256_digest
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference, signature_tag
from ansible_collections.signed.registry.plugins.module_utils._signatures import layer_descriptor, signature_image
from ansible_collections.signed.registry.plugins.module_utils._trust_root import TrustedRoot, load_trusted_root, public_good_root
from ansible_collections.signed.registry.plugins.module_utils._verification import (
    SIGNATURE_CHECKS,
    Image,
    Keyless,
    Trust,
    verdicts,
)
from ansible_collections.signed.registry.tests.unit.plugins.module_utils.test_signatures import MemoryRegistry

ISSUER = "https://github.com/login/oauth"
SUBJECT = "mitr@redhat.com"
SIGNATURE = "dev.cosignproject.cosign/signature"


def shared_testdata():
    # Set by `make units` and tests/utils/compat.sh; a missing checkout of shared/ is a failure, not a skip.
    root = os.environ.get("SIGNED_REGISTRY_TESTDATA")
    assert root and os.path.isdir(root), "SIGNED_REGISTRY_TESTDATA must name ../shared/testdata (make units sets it)"
    return root


def fixtures(*parts):
    return os.path.join(shared_testdata(), "sigstore", "containers-image", "signature", "fixtures", *parts)


@pytest.fixture(scope="module")
def signed():
    """(payload, signature, annotations, manifest) of the real signature."""
    with open(fixtures("dir-img-cosign-fulcio-rekor-valid", "signature-1"), "rb") as handle:
        # containers/image's serialisation: a NUL-prefixed format name, a newline, then JSON.
        header, _newline, body = handle.read().partition(b"\n")
    assert header == b"\x00sigstore-json"
    layer = json.loads(body)
    with open(fixtures("dir-img-cosign-fulcio-rekor-valid", "manifest.json"), "rb") as handle:
        manifest = handle.read()
    annotations = layer["annotations"]
    return base64.b64decode(layer["payload"]), base64.b64decode(annotations[SIGNATURE]), annotations, manifest


@pytest.fixture(scope="module")
def public_good():
    return public_good_root()


def own_root(public_good, fulcio_pem=None, tlogs=True, ctlogs=True):
    """A trusted root made of the fixture's own Fulcio root (or ``fulcio_pem``) and the
    public-good log keys (the fixture's rekor.pub is a symlink that was not carried over)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if fulcio_pem is None:
        with open(fixtures("fulcio_v1.crt.pem"), "rb") as handle:
            fulcio_pem = handle.read()
    ca = x509.load_pem_x509_certificate(fulcio_pem)

    def log(entry):
        der = entry.key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        window = {"start": entry.window.start.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return {"baseUrl": entry.url, "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": base64.b64encode(der).decode(), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                              "validFor": window},
                "logId": {"keyId": base64.b64encode(entry.log_id).decode()}}

    root = {"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(t) for t in public_good.tlogs[:1]] if tlogs else [],
            "ctlogs": [log(c) for c in public_good.ctlogs] if ctlogs else [],
            "certificateAuthorities": [{"subject": {}, "uri": "https://fulcio.example",
                                        "certChain": {"certificates": [{"rawBytes": base64.b64encode(ca.public_bytes(Encoding.DER)).decode()}]},
                                        "validFor": {"start": "2021-01-01T00:00:00Z"}}],
            "timestampAuthorities": [] if tlogs else [{"certChain": {"certificates": [{"rawBytes": base64.b64encode(ca.public_bytes(Encoding.DER)).decode()}]},
                                                       "validFor": {"start": "2021-01-01T00:00:00Z"}}]}
    return json.dumps(root)


# -- the real signature ------------------------------------------------------------------------


def test_the_real_signature_verifies_against_the_public_good_root(signed, public_good):
    payload, signature, annotations, _manifest = signed
    facts = verify_legacy(public_good, annotations, payload, signature)
    assert facts["subjects"] == [SUBJECT] and facts["issuer"] == ISSUER
    assert facts["integrated_time"] == "2023-01-20T20:51:33Z" and facts["log_index"] == 11605770
    assert public_good.source.startswith("the Sigstore public-good root of sigstore ")


def test_the_real_signature_verifies_against_its_own_fulcio_root(signed, public_good):
    payload, signature, annotations, _manifest = signed
    root = load_trusted_root(own_root(public_good))
    assert root.source == "inline trusted_root"
    assert verify_legacy(root, annotations, payload, signature)["subjects"] == [SUBJECT]


@pytest.mark.parametrize("rule, accepted", [
    ({"issuer": ISSUER, "subject": SUBJECT}, True),
    ({"issuer_regexp": r"https://github\.com/.*", "subject_regexp": r".*@redhat\.com"}, True),
    ({"issuer": ISSUER, "subject": "someone@redhat.com"}, False),
    ({"issuer": "https://accounts.google.com", "subject": SUBJECT}, False),
    # A regexp matches the whole subject: a prefix is not enough (the classic bypass).
    ({"issuer": ISSUER, "subject_regexp": "mitr@redhat"}, False),
    ({"issuer": ISSUER, "subject_regexp": "redhat.com"}, False),
    ({"issuer_regexp": "https://github.com", "subject": SUBJECT}, False),
    # A GitHub pin the certificate does not carry is not met.
    ({"issuer": ISSUER, "subject": SUBJECT, "github_workflow_repository": "containers/image"}, False),
])
def test_identity_rules_match_whole_values(signed, public_good, rule, accepted):
    payload, signature, annotations, _manifest = signed
    facts = verify_legacy(public_good, annotations, payload, signature)
    index, problem = matching_identity(check_identities([rule]), facts)
    assert (index == 0) is accepted
    if not accepted:
        assert problem == "the certificate names %s (issuer %s), which no entry of identities accepts" % (SUBJECT, ISSUER)


def _rekor(annotations, change):
    bundle = json.loads(annotations[REKOR_BUNDLE_ANNOTATION])
    change(bundle)
    altered = dict(annotations)
    altered[REKOR_BUNDLE_ANNOTATION] = json.dumps(bundle)
    return altered


def _flip_set(bundle):
    raw = bytearray(base64.b64decode(bundle["SignedEntryTimestamp"]))
    raw[-3] ^= 1
    bundle["SignedEntryTimestamp"] = base64.b64encode(bytes(raw)).decode()


def _later(bundle):
    bundle["Payload"]["integratedTime"] += 3600


def _other_body(bundle):
    body = json.loads(base64.b64decode(bundle["Payload"]["body"]))
    body["spec"]["data"]["hash"]["value"] = "0" * 64
    bundle["Payload"]["body"] = base64.b64encode(json.dumps(body).encode()).decode()


@pytest.mark.parametrize("change, reason", [
    (_flip_set, "the Rekor SET does not verify with the key of log"),
    (_later, "the Rekor SET does not verify with the key of log"),
    (_other_body, "the Rekor SET does not verify with the key of log"),
    (lambda bundle: bundle.pop("SignedEntryTimestamp"), "the Rekor bundle annotation is malformed"),
    (lambda bundle: bundle["Payload"].update(logID="00" * 32), "which the trusted root does not hold"),
])
def test_an_altered_rekor_bundle_is_refused(signed, public_good, change, reason):
    payload, signature, annotations, _manifest = signed
    with pytest.raises(KeylessError) as caught:
        verify_legacy(public_good, _rekor(annotations, change), payload, signature)
    assert reason in str(caught.value)


def test_a_signature_moved_to_another_payload_is_refused(signed, public_good):
    payload, signature, annotations, _manifest = signed
    with pytest.raises(KeylessError, match="the Rekor entry is for another payload"):
        verify_legacy(public_good, annotations, payload.replace(b"fulcio-rekor-1", b"fulcio-rekor-2"), signature)


def test_another_signature_under_the_same_log_entry_is_refused(signed, public_good):
    payload, signature, annotations, _manifest = signed
    with pytest.raises(KeylessError, match="the Rekor entry is for another signature"):
        verify_legacy(public_good, annotations, payload, signature[:-1] + bytes([signature[-1] ^ 1]))


def test_a_root_without_the_fulcio_ca_is_refused(signed, public_good):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    import datetime

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, u"untrusted")])
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
          .serial_number(1).not_valid_before(datetime.datetime(2020, 1, 1)).not_valid_after(datetime.datetime(2030, 1, 1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
          .sign(key, hashes.SHA256()))
    payload, signature, annotations, _manifest = signed
    root = load_trusted_root(own_root(public_good, ca.public_bytes(Encoding.PEM)))
    with pytest.raises(KeylessError, match="the certificate does not chain to a Fulcio CA of the trusted root at 2023-01-20T20:51:33Z"):
        verify_legacy(root, annotations, payload, signature)


def test_a_root_without_ct_logs_refuses_the_sct(signed, public_good):
    payload, signature, annotations, _manifest = signed
    root = load_trusted_root(own_root(public_good, ctlogs=False))
    with pytest.raises(KeylessError, match="no valid SCT: an SCT from a CT log the trusted root does not hold"):
        verify_legacy(root, annotations, payload, signature)


def test_a_signature_without_a_rekor_bundle_is_refused(signed, public_good):
    payload, signature, annotations, _manifest = signed
    bare = dict((k, v) for k, v in annotations.items() if k != REKOR_BUNDLE_ANNOTATION)
    with pytest.raises(KeylessError, match="no Rekor bundle"):
        verify_legacy(public_good, bare, payload, signature)


# -- through the pipeline, as cosign_verify runs it --------------------------------------------


def _registry_with(signed):
    payload, _signature, annotations, manifest = signed
    registry = MemoryRegistry()
    digest = registry.push_blob("r", manifest)
    registry.manifests[digest] = manifest
    extra = dict((k, v) for k, v in annotations.items() if k != SIGNATURE)
    layer = layer_descriptor(payload, annotations[SIGNATURE], extra)
    registry.push_blob("r", payload)
    sig_manifest, config = signature_image([layer])
    registry.push_blob("r", config)
    registry.put_manifest("r", signature_tag(digest), sig_manifest, None)
    return registry, digest


def test_cosign_verify_accepts_it_for_a_trusted_identity_and_says_who(signed, public_good):
    registry, digest = _registry_with(signed)
    image = Image(registry, "cosign-signed/fulcio-rekor-1", digest,
                  parse_reference("192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest"))
    identities = check_identities([{"issuer": ISSUER, "subject_regexp": r"nobody@.*"},
                                   {"issuer": ISSUER, "subject": SUBJECT}])
    [verdict] = verdicts(image, Trust([], keyless=Keyless(public_good, identities)), SIGNATURE_CHECKS)
    assert verdict["accepted"], verdict["reason"]
    assert verdict["key_id"] is None and verdict["identity"] == {"issuer": ISSUER, "subject": SUBJECT}
    assert verdict["certificate"]["log_index"] == 11605770
    assert verdict["certificate"]["trusted_root"] == public_good.source
    assert verdict["claims"]["digest"] == digest == sha256_digest(signed[3])

    [verdict] = verdicts(image, Trust([], keyless=Keyless(public_good, identities[:1])), SIGNATURE_CHECKS)
    assert not verdict["accepted"] and "which no entry of identities accepts" in verdict["reason"]


def test_without_identities_a_keyless_signature_is_judged_by_keys_only(signed):
    from ansible_collections.signed.registry.plugins.module_utils._cosign import generate_private_key
    registry, digest = _registry_with(signed)
    image = Image(registry, "r", digest, parse_reference("192.168.64.2:5000/cosign-signed/fulcio-rekor-1"))
    [verdict] = verdicts(image, Trust([generate_private_key().public_key()]), SIGNATURE_CHECKS)
    assert verdict["reason"] == "the signature does not verify with any of the given public keys"


# -- options ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule, message", [
    ({"subject": SUBJECT}, r"identities\[0\] needs exactly one of issuer and issuer_regexp"),
    ({"issuer": ISSUER, "issuer_regexp": ".*", "subject": SUBJECT}, "needs exactly one of issuer and issuer_regexp"),
    ({"issuer": ISSUER}, "needs exactly one of subject and subject_regexp"),
    ({"issuer": ISSUER, "subject_regexp": "("}, r"identities\[0\].subject_regexp is not a valid regular expression"),
])
def test_identity_rules_are_checked(rule, message):
    with pytest.raises(InvalidInput, match=message):
        check_identities([rule])


def test_trust_options_need_keys_or_identities_and_a_root_only_with_identities():
    with pytest.raises(InvalidInput, match="public_keys or identities must name at least one"):
        Trust.from_options([], identities=[])
    with pytest.raises(InvalidInput, match="trusted_root is used for keyless signatures only"):
        Trust.from_options(["k.pub"], trusted_root="root.json")


@pytest.mark.parametrize("change, message", [
    (lambda root: "not json", "is not JSON"),
    (lambda root: dict(root, mediaType="application/json"), "has media type 'application/json'"),
    (lambda root: dict(root, tlogs=[dict(root["tlogs"][0], publicKey=dict(root["tlogs"][0]["publicKey"], rawBytes="!!"))]),
     r"tlogs\[0\].publicKey.rawBytes is not valid base64"),
    (lambda root: dict(root, tlogs=[dict(root["tlogs"][0], publicKey=dict(root["tlogs"][0]["publicKey"], validFor={}))]),
     r"tlogs\[0\].publicKey.validFor must have a start"),
    (lambda root: dict(root, certificateAuthorities=[{"certChain": {"certificates": []}}]),
     r"certificateAuthorities\[0\].certChain.certificates must list at least one certificate"),
    (lambda root: dict(root, tlogs=[], timestampAuthorities=[]), "has no transparency log and no timestamp authority"),
])
def test_a_malformed_trusted_root_is_refused_with_what_is_wrong(public_good, change, message):
    good = json.loads(own_root(public_good))
    altered = change(copy.deepcopy(good))
    with pytest.raises(InvalidInput, match=message):
        TrustedRoot(altered if isinstance(altered, str) else json.dumps(altered), "test root")


def test_certificate_annotation_must_hold_one_certificate(signed, public_good):
    payload, signature, annotations, _manifest = signed
    doubled = dict(annotations)
    doubled[CERTIFICATE_ANNOTATION] = annotations[CERTIFICATE_ANNOTATION] * 2
    with pytest.raises(KeylessError, match="holds 2 certificates, not one"):
        verify_legacy(public_good, doubled, payload, signature)


# -- a private Sigstore of the tests' own (tests/utils/private_sigstore.py) ----------------------


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    from ansible_collections.signed.registry.tests.utils import private_sigstore
    directory = str(tmp_path_factory.mktemp("sigstore"))
    private_sigstore.init(directory)
    return private_sigstore, directory, load_trusted_root(os.path.join(directory, "trusted_root.json"))


def _private_signature(private, fault=None, subject="alice@example.com"):
    helper, directory, _root = private
    payload, layer = helper.keyless_layer(directory, "registry.test/app", "sha256:" + "a" * 64, subject,
                                          "https://issuer.example", fault)
    return payload, base64.b64decode(layer["annotations"][SIGNATURE]), layer["annotations"]


def test_a_private_sigstore_signature_verifies_with_a_uri_subject_too(private):
    payload, signature, annotations = _private_signature(private)
    facts = verify_legacy(private[2], annotations, payload, signature)
    assert facts["subjects"] == ["alice@example.com"] and facts["issuer"] == "https://issuer.example"
    workflow = "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0"
    payload, signature, annotations = _private_signature(private, subject=workflow)
    facts = verify_legacy(private[2], annotations, payload, signature)
    assert facts["subjects"] == [workflow]
    rule = check_identities([{"issuer": "https://issuer.example",
                              "subject_regexp": r"https://github\.com/example/app/\.github/workflows/release\.yml@refs/tags/v.*"}])
    assert matching_identity(rule, facts) == (0, None)


@pytest.mark.parametrize("fault, reason", [
    ("altered-set", "the Rekor SET does not verify with the key of log"),
    ("other-rekor", "the Rekor SET does not verify with the key of log"),
    ("outside-validity", "the Rekor entry was integrated at 2024-03-01T13:10:00Z, outside the certificate's validity"),
    ("untrusted-ca", "the certificate does not chain to a Fulcio CA of the trusted root"),
    ("no-sct", "the certificate has no embedded SCT"),
    ("bad-sct", "no valid SCT: an SCT whose signature does not verify with its CT log key"),
    ("no-codesigning", "the certificate is not for code signing"),
])
def test_each_fault_of_the_private_sigstore_is_refused_with_its_reason(private, fault, reason):
    payload, signature, annotations = _private_signature(private, fault)
    with pytest.raises(KeylessError) as caught:
        verify_legacy(private[2], annotations, payload, signature)
    assert reason in str(caught.value)


def test_describe_material_says_what_a_keyless_layer_claims_without_verifying(signed):
    from ansible_collections.signed.registry.plugins.module_utils._keyless import describe_material
    _payload, _signature, annotations, _manifest = signed
    assert describe_material(annotations) == {"subjects": [SUBJECT], "issuer": ISSUER,
                                              "integrated_time": "2023-01-20T20:51:33Z", "log_index": 11605770}
    assert describe_material({SIGNATURE: "x"}) is None
    assert "problem" in describe_material({CERTIFICATE_ANNOTATION: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"})


# -- legacy keyless attestations (.att), as cosign attest writes them ---------------------------

PREDICATE = "https://slsa.dev/provenance/v1"


def _attested(private, fault=None, subject="alice@example.com", image_digest="sha256:" + "b" * 64):
    """An image on a MemoryRegistry with one legacy keyless attestation from the private Sigstore."""
    from ansible_collections.signed.registry.plugins.module_utils._verification import attestation_checks
    helper, directory, root = private
    envelope, layer = helper.keyless_attestation_layer(directory, "registry.test/app", image_digest, subject,
                                                       "https://issuer.example", PREDICATE, fault)
    registry = MemoryRegistry()
    registry.push_blob("r", envelope)
    manifest, config = signature_image([layer])
    registry.push_blob("r", config)
    registry.put_manifest("r", signature_tag(image_digest, "att"), manifest, None)
    image = Image(registry, "r", image_digest, parse_reference("registry.test/app@" + image_digest))
    return image, root, attestation_checks(PREDICATE), envelope, layer


def test_a_legacy_keyless_attestation_verifies_for_its_identity_and_says_who(private):
    image, root, checks, _envelope, _layer = _attested(private)
    identities = check_identities([{"issuer": "https://issuer.example", "subject": "alice@example.com"}])
    [verdict] = verdicts(image, Trust([], keyless=Keyless(root, identities)), checks)
    assert verdict["accepted"], verdict["reason"]
    assert verdict["identity"] == {"issuer": "https://issuer.example", "subject": "alice@example.com"}
    assert verdict["predicate"] == {"signed": "by a private Sigstore"} and verdict["certificate"]["log_index"] == 4242
    other = check_identities([{"issuer": "https://issuer.example", "subject": "bob@example.com"}])
    [verdict] = verdicts(image, Trust([], keyless=Keyless(root, other)), checks)
    assert not verdict["accepted"] and "which no entry of identities accepts" in verdict["reason"]


@pytest.mark.parametrize("fault, reason", [
    ("altered-set", "the Rekor SET does not verify with the key of log"),
    ("outside-validity", "outside the certificate's validity"),
    ("untrusted-ca", "the certificate does not chain to a Fulcio CA of the trusted root"),
    ("bad-sct", "no valid SCT"),
    ("no-codesigning", "the certificate is not for code signing"),
    ("other-digest", "the statement's subject is not this image"),
])
def test_each_fault_of_a_legacy_keyless_attestation_is_refused(private, fault, reason):
    image, root, checks, _envelope, _layer = _attested(private, fault)
    identities = check_identities([{"issuer": "https://issuer.example", "subject": "alice@example.com"}])
    [verdict] = verdicts(image, Trust([], keyless=Keyless(root, identities)), checks)
    assert not verdict["accepted"] and reason in verdict["reason"]


def test_a_keyless_attestation_whose_rekor_entry_logs_another_envelope_is_refused(private):
    """The entry's hash covers the whole envelope: a re-signed envelope under the old entry is refused."""
    _image, root, _checks, envelope, layer = _attested(private)
    helper, directory, _root = private
    other_envelope, other_layer = helper.keyless_attestation_layer(directory, "registry.test/app", "sha256:" + "b" * 64,
                                                                   "alice@example.com", "https://issuer.example", PREDICATE)
    mixed = dict(other_layer["annotations"], **{REKOR_BUNDLE_ANNOTATION: layer["annotations"][REKOR_BUNDLE_ANNOTATION]})
    envelope_json = json.loads(other_envelope)
    statement = base64.b64decode(envelope_json["payload"])
    signed = helper.dsse_pae(envelope_json["payloadType"], statement)
    signature = base64.b64decode(envelope_json["signatures"][0]["sig"])
    with pytest.raises(KeylessError, match="the Rekor entry is for another envelope"):
        verify_legacy(root, mixed, other_envelope, signature, signed)
    # A Rekor entry of a message signature (hashedrekord) does not vouch for an envelope either.
    _payload, sig_layer = helper.keyless_layer(directory, "registry.test/app", "sha256:" + "b" * 64,
                                               "alice@example.com", "https://issuer.example")
    mixed[REKOR_BUNDLE_ANNOTATION] = sig_layer["annotations"][REKOR_BUNDLE_ANNOTATION]
    with pytest.raises(KeylessError, match="the Rekor entry is of kind hashedrekord 0.0.1; intoto 0.0.1 or"):
        verify_legacy(root, mixed, other_envelope, signature, signed)


# -- keyless sigstore bundles (v0.3) attached as referrers, as cosign 3 writes them ---------------


class ReferrersRegistry(MemoryRegistry):
    """A MemoryRegistry that lists the manifests attached to an image."""

    def __init__(self):
        MemoryRegistry.__init__(self)
        self.attached = {}

    def referrers(self, repository, digest):
        return [{"digest": d} for d in self.attached.get(digest, [])]


def _bundled(private, predicate_type=None, fault=None, image_digest="sha256:" + "c" * 64):
    """An image with one keyless bundle from the private Sigstore attached as a referrer."""
    helper, directory, root = private
    bundle = helper.keyless_bundle(directory, "registry.test/app", image_digest, "alice@example.com", "https://issuer.example",
                                   predicate_type or helper.COSIGN_SIGN_PREDICATE, fault)
    registry = ReferrersRegistry()
    layer = {"mediaType": helper.BUNDLE_MEDIA_TYPE, "digest": registry.push_blob("r", bundle), "size": len(bundle)}
    manifest = json.dumps({"schemaVersion": 2, "artifactType": helper.BUNDLE_MEDIA_TYPE, "layers": [layer],
                           "subject": {"digest": image_digest}}).encode("utf-8")
    manifest_digest = sha256_digest(manifest)
    registry.manifests[manifest_digest] = manifest
    registry.attached[image_digest] = [manifest_digest]
    return Image(registry, "r", image_digest, parse_reference("registry.test/app@" + image_digest)), root


ALICE = [{"issuer": "https://issuer.example", "subject": "alice@example.com"}]


def test_a_keyless_signature_bundle_verifies_for_its_identity_and_says_who(private):
    image, root = _bundled(private)
    [verdict] = verdicts(image, Trust([], keyless=Keyless(root, check_identities(ALICE))), SIGNATURE_CHECKS)
    assert verdict["accepted"], verdict["reason"]
    assert verdict["format"] == "bundle" and verdict["identity"] == ALICE[0]
    assert verdict["certificate"]["subjects"] == ["alice@example.com"] and verdict["certificate"]["log_index"] == 4242
    assert verdict["certificate"]["integrated_time"] == "2024-03-01T12:00:02Z"
    bob = check_identities([{"issuer": "https://issuer.example", "subject": "bob@example.com"}])
    [verdict] = verdicts(image, Trust([], keyless=Keyless(root, bob)), SIGNATURE_CHECKS)
    assert not verdict["accepted"] and "which no entry of identities accepts" in verdict["reason"]


def test_a_keyless_attestation_bundle_verifies_with_its_predicate(private):
    from ansible_collections.signed.registry.plugins.module_utils._verification import attestation_checks
    image, root = _bundled(private, PREDICATE)
    [verdict] = verdicts(image, Trust([], keyless=Keyless(root, check_identities(ALICE))), attestation_checks(PREDICATE))
    assert verdict["accepted"], verdict["reason"]
    assert verdict["predicate"] == {"signed": "by a private Sigstore"} and verdict["identity"] == ALICE[0]


@pytest.mark.parametrize("fault, reason", [
    ("altered-set", "the bundle does not verify: invalid log entry: SET: invalid inclusion promise"),
    ("other-rekor", "the bundle does not verify: invalid log entry: SET: invalid inclusion promise"),
    ("outside-validity", "cert is not valid at validation time"),
    ("untrusted-ca", "the bundle does not verify: failed to build timestamp certificate chain"),
    ("no-sct", "Certificate does not contain a signed certificate timestamp extension"),
    ("bad-sct", "the bundle does not verify: failed to verify SCT on signing certificate"),
    ("no-codesigning", "the bundle does not verify: Extended usage does not contain `code signing`"),
    ("bad-inclusion-proof", "the bundle does not verify: invalid log entry: Inclusion proof contains invalid root hash signature: expected "),
    ("other-digest", "the signature is for sha256:"),
])
def test_each_fault_of_a_keyless_bundle_is_refused(private, fault, reason):
    image, root = _bundled(private, fault=fault)
    [verdict] = verdicts(image, Trust([], keyless=Keyless(root, check_identities(ALICE))), SIGNATURE_CHECKS)
    assert not verdict["accepted"] and reason in verdict["reason"], verdict["reason"]


def test_describe_bundle_says_what_a_keyless_bundle_claims_without_verifying(private):
    from ansible_collections.signed.registry.plugins.module_utils._bundles import describe_bundle
    helper, directory, _root = private
    bundle = helper.keyless_bundle(directory, "registry.test/app", "sha256:" + "c" * 64, "mallory@example.com",
                                   "https://issuer.example", fault="untrusted-ca")
    assert describe_bundle(bundle) == {"subjects": ["mallory@example.com"], "issuer": "https://issuer.example",
                                       "integrated_time": "2024-03-01T12:00:02Z", "log_index": 4242}
    keyed = json.loads(bundle)
    keyed["verificationMaterial"] = {"publicKey": {"hint": "k"}, "tlogEntries": []}
    assert describe_bundle(json.dumps(keyed)) is None
    keyed["verificationMaterial"] = {"certificate": {"rawBytes": "bm9wZQ=="}}
    assert "the bundle's certificate cannot be read" in describe_bundle(json.dumps(keyed))["problem"]


def _intoto_v2_body(helper, envelope, statement, signature, cert):
    spec = helper.intoto_body(envelope, statement, cert)["spec"]
    spec["content"]["envelope"] = {"payloadType": "application/vnd.in-toto+json",
                                   "signatures": [{"sig": helper.b64(helper.b64(signature).encode()),
                                                   "publicKey": spec.pop("publicKey")}]}
    return {"apiVersion": "0.0.2", "kind": "intoto", "spec": spec}


@pytest.mark.parametrize("kind", ["intoto 0.0.1", "intoto 0.0.2", "dsse 0.0.1"])
def test_each_rekor_kind_cosign_logs_attestations_under_is_read(private, kind):
    """cosign logs attestations as intoto 0.0.1; Rekor and newer clients also write intoto 0.0.2 and dsse."""
    from cryptography import x509
    helper, directory, root = private
    envelope, layer = helper.keyless_attestation_layer(directory, "registry.test/app", "sha256:" + "b" * 64,
                                                       "alice@example.com", "https://issuer.example", PREDICATE)
    parsed = json.loads(envelope)
    statement = base64.b64decode(parsed["payload"])
    signature = base64.b64decode(parsed["signatures"][0]["sig"])
    cert = x509.load_pem_x509_certificate(layer["annotations"][CERTIFICATE_ANNOTATION].encode())
    body = {"intoto 0.0.1": lambda: helper.intoto_body(envelope, statement, cert),
            "intoto 0.0.2": lambda: _intoto_v2_body(helper, envelope, statement, signature, cert),
            "dsse 0.0.1": lambda: helper.dsse_body(envelope, statement, [signature], cert)}[kind]()
    annotations = dict(layer["annotations"], **{REKOR_BUNDLE_ANNOTATION: helper.rekor_bundle(directory, body)})
    signed = helper.dsse_pae(parsed["payloadType"], statement)
    assert verify_legacy(root, annotations, envelope, signature, signed)["subjects"] == ["alice@example.com"]
    # The same entry does not vouch for a signature made with another certificate.
    _other_envelope, other = helper.keyless_attestation_layer(directory, "registry.test/app", "sha256:" + "b" * 64,
                                                              "alice@example.com", "https://issuer.example", PREDICATE)
    swapped = dict(annotations, **{CERTIFICATE_ANNOTATION: other["annotations"][CERTIFICATE_ANNOTATION]})
    with pytest.raises(KeylessError, match="the Rekor entry is for another certificate"):
        verify_legacy(root, swapped, envelope, signature, signed)
