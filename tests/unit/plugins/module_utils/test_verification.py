# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verification pipeline: attachments found where cosign keeps them, each judged by the check
for its format against one Trust, and the per-image result the verifier modules return."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.signed.registry.plugins.module_utils._attestations import Attester, make_statement
from ansible_collections.signed.registry.plugins.module_utils._cosign import generate_private_key, key_id
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput, SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._oci import sha256_digest
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference, signature_tag
from ansible_collections.signed.registry.plugins.module_utils._verification import (
    SIGNATURE_CHECKS,
    Image,
    Outcome,
    Rejected,
    Trust,
    attestation_checks,
    verdicts,
    verify_references,
)
from ansible_collections.signed.registry.tests.unit.plugins.module_utils.test_signatures import MemoryRegistry

REPO = "fixtures/app"
REF = parse_reference("127.0.0.1:5000/fixtures/app:v1")
SPDX = "https://spdx.dev/Document"


class ReferringRegistry(MemoryRegistry):
    """A registry without the referrers API: referrers are listed in the fallback tag's index."""

    referrers_api = False

    def put_manifest(self, repository, reference, data, media_type):
        super(ReferringRegistry, self).put_manifest(repository, reference, data, media_type)
        return sha256_digest(data)

    def referrers(self, repository, digest):
        data = self.manifests.get(signature_tag(digest, suffix=None))
        return json.loads(data.decode("utf-8"))["manifests"] if data else []


@pytest.fixture
def key():
    return generate_private_key()


def image_with_manifest(registry):
    manifest = b'{"schemaVersion": 2, "layers": []}'
    digest = sha256_digest(manifest)
    registry.manifests[digest] = manifest
    return Image(registry, REPO, digest, REF)


def attest(registry, key, image, predicate_type=SPDX, subject_digest=None, bundle=False):
    statement = make_statement(REF.name, subject_digest or image.digest, predicate_type, {"name": "app"})
    attester = Attester(key)
    if bundle:
        attester.attest_bundle(registry, REPO, image.digest, statement, predicate_type)
    else:
        attester.attest_legacy(registry, REPO, image.digest, statement, predicate_type)


@pytest.mark.parametrize("bundle", [False, True], ids=["legacy", "bundle"])
def test_an_attestation_by_a_trusted_key_is_accepted_with_its_predicate(key, bundle):
    registry = ReferringRegistry()
    image = image_with_manifest(registry)
    attest(registry, key, image, bundle=bundle)
    [verdict] = verdicts(image, Trust([key.public_key()]), attestation_checks())
    assert verdict["accepted"] and verdict["format"] == ("bundle" if bundle else "legacy")
    assert verdict["key_id"] == key_id(key) and verdict["predicate"] == {"name": "app"}
    assert verdict["predicate_type"] == SPDX


@pytest.mark.parametrize("bundle", [False, True], ids=["legacy", "bundle"])
def test_an_attestation_by_another_key_is_rejected_naming_dsse(key, bundle):
    registry = ReferringRegistry()
    image = image_with_manifest(registry)
    attest(registry, generate_private_key(), image, bundle=bundle)
    [verdict] = verdicts(image, Trust([key.public_key()]), attestation_checks())
    assert not verdict["accepted"]
    assert verdict["reason"] == "the DSSE signature does not verify with any of the given public keys"
    assert verdict["predicate"] is None


def test_an_attestation_about_another_image_is_rejected(key):
    registry = ReferringRegistry()
    image = image_with_manifest(registry)
    attest(registry, key, image, subject_digest="sha256:" + "c" * 64)
    [verdict] = verdicts(image, Trust([key.public_key()]), attestation_checks())
    assert verdict["reason"] == "the statement's subject is not this image (%s)" % image.digest


def test_attestations_of_other_predicate_types_and_signature_bundles_are_not_judged(key):
    registry = ReferringRegistry()
    image = image_with_manifest(registry)
    attest(registry, key, image)
    Attester(key).sign_bundle(registry, REPO, image.digest, REF.name)
    assert verdicts(image, Trust([key.public_key()]), attestation_checks("https://slsa.dev/provenance/v1")) == []
    [attestation] = verdicts(image, Trust([key.public_key()]), attestation_checks())
    assert attestation["predicate_type"] == SPDX
    # The same attachments seen by the signature checks: the signature bundle only.
    [signature] = verdicts(image, Trust([key.public_key()]), SIGNATURE_CHECKS)
    assert signature["format"] == "bundle" and signature["accepted"]


