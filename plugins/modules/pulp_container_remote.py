#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pulp_container_remote
short_description: Manage a Pulp container remote (an upstream registry repository to sync from)
version_added: 0.1.0
description:
  - Create, update or delete a container remote in Pulp (C(remotes/container/container/)).
  - Only the options that are set are compared and sent.
  - Pulp never shows the remote's secrets (O(remote_username), O(remote_password),
    O(client_key), O(proxy_username), O(proxy_password)); whether they are sent again on
    later runs is chosen by O(update_password).
  - Tag filters are O(includes) and O(excludes) on pulp-container 2.28 and newer, and are
    sent as C(include_tags) and C(exclude_tags) to older servers.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  name:
    description: Name of the remote, its natural key in Pulp.
    type: str
    required: true
  url:
    description:
      - URL of the upstream registry, for example V(https://registry-1.docker.io).
      - Required when O(state=present).
    type: str
  upstream_name:
    description:
      - Name of the repository on the upstream registry, for example V(library/alpine).
      - Required when O(state=present).
    type: str
  includes:
    description:
      - Tags to sync, as globs (C(*) and C(?)). Digests (C(sha256:...)) are accepted too.
        Cosign companion tags (C(sha256-<digest>.sig), C(.att), C(.sbom)) of the synced
        images are synced with them.
      - An empty list syncs every tag.
    type: list
    elements: str
  excludes:
    description: Tags not to sync, as globs. An empty list excludes nothing.
    type: list
    elements: str
  policy:
    description:
      - When Pulp downloads the content. V(immediate) downloads everything during the sync,
        V(on_demand) when a client first pulls it, V(streamed) on every pull without storing it.
    type: str
    choices: [immediate, on_demand, streamed]
  sigstore:
    description:
      - URL of a lookaside store of B(atomic) (GPG simple-signing) signatures to mirror with the
        images. Not for cosign signatures, which are synced as ordinary tags.
        An empty string unsets it.
    type: str
  tls_validation:
    description: Whether Pulp verifies the TLS certificate of O(url).
    type: bool
  remote_ca_cert:
    description: PEM text of the CA certificates Pulp uses to verify O(url). An empty string unsets it.
    type: str
  client_cert:
    description: PEM text of the client certificate Pulp presents to O(url). An empty string unsets it.
    type: str
  client_key:
    description:
      - PEM text of the private key of O(client_cert). Write-only in Pulp, see O(update_password).
        An empty string unsets it.
    type: str
  remote_username:
    description:
      - User name Pulp logs in to O(url) with. Write-only in Pulp, see O(update_password).
        An empty string unsets it.
    type: str
  remote_password:
    description:
      - Password Pulp logs in to O(url) with. Write-only in Pulp, see O(update_password).
        An empty string unsets it.
    type: str
  proxy_url:
    description: URL of an HTTP(S) proxy Pulp goes through. An empty string unsets it.
    type: str
  proxy_username:
    description: User name for O(proxy_url). Write-only in Pulp, see O(update_password).
    type: str
  proxy_password:
    description: Password for O(proxy_url). Write-only in Pulp, see O(update_password).
    type: str
  update_password:
    description:
      - When to send the write-only values (O(remote_username), O(remote_password),
        O(client_key), O(proxy_username), O(proxy_password)), which Pulp never shows and so
        cannot be compared.
      - V(on_create) sends each one only when Pulp has none set, so that a second run is
        unchanged. V(always) sends them on every run and so always reports a change.
    type: str
    choices: [always, on_create]
    default: on_create
  download_concurrency:
    description: How many downloads Pulp runs at once for this remote.
    type: int
  max_retries:
    description: How many times Pulp retries a failed download.
    type: int
  rate_limit:
    description: Requests per second Pulp sends to O(url); V(0) means no limit.
    type: int
  total_timeout:
    description: Seconds a whole download may take (aiohttp C(total)).
    type: float
  connect_timeout:
    description: Seconds to get a connection from the pool (aiohttp C(connect)).
    type: float
  sock_connect_timeout:
    description: Seconds to connect to O(url) (aiohttp C(sock_connect)).
    type: float
  sock_read_timeout:
    description: Seconds to wait for data from O(url) (aiohttp C(sock_read)).
    type: float
  headers:
    description: Extra HTTP headers Pulp sends, as a list of one-key dicts.
    type: list
    elements: dict
  pulp_labels:
    description: Key-value labels of the remote; the whole set is replaced.
    type: dict
  state:
    description: Whether the remote exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - signed.registry._pulp
  - signed.registry._attributes
  - signed.registry._attributes.ALL
  - signed.registry._attributes.PULP
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
seealso:
  - module: signed.registry.pulp_container_repository
  - module: signed.registry.pulp_container_sync
  - module: signed.registry.pulp_container_mirrors
"""

EXAMPLES = r"""
- name: A remote for two tags of alpine and their cosign signatures
  signed.registry.pulp_container_remote:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    name: alpine
    url: https://registry-1.docker.io
    upstream_name: library/alpine
    includes: ["3.20", "3.21"]
    policy: immediate

- name: A remote to a private upstream; the password is sent only when Pulp has none
  signed.registry.pulp_container_remote:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    name: internal-app
    url: https://registry.internal.example.com
    upstream_name: team/app
    remote_username: robot
    remote_password: "{{ upstream_token }}"
"""

RETURN = r"""
remote:
  description:
    - The remote as Pulp shows it after the run (as it would be, in check mode); null when absent.
    - Write-only fields are never returned; C(hidden_fields) tells which of them are set.
  returned: always
  type: dict
  sample:
    pulp_href: /pulp/api/v3/remotes/container/container/0190c5f4-55aa-7c1e-9d7e-4f6c2a0b8e22/
    name: alpine
    url: https://registry-1.docker.io
    upstream_name: library/alpine
    includes: ["3.20", "3.21"]
    excludes: null
    policy: immediate
    hidden_fields:
      - {name: password, is_set: false}
"""

from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, PULP_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._pulp import REMOTES, ensure
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import (
    REMOTE_ARGUMENT_SPEC,
    REMOTE_SECRETS,
    remote_state,
)


def main():
    argument_spec = dict(name=dict(type="str", required=True), **REMOTE_ARGUMENT_SPEC)
    argument_spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    with ModuleRun(argument_spec, PULP_CONNECTION_SPEC, secret_keys=REMOTE_SECRETS,
                   required_if=[("state", "present", ("url", "upstream_name"))]) as run:
        params = run.params
        pulp = run.pulp()
        current = pulp.find(REMOTES, name=params["name"])
        desired, write_only = ({}, {}) if params["state"] == "absent" else remote_state(pulp, params, current)
        outcome = ensure(pulp, REMOTES, {"name": params["name"]}, desired, state=params["state"],
                         write_only=write_only, update_password=params["update_password"],
                         unordered=("includes", "excludes", "include_tags", "exclude_tags"),
                         check_mode=run.check_mode, current=current, lookup=False)
        run.report(outcome, "remote")


if __name__ == "__main__":
    main()
