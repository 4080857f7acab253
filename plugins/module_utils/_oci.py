# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The OCI distribution API: auth challenges, manifests, blobs, tags, referrers.

Knows nothing of Pulp or cosign; one ``Registry`` per registry host, over the run's HttpClient.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
import threading

from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._http import HTTPError
from ansible_collections.signed.registry.plugins.module_utils._reference import check_digest, signature_tag

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST))
# Far above any signature or attestation; a registry that serves more is not trusted with memory.
MAX_MANIFEST_SIZE = 4 * 1024 * 1024
MAX_BLOB_SIZE = 16 * 1024 * 1024
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
ANY_STATUS = tuple(range(100, 600))


class RegistryError(SignedRegistryError):
    """A registry answer that is not what the protocol promises."""


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_challenge(header):
    """('bearer'|'basic', {realm, service, scope...}) from a WWW-Authenticate header."""
    if not header:
        return None, {}
    scheme, _sep, params = header.partition(" ")
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(params))


class Registry:
    """One registry host: answers auth challenges once per scope and reuses the token."""

    def __init__(self, http, host, username=None, password=None, plain_http=False):
        self.http = http
        self.host = host
        self.base = "%s://%s" % ("http" if plain_http else "https", host)
        self.username = username
        self.password = password
        self._tokens = {}
        self._basic = False
        # None until a referrers lookup tells whether the registry has the OCI 1.1 API.
        self.referrers_api = None
        self._token_lock = threading.Lock()
        self._referrers_lock = threading.Lock()

    # -- auth --------------------------------------------------------------------------------

    def _auth_headers(self, scope):
        if scope in self._tokens:
            return {"Authorization": "Bearer " + self._tokens[scope]}
        return {}

    def _answer(self, challenge, scope):
        scheme, params = parse_challenge(challenge)
        if scheme == "basic":
            if not self.username:
                raise RegistryError("%s asks for a user name and password (registry_username, "
                                    "registry_password)" % self.host)
            self._basic = True
            return
        if scheme != "bearer" or "realm" not in params:
            raise RegistryError("%s answered 401 with an unknown challenge %r" % (self.host, challenge))
        query = {"service": params["service"]} if "service" in params else {}
        query["scope"] = scope
        auth = (self.username, self.password) if self.username else None
        try:
            response = self.http.request("GET", params["realm"], params=query, auth=auth, writes=False)
        except HTTPError as exc:
            raise RegistryError("the token server of %s refused %s: %s" % (self.host, scope, exc), **exc.details)
        body = response.json()
        token = body.get("token") or body.get("access_token")
        if not token:
            raise RegistryError("the token server of %s returned no token" % self.host)
        self._tokens[scope] = token

    def request(self, method, repository, path, push=False, expected=(200,), api="v2", **kwargs):
        """A request to /<api>/<repository>/<path>, answering one auth challenge if one comes."""
        scope = "repository:%s:%s" % (repository, "pull,push" if push else "pull")
        url = "%s/%s/%s/%s" % (self.base, api, repository, path)
        headers = dict(kwargs.pop("headers", None) or {})
        for attempt in (1, 2):
            response = self.http.request(method, url, headers=dict(headers, **self._auth_headers(scope)),
                                         auth=self._basic_auth(), expected=ANY_STATUS, **kwargs)
            if response.status_code != 401:
                break
            if attempt == 2:
                raise RegistryError("%s refused %s %s even after authenticating (HTTP 401): check "
                                    "registry_username and registry_password" % (self.host, method, url),
                                    http={"method": method, "url": url, "status": 401})
            with self._token_lock:
                # Threads that met the same challenge wait for the first one's token.
                if scope not in self._tokens:
                    self._answer(response.headers.get("WWW-Authenticate"), scope)
        if response.status_code not in expected:
            body = response.text[:2000]
            raise HTTPError("%s %s returned HTTP %s: %s" % (method, url, response.status_code, body),
                            method=method, url=url, status=response.status_code, body=body)
        return response

    def _basic_auth(self):
        return (self.username, self.password) if self._basic else None

    # -- manifests ---------------------------------------------------------------------------

    def get_manifest(self, repository, reference, accept=MANIFEST_ACCEPT):
        """(bytes, media type, digest) of a manifest, or None when the registry has none."""
        response = self.request("GET", repository, "manifests/" + reference, headers={"Accept": accept},
                                expected=(200, 404), stream=True)
        if response.status_code == 404:
            return None
        data = read_limited(response, MAX_MANIFEST_SIZE, "manifest %s@%s" % (repository, reference))
        digest = sha256_digest(data)
        if reference.startswith("sha256:") and digest != reference:
            raise RegistryError("%s served manifest %s for digest %s: refusing it" % (self.host, digest, reference))
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            media_type = json.loads(data.decode("utf-8")).get("mediaType") or media_type
        except (ValueError, UnicodeDecodeError, AttributeError):
            raise RegistryError("manifest %s@%s from %s is not JSON" % (repository, reference, self.host))
        return data, media_type, digest

    def resolve(self, repository, reference):
        """The digest a tag (or digest) points at, or None."""
        if reference.startswith("sha256:"):
            check_digest(reference)
        response = self.request("HEAD", repository, "manifests/" + reference,
                                headers={"Accept": MANIFEST_ACCEPT}, expected=(200, 404))
        if response.status_code == 404:
            return None
        digest = response.headers.get("Docker-Content-Digest")
        if digest and digest.startswith("sha256:"):
            return digest
        found = self.get_manifest(repository, reference)
        return found[2] if found else None

    def put_manifest(self, repository, reference, data, media_type):
        self.request("PUT", repository, "manifests/" + reference, push=True, data=data,
                     headers={"Content-Type": media_type}, expected=(200, 201, 202))
        return sha256_digest(data)

    def delete_manifest(self, repository, digest):
        self.request("DELETE", repository, "manifests/" + digest, push=True, expected=(200, 202, 404))

    def list_tags(self, repository):
        response = self.request("GET", repository, "tags/list", expected=(200, 404))
        if response.status_code == 404:
            return []
        return response.json().get("tags") or []

    # -- blobs -------------------------------------------------------------------------------

    def get_blob(self, repository, digest, max_size=MAX_BLOB_SIZE):
        """A blob's bytes, checked against its digest; larger blobs are refused unread."""
        check_digest(digest)
        response = self.request("GET", repository, "blobs/" + digest, expected=(200,), stream=True)
        data = read_limited(response, max_size, "blob %s" % digest)
        if sha256_digest(data) != digest:
            raise RegistryError("%s served blob %s with other content (digest %s)" % (self.host, digest, sha256_digest(data)))
        return data

    def has_blob(self, repository, digest):
        return self.request("HEAD", repository, "blobs/" + digest, expected=(200, 404)).status_code == 200

    def push_blob(self, repository, data, check=True):
        """Upload a blob in one request unless the registry has it already; returns its digest.

        ``check=False`` skips the existence check for blobs that are new by construction.
        """
        digest = sha256_digest(data)
        if check and self.has_blob(repository, digest):
            return digest
        started = self.request("POST", repository, "blobs/uploads/", push=True, expected=(202,))
        location = started.headers.get("Location")
        if not location:
            raise RegistryError("%s started an upload without a Location" % self.host)
        if location.startswith("/"):
            location = self.base + location
        separator = "&" if "?" in location else "?"
        scope = "repository:%s:pull,push" % repository
        self.http.request("PUT", location + separator + "digest=" + digest, data=data,
                          headers=dict({"Content-Type": "application/octet-stream"}, **self._auth_headers(scope)),
                          auth=self._basic_auth(), expected=(201, 202, 204))
        return digest

    # -- the signatures extension API (atomic signatures; Pulp, OpenShift) --------------------

    def extension_signatures(self, repository, digest):
        """The entries of ``GET /extensions/v2/<repository>/signatures/<digest>``, or None where
        the registry has no such API."""
        check_digest(digest)
        response = self.request("GET", repository, "signatures/" + digest, api="extensions/v2",
                                expected=(200, 400, 404, 405), stream=True)
        # Some registries answer unknown paths with an HTML page: that is no extension API either.
        if response.status_code != 200 or "json" not in response.headers.get("Content-Type", ""):
            response.close()
            return None
        data = read_limited(response, MAX_MANIFEST_SIZE, "the signatures of %s@%s" % (repository, digest))
        try:
            entries = json.loads(data.decode("utf-8"))["signatures"]
        except (ValueError, UnicodeDecodeError, KeyError, TypeError):
            raise RegistryError("%s answered the signatures of %s@%s with something other than "
                                "{\"signatures\": [...]}" % (self.host, repository, digest))
        if entries is None:
            return []
        if not isinstance(entries, list):
            raise RegistryError("%s answered the signatures of %s@%s with a non-list" % (self.host, repository, digest))
        return entries

    # -- referrers ---------------------------------------------------------------------------

    def referrers(self, repository, digest, artifact_type=None):
        """Descriptors of the manifests whose subject is ``digest``.

        From the referrers API where the registry has one, else from the referrers tag
        (``sha256-<hex>``, an index) that clients keep for registries without it.
        """
        check_digest(digest)
        params = {"artifactType": artifact_type} if artifact_type else None
        index = None
        if self.referrers_api is None:
            # Whether the registry has the API is asked once per run: the first image's thread
            # asks, the other threads wait for its answer instead of asking too.
            with self._referrers_lock:
                if self.referrers_api is None:
                    index = self._referrers_index(repository, digest, params)
                    self.referrers_api = index is not None
                    if self.referrers_api:
                        return self._filtered(index, artifact_type)
        if self.referrers_api:
            index = self._referrers_index(repository, digest, params)
        else:
            found = self.get_manifest(repository, signature_tag(digest, suffix=None), accept=OCI_INDEX)
            if found:
                index = json.loads(found[0].decode("utf-8"))
        return self._filtered(index, artifact_type)

    def _referrers_index(self, repository, digest, params):
        """The referrers API's index, or None where the registry has no such API."""
        response = self.request("GET", repository, "referrers/" + digest, params=params,
                                headers={"Accept": OCI_INDEX}, expected=(200, 404, 405))
        if response.status_code == 200 and "json" in response.headers.get("Content-Type", ""):
            return response.json()
        return None

    @staticmethod
    def _filtered(index, artifact_type):
        descriptors = [d for d in (index or {}).get("manifests") or [] if isinstance(d, dict)]
        if artifact_type:
            descriptors = [d for d in descriptors if d.get("artifactType") == artifact_type]
        return descriptors


def read_limited(response, limit, what):
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        response.close()
        raise RegistryError("%s is %s bytes, more than the %d this module reads" % (what, length, limit))
    chunks = []
    size = 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > limit:
            response.close()
            raise RegistryError("%s is more than the %d bytes this module reads" % (what, limit))
        chunks.append(chunk)
    return b"".join(chunks)