def test_a_referrer_listed_for_this_image_but_about_another_is_refused(key):
    registry = ReferringRegistry()
    image = image_with_manifest(registry)
    other = b'{"schemaVersion": 2, "layers": [], "other": true}'
    other_digest = sha256_digest(other)
    registry.manifests[other_digest] = other
    # A valid signature naming this image, attached to the other one, then listed here too.
    statement = make_statement(REF.name, image.digest, "https://sigstore.dev/cosign/sign/v1", {})
    Attester(key).attest_bundle(registry, REPO, other_digest, statement, "https://sigstore.dev/cosign/sign/v1")
    registry.manifests[signature_tag(image.digest, suffix=None)] = registry.manifests[signature_tag(other_digest, suffix=None)]
    [verdict] = verdicts(image, Trust([key.public_key()]), SIGNATURE_CHECKS)
    assert not verdict["accepted"]
    assert verdict["reason"] == "the referrer's subject is %s, not this image" % other_digest


def test_trust_names_who_signed_and_rejects_everyone_else(key):
    other = generate_private_key()
    trust = Trust([other.public_key(), key.public_key()])
    from ansible_collections.signed.registry.plugins.module_utils._cosign import sign
    assert trust.signer(b"data", [b"junk", sign(key, b"data")]) == {"key_id": key_id(key)}
    with pytest.raises(Rejected) as caught:
        trust.signer(b"data", [sign(generate_private_key(), b"data")], "DSSE signature")
    assert str(caught.value) == "the DSSE signature does not verify with any of the given public keys"


def test_trust_from_options_needs_a_key_and_checks_the_identity_rule(tmp_path, key):
    with pytest.raises(InvalidInput):
        Trust.from_options([])
    with pytest.raises(SignedRegistryError, match=r"public_keys\[0\]"):
        Trust.from_options(["-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"])
    from ansible_collections.signed.registry.plugins.module_utils._cosign import public_key_pem
    path = tmp_path / "k.pub"
    path.write_bytes(public_key_pem(key.public_key()))
    trust = Trust.from_options([str(path)], {"type": "matchRepository", "docker_reference": None}, {"a": 1})
    assert trust.key_ids == [key_id(key)] and trust.annotations == {"a": "1"}
    assert trust.identity_rule == {"type": "matchRepository"}


# -- per image -------------------------------------------------------------------------------


class Run:
    """What verify_references needs of a ModuleRun: one registry and a result to fill."""

    def __init__(self, registry):
        self._registry = registry
        self.result = {}

    def registry(self, host):
        return self._registry

    def references(self, texts, default_tag=None):
        return [parse_reference(t, default_tag) for t in texts]


OUTCOME = Outcome("signatures", lambda digest: "nothing on %s" % digest, "nothing accepted")


def test_results_per_image_say_why_and_the_module_fails_closed(key):
    registry = ReferringRegistry()
    image = image_with_manifest(registry)
    registry.manifests["v1"] = registry.manifests[image.digest]
    run = Run(registry)
    images = ["127.0.0.1:5000/fixtures/app:v1", "127.0.0.1:5000/fixtures/app:missing"]
    with pytest.raises(SignedRegistryError) as caught:
        verify_references(run, images, lambda registry, ref, digest: [], OUTCOME)
    assert str(caught.value) == ("2 of 2 images failed verification: %s: nothing on %s; %s: no such image on 127.0.0.1:5000"
                                 % (images[0], image.digest, images[1]))
    assert run.result["results"][0]["digest"] == image.digest

    def judge(registry, ref, digest):
        return [{"accepted": False, "reason": "bad", "layer": "l1"}, {"accepted": True, "reason": None, "layer": "l2"}]

    [result] = verify_references(run, images[:1], judge, OUTCOME)
    assert result["verified"] and result["reason"] is None
    assert result["signatures"] == [{"layer": "l2"}] and result["rejected"] == [{"reason": "bad", "layer": "l1"}]


def test_a_pinned_digest_is_not_looked_up_unless_nothing_was_found(key):
    registry = ReferringRegistry()
    image = image_with_manifest(registry)
    asked = []
    resolve = registry.resolve
    registry.resolve = lambda repository, reference: asked.append(reference) or resolve(repository, reference)
    run = Run(registry)
    pinned = "127.0.0.1:5000/fixtures/app@" + image.digest
    verify_references(run, [pinned], lambda registry, ref, digest: [{"accepted": True, "reason": None}], OUTCOME)
    assert asked == []
    absent = "127.0.0.1:5000/fixtures/app@sha256:" + "e" * 64
    [result] = verify_references(run, [absent], lambda registry, ref, digest: [], OUTCOME, fail_on_unverified=False)
    assert result["digest"] is None and result["reason"] == "no such image on 127.0.0.1:5000"
    [result] = verify_references(run, [pinned], lambda registry, ref, digest: [], OUTCOME, fail_on_unverified=False)
    assert result["reason"] == "nothing on %s" % image.digest
