#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pulp_container_sync
short_description: Sync a Pulp container repository from its upstream registry
version_added: 0.1.0
description:
  - Start a sync of a container repository from a remote, wait for it, and report the
    repository version it created.
  - Reports a change only when the sync created a new repository version, that is when the
    upstream content differed from the repository's latest version.
  - Cosign signatures, attestations and SBOMs that the upstream stores under
    C(sha256-<digest>.sig), C(.att) and C(.sbom) tags are synced as ordinary tags, byte for byte.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  repository:
    description: Name of the container repository to sync into.
    type: str
    required: true
  remote:
    description:
      - Name of the container remote to sync from. Defaults to the repository's own remote
        (see O(signed.registry.pulp_container_repository#module:remote)).
    type: str
  mirror:
    description:
      - Whether the new version holds exactly the upstream content (V(true)), or the upstream
        content added to what the repository already has (V(false)).
      - Pulp's default is V(false).
    type: bool
  signed_only:
    description:
      - Sync only images that have a signature upstream.
      - Pulp only checks that a signature B(exists) (a C(.sig) tag, or an atomic signature); it
        never checks that it is valid or made by a key you trust. Images without one are left out
        silently.
    type: bool
extends_documentation_fragment:
  - signed.registry._pulp
  - signed.registry._attributes
  - signed.registry._attributes.PULP
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
attributes:
  check_mode:
    support: partial
    details:
      - Whether the upstream has new content cannot be known without syncing, so check mode
        reports C(changed) whenever a sync would be started, and sends nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A second sync of unchanged upstream content creates no version and reports no change.
seealso:
  - module: signed.registry.pulp_container_remote
  - module: signed.registry.pulp_container_mirrors
"""

EXAMPLES = r"""
- name: Sync alpine, keeping only the tags the remote includes
  signed.registry.pulp_container_sync:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    repository: alpine
    mirror: true
    timeout: 1800
  register: sync

- name: Show what the sync added
  ansible.builtin.debug:
    var: sync.repository_version.content_summary.added
"""

RETURN = r"""
task:
  description: The href of the sync task; null in check mode.
  returned: always
  type: str
  sample: /pulp/api/v3/tasks/0190c5f5-0a1b-7c2d-8e3f-4a5b6c7d8e9f/
repository_version:
  description:
    - The repository version after the sync; the new one when the sync created one, else the
      latest one.
  returned: always
  type: dict
  contains:
    pulp_href:
      description: The href of the repository version.
      type: str
    number:
      description: The version number.
      type: int
    content_summary:
      description: Counts of content by type, C(added), C(removed) and C(present) in that version.
      type: dict
  sample:
    pulp_href: /pulp/api/v3/repositories/container/container/0190c5f4-6f1b-7a2e-8c43-2f5e0d1b7a11/versions/1/
    number: 1
    content_summary:
      added:
        container.tag:
          count: 4
          href: /pulp/api/v3/content/container/tags/?repository_version_added=...
      removed: {}
      present:
        container.tag:
          count: 4
          href: /pulp/api/v3/content/container/tags/?repository_version=...
"""

from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, PULP_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._pulp import REMOTES, REPOSITORIES, PulpError
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import (
    created_version,
    sync_body,
    version_summary,
)


def main():
    argument_spec = dict(
        repository=dict(type="str", required=True),
        remote=dict(type="str"),
        mirror=dict(type="bool"),
        signed_only=dict(type="bool"),
    )
    with ModuleRun(argument_spec, PULP_CONNECTION_SPEC) as run:
        params = run.params
        pulp = run.pulp()
        repository = pulp.find(REPOSITORIES, name=params["repository"])
        if repository is None:
            raise PulpError("Container repository %r does not exist in Pulp at %s"
                            % (params["repository"], pulp.base))
        remote_href = pulp.href_of(REMOTES, params["remote"], "Container remote") if params["remote"] else None
        if remote_href is None and not repository.get("remote"):
            raise PulpError("Container repository %r has no remote of its own: set the module's "
                            "'remote' option" % params["repository"])
        run.result["task"] = None
        if run.check_mode:
            run.result["changed"] = True
            run.result["repository_version"] = version_summary(pulp, repository["latest_version_href"])
            return
        task_href = pulp.post_action(repository["pulp_href"], "sync",
                                     sync_body(remote_href, params["mirror"], params["signed_only"]))
        run.result["task"] = task_href
        new_version = created_version(pulp.wait(task_href, what="Sync of repository %r failed" % params["repository"]))
        run.result["changed"] = new_version is not None
        run.result["repository_version"] = version_summary(
            pulp, new_version or repository["latest_version_href"])


if __name__ == "__main__":
    main()
