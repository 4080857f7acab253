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
      - User name for the registries the images are on. The module answers the registry's
        challenge with it, Basic or Bearer token (one token per repository and run).
      - Anonymous access when not set.
    type: str
  registry_password:
    description: Password or token of O(registry_username).
    type: str
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
    description: Seconds to wait for each HTTP response. Transient failures are retried three times.
    type: float
    default: 30
notes:
  - The signature modules of this collection are in the action group C(signed.registry.registry),
    so the registry options can be set once with C(module_defaults).
requirements:
  - requests
  - cryptography
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
