# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.signed.registry.plugins.module_utils._oci import OCI_INDEX, Registry

DIGESTS = ["sha256:" + ("%x" % i) * 64 for i in range(1, 9)]


class Answer:
    """A response whose body the HTTP layer has read."""

    def __init__(self, status=200, headers=None, content=b""):
        self.status_code = status
        self.headers = headers or {}
        self.content = content
        self.text = ""
        self.url = "https://registry.test/v2/repo/referrers"


class RecordingRegistry(Registry):
    """Answers the referrers API (when ``api``) or the referrers tag from memory, counting requests."""

    def __init__(self, api):
        super(RecordingRegistry, self).__init__(http=None, host="registry.test")
        self.api = api
        self.asked = []
        self._asked_lock = threading.Lock()
        self.barrier = threading.Barrier(len(DIGESTS), timeout=5)

    def index(self, digest):
        return {"schemaVersion": 2, "mediaType": OCI_INDEX,
                "manifests": [{"digest": "sha256:" + "f" * 64, "artifactType": "x/y", "subject": digest}]}

    def request(self, method, repository, path, **kwargs):
        with self._asked_lock:
            self.asked.append(path)
        if not self.api:
            return Answer(404, {"Content-Type": "text/plain"})
        return Answer(200, {"Content-Type": OCI_INDEX}, json.dumps(self.index(path.split("/", 1)[1])).encode())

    def get_manifest(self, repository, reference, accept=None):
        with self._asked_lock:
            self.asked.append("manifests/" + reference)
        return json.dumps(self.index("sha256:" + reference[len("sha256-"):])).encode(), OCI_INDEX, None

    def concurrently(self):
        def lookup(digest):
            self.barrier.wait()  # every thread asks before any has an answer
            return self.referrers("repo", digest)
        with ThreadPoolExecutor(len(DIGESTS)) as pool:
            return list(pool.map(lookup, DIGESTS))


def test_registry_without_referrers_api_is_asked_once_and_every_image_gets_its_fallback_tag():
    registry = RecordingRegistry(api=False)
    found = registry.concurrently()
    assert sum(path.startswith("referrers/") for path in registry.asked) == 1
    assert sorted(p for p in registry.asked if p.startswith("manifests/")) == sorted(
        "manifests/sha256-" + d[len("sha256:"):] for d in DIGESTS)
    assert [f[0]["subject"] for f in found] == DIGESTS
    assert registry.referrers_api is False


def test_registry_with_referrers_api_answers_every_image_from_the_api():
    registry = RecordingRegistry(api=True)
    found = registry.concurrently()
    assert sorted(registry.asked) == sorted("referrers/" + d for d in DIGESTS)
    assert [f[0]["subject"] for f in found] == DIGESTS
    assert registry.referrers_api is True


def test_referrers_filter_by_artifact_type():
    registry = RecordingRegistry(api=False)
    assert registry.referrers("repo", DIGESTS[0], artifact_type="other/type") == []
    assert len(registry.referrers("repo", DIGESTS[0], artifact_type="x/y")) == 1


class LyingRegistry(Registry):
    """Answers HEAD with the digest of another image, as a hostile registry may."""

    def __init__(self, answers):
        super(LyingRegistry, self).__init__(http=None, host="registry.test")
        self.answers = answers
        self.asked = []

    def request(self, method, repository, path, **kwargs):
        self.asked.append((method, path))
        return self.answers.pop(0)


def test_a_pinned_digest_is_never_exchanged_for_the_one_the_registry_names():
    import pytest
    from ansible_collections.signed.registry.plugins.module_utils._oci import RegistryError
    asked, other = DIGESTS[0], DIGESTS[1]
    registry = LyingRegistry([Answer(headers={"Docker-Content-Digest": other})])
    with pytest.raises(RegistryError) as err:
        registry.resolve("repo", asked)
    assert "answered for repo@%s with another image (%s)" % (asked, other) in str(err.value)
    assert LyingRegistry([Answer(headers={"Docker-Content-Digest": asked})]).resolve("repo", asked) == asked
    assert LyingRegistry([Answer(status=404)]).resolve("repo", asked) is None
    # A tag resolves to whatever the registry says it points at.
    assert LyingRegistry([Answer(headers={"Docker-Content-Digest": other})]).resolve("repo", "v1") == other


def test_a_pinned_digest_without_a_digest_header_is_checked_against_the_manifest():
    import pytest
    from ansible_collections.signed.registry.plugins.module_utils._oci import RegistryError, sha256_digest
    manifest = b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}'
    registry = LyingRegistry([Answer(), Answer(content=manifest)])
    with pytest.raises(RegistryError) as err:
        registry.resolve("repo", DIGESTS[0])
    assert "refusing it" in str(err.value)
    digest = sha256_digest(manifest)
    assert LyingRegistry([Answer(), Answer(content=manifest)]).resolve("repo", digest) == digest


class TokenHttp:
    def __init__(self):
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append((method, url, kwargs))
        return Answer(status=201)


def test_an_http_token_realm_for_an_https_registry_is_refused_before_any_credential_is_sent():
    import pytest
    from ansible_collections.signed.registry.plugins.module_utils._oci import RegistryError
    http = TokenHttp()
    registry = Registry(http, "registry.test", "user", "secret")
    with pytest.raises(RegistryError) as err:
        registry._answer('Bearer realm="http://registry.test/token",service="r"', "repository:x:pull")
    assert "not HTTPS" in str(err.value)
    assert http.sent == []


def test_an_upload_elsewhere_gets_no_registry_credentials():
    http = TokenHttp()

    class Uploading(Registry):
        def request(self, method, repository, path, **kwargs):
            if method == "HEAD":
                return Answer(status=404)
            return Answer(status=202, headers={"Location": self.location})

    for location, credentials in (("https://storage.example.com/upload/1?sig=x", False),
                                  ("/v2/repo/blobs/uploads/1", True),
                                  ("https://registry.test:443/v2/repo/blobs/uploads/2", True)):
        registry = Uploading(http, "registry.test", "user", "secret")
        registry.location = location
        registry._basic = True
        registry._tokens["repository:repo:pull,push"] = "token"
        registry.push_blob("repo", b"data")
        method, url, kwargs = http.sent[-1]
        assert method == "PUT" and url.startswith(location if "://" in location else "https://registry.test" + location)
        assert ("Authorization" in kwargs["headers"]) is credentials
        assert (kwargs["auth"] is not None) is credentials
