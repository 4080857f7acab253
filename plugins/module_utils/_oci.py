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

try:
    from urllib.parse import urljoin
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urljoin

from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._http import HTTPError, json_body, same_origin
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
# A token, a tag list, a referrers index: small JSON documents.
MAX_JSON_SIZE = 4 * 1024 * 1024
# Signature payloads, bundles and configs are asked for once per run (blobs are checked against
# their digest, so a copy is as good as the registry's), up to this much in all.
BLOB_CACHE_SIZE = 32 * 1024 * 1024
BLOB_CACHE_ITEM = 1024 * 1024
# More referrers than any image has; a registry that lists more is not read further.
MAX_REFERRERS = 256
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

    def __init__(self, http, host, username=None, password=None, plain_http=False, headers=None):
        """``headers`` go with every request to this registry (a Pulp session's CSRF token, when
        the registry is the Pulp the session is logged in to)."""
        self.http = http
        self.headers = headers if headers is not None else {}
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
        self._blobs = {}
        self._blob_bytes = 0

    # -- auth --------------------------------------------------------------------------------

    def _auth_headers(self, scope):
        if scope in self._tokens:
            return {"Authorization": "Bearer " + self._tokens[scope]}
        return {}

    def _answer(self, challenge, scope):
        scheme, params = parse_challenge(challenge)
        if scheme == "basic":
            if not self.username:
                raise RegistryError("%s asks for a user name and password, and this task has none for it "
                                    "(registry_auth, auth_file, or registry_username and registry_password)" % self.host)
            self._basic = True
            return
        if scheme != "bearer" or "realm" not in params:
            raise RegistryError("%s answered 401 with an unknown challenge %r" % (self.host, challenge))
        realm = params["realm"]
        if self.base.startswith("https://") and not realm.startswith("https://"):
            # The token (and the password sent for it) would cross the network in clear text.
            raise RegistryError("%s sends clients to the token server %s, which is not HTTPS: refusing to "
                                "ask it for a token" % (self.host, realm))
        query = {"service": params["service"]} if "service" in params else {}
        query["scope"] = scope
        auth = (self.username, self.password) if self.username else None
        try:
            response = self.http.request("GET", realm, params=query, auth=auth, writes=False,
                                         max_body=MAX_JSON_SIZE)
        except HTTPError as exc:
            raise RegistryError("the token server of %s refused %s: %s" % (self.host, scope, exc), **exc.details)
        body = json_body(response, "a token request")
        token = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
        if not token or not isinstance(token, str):
            raise RegistryError("the token server of %s returned no token" % self.host)
        self._tokens[scope] = token

    def request(self, method, repository, path, push=False, expected=(200,), api="v2", **kwargs):
        """A request to /<api>/<repository>/<path>, answering one auth challenge if one comes."""
        scope = "repository:%s:%s" % (repository, "pull,push" if push else "pull")
        url = "%s/%s/%s/%s" % (self.base, api, repository, path)
        headers = dict(self.headers, **(kwargs.pop("headers", None) or {}))
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
                                expected=(200, 404), max_body=MAX_MANIFEST_SIZE)
        if response.status_code == 404:
            return None
        data = response.content
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
        """The digest a tag points at, or None; for a digest, that digest if the image exists.

        A digest the user gave is never exchanged for one the registry names: the registry only
        says whether it has it, and an answer naming another digest is refused.
        """
        pinned = reference.startswith("sha256:")
        if pinned:
            check_digest(reference)
        response = self.request("HEAD", repository, "manifests/" + reference,
                                headers={"Accept": MANIFEST_ACCEPT}, expected=(200, 404))
        if response.status_code == 404:
            return None
        digest = response.headers.get("Docker-Content-Digest")
        if digest and digest.startswith("sha256:"):
            if pinned and digest != reference:
                raise RegistryError("%s answered for %s@%s with another image (%s): refusing it"
                                    % (self.host, repository, reference, digest))
            return digest
        # No digest in the answer: the manifest itself tells (checked against a pinned digest).
        found = self.get_manifest(repository, reference)
        return found[2] if found else None

    def put_manifest(self, repository, reference, data, media_type):
        self.request("PUT", repository, "manifests/" + reference, push=True, data=data,
                     headers={"Content-Type": media_type}, expected=(200, 201, 202))
        return sha256_digest(data)

    def delete_manifest(self, repository, digest):
        self.request("DELETE", repository, "manifests/" + digest, push=True, expected=(200, 202, 404))

    def list_tags(self, repository):
        response = self.request("GET", repository, "tags/list", expected=(200, 404), max_body=MAX_JSON_SIZE)
        if response.status_code == 404:
            return []
        body = json_body(response, "the tag list of %s" % repository)
        tags = body.get("tags") if isinstance(body, dict) else None
        if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
            raise RegistryError("%s answered the tag list of %s with something other than a list of tags"
                                % (self.host, repository))
        return tags or []

    # -- blobs -------------------------------------------------------------------------------

    def get_blob(self, repository, digest, max_size=MAX_BLOB_SIZE):
        """A blob's bytes, checked against its digest; larger blobs are refused unread.

        Small blobs (and the failure to get one) are remembered for the run: a signature
        manifest that lists one payload a thousand times costs one request.
        """
        check_digest(digest)
        key = (repository, digest)
        if key in self._blobs:
            data, error = self._blobs[key]
            if error is not None:
                raise error
            if len(data) > max_size:
                raise RegistryError("blob %s is %d bytes, more than the %d this module reads" % (digest, len(data), max_size))
            return data
        try:
            data = self.request("GET", repository, "blobs/" + digest, expected=(200,), max_body=max_size).content
            if sha256_digest(data) != digest:
                raise RegistryError("%s served blob %s with other content (digest %s)"
                                    % (self.host, digest, sha256_digest(data)))
        except SignedRegistryError as exc:
            if max_size <= BLOB_CACHE_ITEM:
                self._blobs[key] = (None, exc)
            raise
        if len(data) <= BLOB_CACHE_ITEM and self._blob_bytes + len(data) <= BLOB_CACHE_SIZE:
            self._blobs[key] = (data, None)
            self._blob_bytes += len(data)
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
        location = urljoin(self.base + "/", location)
        separator = "&" if "?" in location else "?"
        scope = "repository:%s:pull,push" % repository
        headers = {"Content-Type": "application/octet-stream"}
        auth = None
        # An upload may go to storage elsewhere (a presigned URL); the registry's credentials
        # go to the registry only.
        if same_origin(location, self.base):
            headers.update(self.headers)
            headers.update(self._auth_headers(scope))
            auth = self._basic_auth()
        self.http.request("PUT", location + separator + "digest=" + digest, data=data,
                          headers=headers, auth=auth, expected=(201, 202, 204))
        return digest

    # -- the signatures extension API (atomic signatures; Pulp, OpenShift) --------------------

    def extension_signatures(self, repository, digest):
        """The entries of ``GET /extensions/v2/<repository>/signatures/<digest>``, or None where
        the registry has no such API."""
        check_digest(digest)
        response = self.request("GET", repository, "signatures/" + digest, api="extensions/v2",
                                expected=(200, 400, 404, 405), max_body=MAX_MANIFEST_SIZE)
        # Some registries answer unknown paths with an HTML page: that is no extension API either.
        if response.status_code != 200 or "json" not in response.headers.get("Content-Type", ""):
            return None
        data = response.content
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
                                headers={"Accept": OCI_INDEX}, expected=(200, 404, 405), max_body=MAX_MANIFEST_SIZE)
        if response.status_code == 200 and "json" in response.headers.get("Content-Type", ""):
            return json_body(response, "the referrers of %s@%s" % (repository, digest))
        return None

    @staticmethod
    def _filtered(index, artifact_type):
        manifests = index.get("manifests") if isinstance(index, dict) else None
        descriptors = [d for d in manifests or [] if isinstance(d, dict)] if isinstance(manifests, list) else []
        if artifact_type:
            descriptors = [d for d in descriptors if d.get("artifactType") == artifact_type]
        return descriptors[:MAX_REFERRERS]
