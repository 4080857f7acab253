#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pulp_container_distribution
short_description: Serve a Pulp container repository on the registry
version_added: 0.1.0
description:
  - Create, update or delete a container distribution in Pulp
    (C(distributions/container/container/)). A distribution makes a repository pullable from
    Pulp's registry at C(<registry host>/<base_path>).
  - It serves either the latest version of O(repository), or a fixed O(version) of it.
  - Only the options that are set are compared and sent.
  - Removing a distribution never removes its repository. (pulp-container itself deletes a
    container repository together with its last distribution; the module unlinks the
    repository first so that its content stays.)
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  name:
    description: Name of the distribution, its natural key in Pulp.
    type: str
    required: true
  base_path:
    description:
      - Path of the repository on the registry, for example V(library/alpine). Its first
        segment becomes a Pulp namespace.
      - Required when O(state=present).
    type: str
  repository:
    description: Name of the container repository to serve.
    type: str
  version:
    description:
      - Serve this version number of O(repository) instead of its latest version.
    type: int
  content_guard:
    description:
      - Name of a content guard that protects the content. Pulp gives every distribution a
        redirect guard of its own when it is created; an empty string removes the guard.
    type: str
  private:
    description: Whether only users allowed to pull from this distribution can pull (no anonymous pulls).
    type: bool
  hidden:
    description: Whether the distribution is left out of the registry's catalog.
    type: bool
  description:
    description: Free text that describes the distribution. An empty string clears it.
    type: str
  pulp_labels:
    description: Key-value labels of the distribution; the whole set is replaced.
    type: dict
  state:
    description: Whether the distribution exists.
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
  - module: signed.registry.pulp_container_mirrors
"""

EXAMPLES = r"""
- name: Serve the alpine repository at pulp.example.com/library/alpine
  signed.registry.pulp_container_distribution:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    name: alpine
    base_path: library/alpine
    repository: alpine
  register: dist

- name: Pull it
  ansible.builtin.command: podman pull {{ dist.distribution.registry_path }}:3.21
  changed_when: false

- name: Pin the distribution to version 3 of the repository
  signed.registry.pulp_container_distribution:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    name: alpine
    base_path: library/alpine
    repository: alpine
    version: 3
"""

RETURN = r"""
distribution:
  description: The distribution as Pulp shows it after the run (as it would be, in check mode); null when absent.
  returned: always
  type: dict
  sample:
    pulp_href: /pulp/api/v3/distributions/container/container/0190c5f4-9b0a-7d51-a2f8-1e3d4c5b6a77/
    name: alpine
    base_path: library/alpine
    registry_path: pulp.example.com/library/alpine
    repository: /pulp/api/v3/repositories/container/container/0190c5f4-6f1b-7a2e-8c43-2f5e0d1b7a11/
    repository_version: null
    private: false
registry_path:
  description: Where clients pull the distribution from (C(<registry host>/<base_path>)), to build pull references.
  returned: when O(state=present) and not in check mode for a new distribution
  type: str
  sample: pulp.example.com/library/alpine
"""

from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, PULP_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._pulp import DISTRIBUTIONS, REPOSITORIES, ensure
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import (
    detach_repository,
    distribution_state,
)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        base_path=dict(type="str"),
        repository=dict(type="str"),
        version=dict(type="int"),
        content_guard=dict(type="str"),
        private=dict(type="bool"),
        hidden=dict(type="bool"),
        description=dict(type="str"),
        pulp_labels=dict(type="dict"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    with ModuleRun(argument_spec, PULP_CONNECTION_SPEC,
                   required_if=[("state", "present", ("base_path",))],
                   required_by={"version": "repository"}) as run:
        params = run.params
        pulp = run.pulp()
        desired = {}
        current = pulp.find(DISTRIBUTIONS, name=params["name"])
        if params["state"] == "present":
            repository_href = None
            if params["repository"]:
                repository_href = pulp.href_of(REPOSITORIES, params["repository"], "Container repository")
            desired = distribution_state(pulp, params, repository_href)
        elif current and not run.check_mode:
            detach_repository(pulp, current)
        outcome = ensure(pulp, DISTRIBUTIONS, {"name": params["name"]}, desired, state=params["state"],
                         check_mode=run.check_mode, current=current, lookup=False)
        run.report(outcome, "distribution")
        if outcome.obj and outcome.obj.get("registry_path"):
            run.result["registry_path"] = outcome.obj["registry_path"]


if __name__ == "__main__":
    main()
