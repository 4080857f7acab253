# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The .sig image as cosign writes it, and the verifier's reasons, with an in-memory registry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os

import pytest

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    generate_private_key,
    make_payload,
    sign,
)
from ansible_collections.signed.registry.plugins.module_utils._oci import sha256_digest
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference, signature_tag
from ansible_collections.signed.registry.plugins.module_utils._signatures import (
    Signer,
    layer_descriptor,
    signature_image,
)
from ansible_collections.signed.registry.plugins.module_utils._verification import (
    SIGNATURE_CHECKS,
    Found,
    Image,
    Trust,
    check_signature_bundle,
    verdicts as pipeline_verdicts,
)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "cosign")
REPO = "fixtures/app"
REF = parse_reference("127.0.0.1:5000/fixtures/app:v1")
DIGEST = "sha256:" + "b" * 64
OTHER = "sha256:" + "c" * 64


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


def test_signature_image_is_byte_identical_to_cosign():
    manifest = json.loads(fixture("signature-manifest-2-layers.json"))
    built, config = signature_image(manifest["layers"])
    assert built == fixture("signature-manifest-2-layers.json")
    assert config == fixture("signature-config-2-layers.json")


class MemoryRegistry:
    """Manifests by tag and blobs by digest, like a registry without auth."""

    def __init__(self):
        self.manifests = {}
        self.blobs = {}

    def get_manifest(self, repository, reference, accept=None):
        data = self.manifests.get(reference)
        return (data, "application/vnd.oci.image.manifest.v1+json", sha256_digest(data)) if data else None

    def put_manifest(self, repository, reference, data, media_type):
        self.manifests[reference] = data

    def resolve(self, repository, reference):
        data = self.manifests.get(reference)
        return sha256_digest(data) if data else None

    def delete_manifest(self, repository, digest):
        self.manifests = dict((k, v) for k, v in self.manifests.items() if sha256_digest(v) != digest)

    def push_blob(self, repository, data, check=True):
        self.blobs[sha256_digest(data)] = data
        return sha256_digest(data)

    def get_blob(self, repository, digest, max_size=None):
        return self.blobs[digest]

    def referrers(self, repository, digest):
        return []


def put_layers(registry, digest, layers, payloads):
    for payload in payloads:
        registry.push_blob(REPO, payload)
    manifest, config = signature_image(layers)
    registry.push_blob(REPO, config)
    registry.put_manifest(REPO, signature_tag(digest), manifest, None)


def signed_layer(key, payload):
    return layer_descriptor(payload, base64.b64encode(sign(key, payload)).decode())


def verdicts(registry, key, digest=DIGEST, identity_rule=None, annotations=None):
    trust = Trust([key.public_key()], identity_rule, annotations)
    return pipeline_verdicts(Image(registry, REPO, digest, REF), trust, SIGNATURE_CHECKS)


@pytest.fixture
def key():
    return generate_private_key()


def test_sign_then_verify_and_idempotence(key):
    registry = MemoryRegistry()
    signer = Signer(key, sleep=lambda s: None)
    assert signer.sign(registry, REPO, DIGEST, REF.name, {"a": "b"})
    assert not signer.sign(registry, REPO, DIGEST, REF.name, {"a": "b"})
    [verdict] = verdicts(registry, key, annotations={"a": "b"})
    assert verdict["accepted"] and verdict["claims"]["optional"] == {"a": "b"}


def test_check_mode_signer_writes_nothing(key):
    registry = MemoryRegistry()
    assert Signer(key, check_mode=True).sign(registry, REPO, DIGEST, REF.name)
    assert registry.manifests == {}


def test_other_keys_signatures_survive_sign_and_unsign(key):
    registry = MemoryRegistry()
    other = generate_private_key()
    Signer(other, sleep=lambda s: None).sign(registry, REPO, DIGEST, REF.name)
    mine = Signer(key, sleep=lambda s: None)
    assert mine.sign(registry, REPO, DIGEST, REF.name)
    assert [v["accepted"] for v in verdicts(registry, other)] == [True, False]
    assert mine.unsign(registry, REPO, DIGEST)
    assert not mine.unsign(registry, REPO, DIGEST)
    assert [v["accepted"] for v in verdicts(registry, other)] == [True]


