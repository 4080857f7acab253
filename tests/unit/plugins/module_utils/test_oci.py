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
    def __init__(self, status, body=None):
        self.status_code = status
        self.headers = {"Content-Type": OCI_INDEX} if status == 200 else {"Content-Type": "text/plain"}
        self._body = body

    def json(self):
        return self._body


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
        return Answer(200, self.index(path.split("/", 1)[1])) if self.api else Answer(404)

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
