# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry audit: one verdict per image from everything attached to it, counts, and the page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

import pytest

from ansible_collections.signed.registry.plugins.module_utils._attestations import Attester, make_statement
from ansible_collections.signed.registry.plugins.module_utils._audit import (
    audit,
    audit_image,
    platforms,
    selected_tags,
)
from ansible_collections.signed.registry.plugins.module_utils._cosign import generate_private_key, key_id
from ansible_collections.signed.registry.plugins.module_utils._oci import OCI_INDEX, sha256_digest
from ansible_collections.signed.registry.plugins.module_utils._reference import signature_tag
from ansible_collections.signed.registry.plugins.module_utils._report import embedded_json, render_html
from ansible_collections.signed.registry.plugins.module_utils._signatures import Signer
from ansible_collections.signed.registry.plugins.module_utils._verification import Trust
from ansible_collections.signed.registry.tests.unit.plugins.module_utils.test_verification import ReferringRegistry

HOST = "registry.test"
REPO = "team/app"
SPDX = "https://spdx.dev/Document"


@pytest.fixture
def key():
    return generate_private_key()


def image(registry, tag):
    """An image manifest of its own under ``tag``; its digest."""
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"digest": "sha256:" + "0" * 64}, "annotations": {"tag": tag}}).encode("utf-8")
    digest = sha256_digest(manifest)
    registry.manifests[tag] = registry.manifests[digest] = manifest
    return digest


def sign(registry, key, digest):
    Signer(key, sleep=lambda s: None).sign(registry, REPO, digest, "%s/%s" % (HOST, REPO))


@pytest.fixture
def registry(key):
    """verified, untrusted, unsigned, replayed (a trusted signature copied from another image)
    and broken (a signature layer whose payload is not what the layer says), with an SBOM on verified."""
    registry = ReferringRegistry()
    verified = image(registry, "verified")
    sign(registry, key, verified)
    statement = make_statement("%s/%s" % (HOST, REPO), verified, SPDX, {"name": "app"})
    Attester(key).attest_legacy(registry, REPO, verified, statement, SPDX)
    sign(registry, generate_private_key(), image(registry, "untrusted"))
    image(registry, "unsigned")
    replayed = image(registry, "replayed")
    registry.manifests[signature_tag(replayed)] = registry.manifests[signature_tag(verified)]
    broken = image(registry, "broken")
    sign(registry, key, broken)
    layer = json.loads(registry.manifests[signature_tag(broken)])["layers"][0]
    registry.blobs[layer["digest"]] = b"{}"
    return registry


def audited(registry, key, tag):
    return audit_image(registry, HOST, REPO, tag, Trust([key.public_key()]))


def test_each_image_gets_the_verdict_a_security_team_would_give(registry, key):
    got = dict((tag, audited(registry, key, tag)) for tag in ("verified", "untrusted", "unsigned", "replayed", "broken"))
    assert dict((tag, entry["verdict"]) for tag, entry in got.items()) == {
        "verified": "verified", "untrusted": "signed_untrusted", "unsigned": "unsigned",
        "replayed": "invalid", "broken": "invalid"}
    assert got["verified"]["signers"] == [key_id(key)]
    assert got["verified"]["sbom"] and got["verified"]["sbom_verified"]
    assert got["verified"]["attestations"][0]["predicate_type"] == SPDX
    assert got["untrusted"]["reasons"] == ["the signature does not verify with any of the given public keys"]
    assert "the signature is for %s, not for this image" % got["verified"]["digest"] in got["replayed"]["reasons"][0]
    assert "the payload has 2 bytes where the layer says" in got["broken"]["reasons"][0]
    assert got["unsigned"]["reasons"] == ["no signature found"] and not got["unsigned"]["sbom"]


def test_without_trust_every_signature_is_untrusted(registry):
    assert audit_image(registry, HOST, REPO, "verified", Trust([]))["verdict"] == "signed_untrusted"


def test_a_tag_whose_manifest_is_gone_is_invalid(registry, key):
    entry = audited(registry, key, "vanished")
    assert entry["verdict"] == "invalid" and entry["digest"] is None
    assert entry["reasons"] == ["the tag is listed, and its manifest is not found"]


def test_counts_per_repository_and_overall(registry, key):
    targets = [(registry, HOST, REPO, t, None) for t in ("verified", "untrusted", "unsigned", "replayed", "broken")]
    images, summary = audit(targets, Trust([key.public_key()]), workers=3)
    assert [i["tag"] for i in images] == ["verified", "untrusted", "unsigned", "replayed", "broken"]
    assert summary["totals"] == {"images": 5, "repositories": 1, "verified": 1, "invalid": 2,
                                 "signed_untrusted": 1, "unsigned": 1, "sbom": 1}
    assert summary["repositories"] == {"registry.test/team/app": {"images": 5, "verified": 1, "invalid": 2,
                                                                  "signed_untrusted": 1, "unsigned": 1, "sbom": 1}}
    assert summary["predicate_types"] == [SPDX]


def test_companion_tags_are_not_images_and_patterns_select():
    tags = ["v1.0", "v1.1", "latest", "sha256-" + "a" * 64 + ".sig", "sha256-" + "a" * 64 + ".att",
            "sha256-" + "a" * 64, "sha256-short"]
    assert selected_tags(tags) == ["latest", "sha256-short", "v1.0", "v1.1"]
    assert selected_tags(tags, ["v1.*"]) == ["v1.0", "v1.1"]


