# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  pulp_url:
    description:
      - Base URL of the Pulp API server, without the C(/pulp/api/v3/) path, for example
        C(https://pulp.example.com).
      - If not set, the value of the E(PULP_URL) environment variable is used; one of them is
        required.
    type: str
  username:
    description:
      - Pulp user to log in as. The module logs in once per run (C(/pulp/api/v3/login/)) and
        uses the session for every further request.
      - If not set, the value of the E(PULP_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(PULP_PASSWORD) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(pulp_url).
      - If not set, the value of the E(PULP_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_cert:
    description:
      - Path of a PEM file with the CA certificates that sign the certificate of O(pulp_url).
      - If not set, the value of the E(PULP_CA_CERT) environment variable is used.
    type: path
  request_timeout:
    description:
      - The most one HTTP request may take, in seconds, from connecting to the last byte of its
        answer; a server that answers slower is stopped at that point and not asked again.
      - Connection errors and HTTP 429, 502, 503 and 504 answers are retried three times with
        exponential backoff before the module fails.
    type: float
    default: 30
  timeout:
    description:
      - Seconds to wait for the Pulp tasks the module starts (deletes, distribution changes,
        syncs) to finish. The module fails when a task is still running after that time; the
        task itself goes on in Pulp.
    type: int
    default: 600
notes:
  - All modules of this collection that talk to the Pulp API are in the action group
    C(signed.registry.pulp), so the connection options can be set once with
    C(module_defaults).
"""