def test_same_claims_by_two_keys_are_two_signatures(key):
    registry = MemoryRegistry()
    other = generate_private_key()
    Signer(other, sleep=lambda s: None).sign(registry, REPO, DIGEST, REF.name)
    assert Signer(key, sleep=lambda s: None).sign(registry, REPO, DIGEST, REF.name)
    assert [v["accepted"] for v in verdicts(registry, key)] == [False, True]


def test_unsign_of_last_signature_deletes_the_tag(key):
    registry = MemoryRegistry()
    signer = Signer(key, sleep=lambda s: None)
    signer.sign(registry, REPO, DIGEST, REF.name)
    signer.unsign(registry, REPO, DIGEST)
    assert signature_tag(DIGEST) not in registry.manifests


def tamper_cases(key):
    good = make_payload(REF.name, DIGEST)
    extra = good.replace(b'"type"', b'"extra":"x","type"')
    other_key = generate_private_key()
    moved = make_payload(REF.name, OTHER)
    return {
        "modified payload": ([dict(signed_layer(key, good), digest=sha256_digest(good + b" "), size=len(good) + 1)],
                             [good + b" "], "does not verify"),
        "payload for another digest": ([signed_layer(key, moved)], [moved], "not for this image"),
        "wrong key": ([signed_layer(other_key, good)], [good], "does not verify"),
        "garbage base64": ([layer_descriptor(good, "!!!notbase64")], [good], "not valid base64"),
        "truncated signature": ([layer_descriptor(good, base64.b64encode(sign(key, good)[:20]).decode())], [good],
                                "does not verify"),
        "extra critical key": ([signed_layer(key, extra)], [extra], "unknown key 'extra' in critical"),
        "oversized layer": ([dict(signed_layer(key, good), size=10 ** 9)], [good], "more than"),
        "no signature annotation": ([dict(signed_layer(key, good), annotations={})], [good], "no dev.cosignproject"),
    }


@pytest.mark.parametrize("case", sorted(tamper_cases(generate_private_key())))
def test_tampered_signatures_are_rejected_with_a_reason(key, case):
    layers, payloads, reason = tamper_cases(key)[case]
    registry = MemoryRegistry()
    put_layers(registry, DIGEST, layers, payloads)
    [verdict] = verdicts(registry, key)
    assert not verdict["accepted"]
    assert reason in verdict["reason"], verdict["reason"]


def test_signature_moved_to_another_image_is_rejected(key):
    registry = MemoryRegistry()
    Signer(key, sleep=lambda s: None).sign(registry, REPO, OTHER, REF.name)
    registry.manifests[signature_tag(DIGEST)] = registry.manifests[signature_tag(OTHER)]
    [verdict] = verdicts(registry, key)
    assert not verdict["accepted"] and "not for this image" in verdict["reason"]


def test_identity_rule_mismatch_is_rejected(key):
    registry = MemoryRegistry()
    Signer(key, sleep=lambda s: None).sign(registry, REPO, DIGEST, "elsewhere.io/other/app")
    [verdict] = verdicts(registry, key, identity_rule={"type": "matchRepository"})
    assert not verdict["accepted"] and "not accepted by the matchRepository rule" in verdict["reason"]


def test_missing_required_annotation_is_rejected(key):
    registry = MemoryRegistry()
    Signer(key, sleep=lambda s: None).sign(registry, REPO, DIGEST, REF.name, {"a": "b"})
    [verdict] = verdicts(registry, key, annotations={"a": "c"})
    assert not verdict["accepted"] and "annotation a=c is required" in verdict["reason"]


class MissingBlobRegistry(MemoryRegistry):
    """A registry whose listed payloads may be missing (HTTP 404), counting blob requests."""

    def __init__(self):
        super(MissingBlobRegistry, self).__init__()
        self.blob_requests = 0

    def get_blob(self, repository, digest, max_size=None):
        from ansible_collections.signed.registry.plugins.module_utils._http import HTTPError
        self.blob_requests += 1
        if digest not in self.blobs:
            raise HTTPError("GET /v2/%s/blobs/%s returned HTTP 404" % (repository, digest), status=404)
        return self.blobs[digest]


def test_a_payload_that_404s_is_that_layers_rejection_and_the_valid_one_beside_it_counts(key):
    from ansible_collections.signed.registry.plugins.module_utils._cosign import make_payload
    registry = MissingBlobRegistry()
    good = make_payload(REF.name, DIGEST)
    missing = make_payload(REF.name, DIGEST, {"gone": "yes"})
    layers = [signed_layer(key, missing), signed_layer(key, good)]
    put_layers(registry, DIGEST, layers, [good])
    registry.blobs.pop(sha256_digest(missing), None)
    found = verdicts(registry, key)
    assert [v["accepted"] for v in found] == [False, True]
    assert found[0]["reason"] == "the payload %s could not be read: HTTP 404" % sha256_digest(missing)