def test_an_index_lists_its_platforms():
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"digest": "sha256:" + "1" * 64, "platform": {"os": "linux", "architecture": "amd64"}},
        {"digest": "sha256:" + "2" * 64, "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
        {"digest": "sha256:" + "3" * 64}]}).encode("utf-8")
    assert platforms(index, OCI_INDEX) == [{"platform": "linux/amd64", "digest": "sha256:" + "1" * 64},
                                           {"platform": "linux/arm/v7", "digest": "sha256:" + "2" * 64},
                                           {"platform": None, "digest": "sha256:" + "3" * 64}]
    assert platforms(b"{}", "application/vnd.oci.image.manifest.v1+json") == []


# -- the page ---------------------------------------------------------------------------------

HOSTILE = '</script><img src=x onerror="alert(1)">&amp;'


def report_with(tag):
    entry = {"repository": "%s/%s" % (HOST, REPO), "tag": tag, "digest": "sha256:" + "a" * 64, "media_type": None,
             "platforms": [], "verdict": "invalid", "signers": [], "reasons": [tag], "signatures": [],
             "attestations": [], "sbom": False, "sbom_verified": False}
    summary = {"totals": {"images": 1, "repositories": 1, "verified": 0, "invalid": 1, "signed_untrusted": 0,
                          "unsigned": 0, "sbom": 0},
               "repositories": {"%s/%s" % (HOST, REPO): {"images": 1, "verified": 0, "invalid": 1, "signed_untrusted": 0,
                                                         "unsigned": 0, "sbom": 0}},
               "predicate_types": [HOSTILE]}
    return {"source": HOSTILE, "trust": "1 cosign key(s)", "images": [entry], "summary": summary}


def test_the_page_is_self_contained_and_no_registry_text_becomes_markup():
    page = render_html(report_with(HOSTILE))
    assert HOSTILE not in page and "<img" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page must not load anything"
    data = re.search(r'<script type="application/json" id="audit-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["images"][0]["tag"] == HOSTILE
    assert '<span class="n" id="total-invalid">1</span>' in page
    assert page.count("<script") == 2


def test_embedded_json_escapes_what_could_end_a_script():
    text = embedded_json({"a": "</script><!--&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!--&"}


def test_the_tag_list_spares_requests_for_attachments_that_are_not_there(registry, key):
    """With every tag of the repository known, only attachment tags that exist are asked for."""
    asked = []
    get_manifest = registry.get_manifest

    def counting(repository, reference, accept=None):
        asked.append(reference)
        return get_manifest(repository, reference, accept)

    registry.get_manifest = counting
    registry.referrers_api = False
    present = frozenset(tag for tag in registry.manifests if not tag.startswith("sha256:"))
    entry = audit_image(registry, HOST, REPO, "verified", Trust([key.public_key()]), present_tags=present)
    assert entry["verdict"] == "verified" and entry["sbom_verified"]
    digest = entry["digest"]
    assert asked == ["verified", signature_tag(digest, "sig"), signature_tag(digest, "att")]
    del asked[:]
    assert audit_image(registry, HOST, REPO, "unsigned", Trust([key.public_key()]), present_tags=present)["verdict"] == "unsigned"
    assert asked == ["unsigned"]


def test_keyless_identities_and_identity_rules_are_the_verifiers_own(tmp_path, key):
    """A keyless signature verifies for its identity and names it; a trusted key's signature for
    another repository than the identity rule allows is a replay (invalid)."""
    from ansible_collections.signed.registry.plugins.module_utils._identity import check_identity_rule
    from ansible_collections.signed.registry.plugins.module_utils._keyless import check_identities
    from ansible_collections.signed.registry.plugins.module_utils._signatures import signature_image
    from ansible_collections.signed.registry.plugins.module_utils._trust_root import load_trusted_root
    from ansible_collections.signed.registry.plugins.module_utils._verification import Keyless
    from ansible_collections.signed.registry.tests.utils import private_sigstore

    registry = ReferringRegistry()
    digest = image(registry, "keyless")
    private_sigstore.init(str(tmp_path))
    payload, layer = private_sigstore.keyless_layer(str(tmp_path), "%s/%s" % (HOST, REPO), digest,
                                                    "alice@example.com", "https://issuer.example")
    registry.push_blob(REPO, payload)
    manifest, config = signature_image([layer])
    registry.push_blob(REPO, config)
    registry.put_manifest(REPO, signature_tag(digest), manifest, None)
    root = load_trusted_root(str(tmp_path / "trusted_root.json"))
    alice = Keyless(root, check_identities([{"issuer": "https://issuer.example", "subject": "alice@example.com"}]))
    entry = audit_image(registry, HOST, REPO, "keyless", Trust([], keyless=alice))
    assert entry["verdict"] == "verified" and entry["signers"] == ["alice@example.com (https://issuer.example)"]
    bob = Keyless(root, check_identities([{"issuer": "https://issuer.example", "subject": "bob@example.com"}]))
    assert audit_image(registry, HOST, REPO, "keyless", Trust([], keyless=bob))["verdict"] == "signed_untrusted"

    signed = image(registry, "elsewhere")
    Signer(key, sleep=lambda s: None).sign(registry, REPO, signed, "other.test/team/app")
    rule = check_identity_rule({"type": "matchRepository"})
    entry = audit_image(registry, HOST, REPO, "elsewhere", Trust([key.public_key()], rule))
    assert entry["verdict"] == "invalid" and "other.test/team/app" in entry["reasons"][0]
