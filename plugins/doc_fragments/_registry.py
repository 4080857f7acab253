# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  registry_username:
    description:
      - User name for the one registry the images are on. The module answers the registry's
        challenge with it, Basic or Bearer token (one token per repository and run).
      - It names no host, so a task whose images are on more than one registry fails before
        sending anything; give each host its own credentials in O(registry_auth) instead.
      - Anonymous access when neither this, O(registry_auth) nor O(auth_file) has credentials
        for a host.
    type: str
  registry_password:
    description: Password or token of O(registry_username).
    type: str
  registry_auth:
    description:
      - Credentials per registry host, each sent to its host only (and to the token server that
        host names). A host without an entry gets none from this list.
      - Takes precedence over O(registry_username) and O(auth_file) for its host.
    type: list
    elements: dict
    suboptions:
      host:
        description:
          - The registry host, with its port if it has one, as in the image references
            (V(registry.example.com:5000)); V(docker.io) for Docker Hub.
        type: str
        required: true
      username:
        description: User name on O(registry_auth[].host).
        type: str
        required: true
      password:
        description: Password or token of O(registry_auth[].username).
        type: str
  auth_file:
    description:
      - A containers C(auth.json) (what C(podman login) writes) or docker C(config.json)
        (what C(docker login) writes). The C(auth) of the entry for a host is used for that host.
      - Entries for a repository path (C(host/namespace)) and credential helpers
        (C(credHelpers), C(credsStore)) are not used.
      - Defaults to the environment variable E(REGISTRY_AUTH_FILE), as podman and skopeo read it.
    type: path
  validate_certs:
    description: Whether to verify the registries' TLS certificates.
    type: bool
    default: true
  ca_cert:
    description: Path of a PEM file with the CA certificates that sign the registries' certificates.
    type: path
  plain_http:
    description:
      - Talk plain HTTP instead of HTTPS to the registries, for test registries on a trusted host.
    type: bool
    default: false
  request_timeout:
    description:
      - The most one HTTP request may take, in seconds, from connecting to the last byte of its
        answer; a server that answers slower is stopped at that point and not asked again.
      - Other transient failures (connection errors, HTTP 429, 502, 503, 504) are retried three times.
    type: float
    default: 30
notes:
  - The signature modules of this collection are in the action group C(signed.registry.registry),
    so the registry options can be set once with C(module_defaults).
"""

    ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/signed.registry.registry) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - signed.registry.registry
  platform:
    platforms: posix
"""
