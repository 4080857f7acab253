# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which credentials go to which registry host: per-host entries, a containers ``auth.json`` or
docker ``config.json``, and the single-registry shorthand. Pure but for reading the auth file.

A credential goes only to the host it was given for; a host without one gets none.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import json

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._reference import DOCKER_HUB, DOCKER_HUB_API

# The names Docker Hub goes by in auth files (docker login writes the v1 URL).
_DOCKER_HUB_NAMES = frozenset((DOCKER_HUB, DOCKER_HUB_API, "index.docker.io"))
MAX_AUTH_FILE_SIZE = 1024 * 1024


def canonical_host(name):
    """The host an auth entry or reference names: no scheme, no path, Docker Hub's one name."""
    for scheme in ("https://", "http://"):
        if name.startswith(scheme):
            name = name[len(scheme):]
    host = name.split("/", 1)[0].lower()
    return DOCKER_HUB if host in _DOCKER_HUB_NAMES else host


def parse_auth_file(text, path):
    """{host: (username, password)} from an auth.json / config.json's ``auths``.

    Entries for a repository path (``host/namespace``) are left out: one module run talks to a
    host with one identity. Hosts whose only entry is a credential helper's are listed in
    ``helpers`` so that an error can say why nothing was sent.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput("auth_file %s is not JSON: %s" % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get("auths", {}), dict):
        raise InvalidInput("auth_file %s must be a JSON object with an 'auths' object, as podman login "
                           "and docker login write" % path)
    found = {}
    for key, entry in (data.get("auths") or {}).items():
        if "/" in key.split("://", 1)[-1].rstrip("/").replace("/v1", "").replace("/v2", ""):
            continue
        if not isinstance(entry, dict) or not entry.get("auth"):
            continue
        try:
            decoded = base64.b64decode(entry["auth"], validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError, TypeError):
            raise InvalidInput("auth_file %s: the entry for %s has an 'auth' that is not base64 of user:password"
                               % (path, key))
        username, sep, password = decoded.partition(":")
        if not sep or not username:
            raise InvalidInput("auth_file %s: the entry for %s has an 'auth' that is not base64 of user:password"
                               % (path, key))
        found[canonical_host(key)] = (username, password)
    helpers = set(canonical_host(k) for k in (data.get("credHelpers") or {}))
    return found, helpers


def load_auth_file(path):
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_AUTH_FILE_SIZE + 1)
    except (IOError, OSError) as exc:
        raise InvalidInput("auth_file %s cannot be read: %s" % (path, exc))
    if len(text) > MAX_AUTH_FILE_SIZE:
        raise InvalidInput("auth_file %s is larger than %d bytes" % (path, MAX_AUTH_FILE_SIZE))
    try:
        return parse_auth_file(text.decode("utf-8"), path)
    except UnicodeDecodeError:
        raise InvalidInput("auth_file %s is not UTF-8 text" % path)


class Credentials:
    """The credentials of each registry host a module run talks to."""

    def __init__(self, registry_auth=None, username=None, password=None, auth_file=None):
        self._explicit = {}
        for entry in registry_auth or []:
            host = canonical_host(entry["host"])
            if host in self._explicit:
                raise InvalidInput("registry_auth names %s twice" % entry["host"])
            self._explicit[host] = (entry["username"], entry.get("password"))
        self._shorthand = (username, password) if username else None
        self._shorthand_host = None
        self._file, self._helpers = load_auth_file(auth_file) if auth_file else ({}, set())

    def secrets(self):
        """Every password this run knows, for the output to hide."""
        return [p for _u, p in list(self._explicit.values()) + list(self._file.values()) if p]

    def for_host(self, host):
        """(username, password) for ``host``, or (None, None).

        registry_username / registry_password name no host: they are for the one registry a run
        talks to, and a second host is refused before anything is sent to either.
        """
        host = canonical_host(host)
        if host in self._explicit:
            return self._explicit[host]
        if self._shorthand:
            if self._shorthand_host in (None, host):
                self._shorthand_host = host
                return self._shorthand
            raise InvalidInput(
                "registry_username and registry_password are for one registry, and this task talks to %s and %s: "
                "give each host its own credentials in registry_auth (or auth_file)" % (self._shorthand_host, host))
        if host in self._file:
            return self._file[host]
        return None, None
