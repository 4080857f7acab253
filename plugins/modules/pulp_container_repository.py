#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pulp_container_repository
short_description: Manage a Pulp container repository
version_added: 0.1.0
description:
  - Create, update or delete a container repository in Pulp (C(repositories/container/container/)).
  - Only the options that are set are compared and sent; Pulp keeps every other field as it is.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  name:
    description: Name of the repository, its natural key in Pulp.
    type: str
    required: true
  description:
    description: Free text that describes the repository. An empty string clears it.
    type: str
  retain_repo_versions:
    description:
      - How many repository versions Pulp keeps. Older versions are deleted when a new one is
        created. V(0) means keep all of them.
    type: int
  remote:
    description:
      - Name of the container remote (see M(signed.registry.pulp_container_remote)) that syncs
        use when they name no remote of their own. An empty string unsets it.
    type: str
  pulp_labels:
    description: Key-value labels of the repository; the whole set is replaced.
    type: dict
  manifest_signing_service:
    description:
      - Name of a manifest signing service for atomic (GPG) signatures created in Pulp.
        An empty string unsets it.
    type: str
  state:
    description: Whether the repository exists.
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
  - module: signed.registry.pulp_container_remote
  - module: signed.registry.pulp_container_sync
  - module: signed.registry.pulp_container_distribution
"""

EXAMPLES = r"""
- name: A repository that keeps its last five versions and syncs from a remote
  signed.registry.pulp_container_repository:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    name: alpine
    description: Mirror of docker.io/library/alpine
    retain_repo_versions: 5
    remote: alpine

- name: Remove it
  signed.registry.pulp_container_repository:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    name: alpine
    state: absent
"""

RETURN = r"""
repository:
  description: The repository as Pulp shows it after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    pulp_href: /pulp/api/v3/repositories/container/container/0190c5f4-6f1b-7a2e-8c43-2f5e0d1b7a11/
    name: alpine
    description: Mirror of docker.io/library/alpine
    retain_repo_versions: 5
    remote: /pulp/api/v3/remotes/container/container/0190c5f4-55aa-7c1e-9d7e-4f6c2a0b8e22/
    latest_version_href: /pulp/api/v3/repositories/container/container/0190c5f4-6f1b-7a2e-8c43-2f5e0d1b7a11/versions/0/
    pulp_labels: {}
"""

from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, PULP_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._pulp import REPOSITORIES, ensure
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import repository_state


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        retain_repo_versions=dict(type="int"),
        remote=dict(type="str"),
        pulp_labels=dict(type="dict"),
        manifest_signing_service=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    with ModuleRun(argument_spec, PULP_CONNECTION_SPEC) as run:
        params = run.params
        pulp = run.pulp()
        desired = repository_state(pulp, params) if params["state"] == "present" else {}
        outcome = ensure(pulp, REPOSITORIES, {"name": params["name"]}, desired,
                         state=params["state"], check_mode=run.check_mode)
        run.report(outcome, "repository")


if __name__ == "__main__":
    main()