def test_many_layers_are_capped_and_rejections_listed_up_to_a_limit(key):
    from ansible_collections.signed.registry.plugins.module_utils._verification import (
        MAX_REJECTIONS_LISTED,
        MAX_SIGNATURE_LAYERS,
    )
    from ansible_collections.signed.registry.plugins.module_utils._cosign import make_payload
    registry = MemoryRegistry()
    other = generate_private_key()
    payload = make_payload(REF.name, DIGEST)
    # The same payload listed again and again, signed by a key nobody trusts.
    layers = [signed_layer(other, payload) for _layer in range(MAX_SIGNATURE_LAYERS + 50)]
    put_layers(registry, DIGEST, layers, [payload])
    counted = {"n": 0}
    get_blob = registry.get_blob

    def counting(repository, digest, max_size=None):
        counted["n"] += 1
        return get_blob(repository, digest, max_size)
    registry.get_blob = counting
    found = verdicts(registry, key)
    assert len(found) == MAX_REJECTIONS_LISTED + 1
    assert not any(v["accepted"] for v in found)
    assert found[-1]["reason"] == "and %d more signatures that were not accepted" % (MAX_SIGNATURE_LAYERS + 1 - MAX_REJECTIONS_LISTED)
    assert counted["n"] == MAX_SIGNATURE_LAYERS  # a layer past the cap is never fetched


def test_a_blob_is_fetched_once_per_run_even_when_listed_many_times():
    from ansible_collections.signed.registry.plugins.module_utils._oci import Registry

    class Answer:
        status_code = 200
        headers = {}

    class Counting(Registry):
        def request(self, method, repository, path, **kwargs):
            self.count = getattr(self, "count", 0) + 1
            answer = Answer()
            answer.content = b"payload"
            return answer

    registry = Counting(http=None, host="registry.test")
    digest = sha256_digest(b"payload")
    assert [registry.get_blob("repo", digest, max_size=1024) for _time in range(50)] == [b"payload"] * 50
    assert registry.count == 1


def _bundle_layer(registry, key, subjects):
    from ansible_collections.signed.registry.plugins.module_utils._attestations import (
        BUNDLE_MEDIA_TYPE,
        INTOTO_PAYLOAD_TYPE,
        make_envelope,
    )
    from ansible_collections.signed.registry.plugins.module_utils._cosign import COSIGN_SIGN_PREDICATE, go_json
    assert INTOTO_PAYLOAD_TYPE
    statement = go_json({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": COSIGN_SIGN_PREDICATE,
                         "subject": [{"name": n, "digest": {"sha256": d.split(":")[1]}} for n, d in subjects],
                         "predicate": {}})
    bundle = go_json({"mediaType": BUNDLE_MEDIA_TYPE, "verificationMaterial": {"publicKey": {"hint": "x"}},
                      "dsseEnvelope": make_envelope(key, statement)})
    registry.push_blob(REPO, bundle)
    return {"mediaType": BUNDLE_MEDIA_TYPE, "size": len(bundle), "digest": sha256_digest(bundle)}


def test_a_bundle_with_several_subjects_is_judged_by_the_subject_that_names_the_image(key):
    rule = {"type": "matchRepository"}
    other = "sha256:" + "c" * 64

    def check(subjects):
        registry = MemoryRegistry()
        layer = _bundle_layer(registry, key, subjects)
        return check_signature_bundle(Image(registry, REPO, DIGEST, REF), Trust([key.public_key()], rule), layer,
                                      Found("referrer"))

    # The first subject satisfies the identity rule but names another image; the second names
    # this image under another repository: the rule must judge the second.
    verdict = check([(REF.name, other), ("127.0.0.1:5000/elsewhere/app", DIGEST)])
    assert not verdict["accepted"] and verdict["claims"]["docker_reference"] == "127.0.0.1:5000/elsewhere/app"
    assert check([("127.0.0.1:5000/elsewhere/app", other), (REF.name, DIGEST)])["accepted"]
    twice = check([(REF.name, DIGEST), ("127.0.0.1:5000/elsewhere/app", DIGEST)])
    assert not twice["accepted"] and "several names" in twice["reason"]
