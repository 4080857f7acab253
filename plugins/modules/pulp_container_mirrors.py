#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pulp_container_mirrors
short_description: Declare many Pulp container mirrors (remote, repository, distribution, sync) in one task
version_added: 0.1.0
description:
  - Makes, for each entry of O(mirrors), a container remote, a container repository that uses
    it and a distribution that serves it, all named after the entry, match the entry; then
    syncs them all (every sync is started first, then the module waits for all of them).
  - One login and one lookup per kind of object for the whole list, so a run over many
    unchanged mirrors costs a handful of requests.
  - Options mean what they mean in M(signed.registry.pulp_container_remote),
    M(signed.registry.pulp_container_repository), M(signed.registry.pulp_container_distribution)
    and M(signed.registry.pulp_container_sync).
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  mirrors:
    description: The mirrors to manage. Mirrors not listed are left alone.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the mirror's remote, repository and distribution.
        type: str
        required: true
      state:
        description: Whether the mirror's remote, repository and distribution exist.
        type: str
        choices: [present, absent]
        default: present
      url:
        description: URL of the upstream registry. Required when O(mirrors[].state=present).
        type: str
      upstream_name:
        description: Repository name on the upstream registry. Required when O(mirrors[].state=present).
        type: str
      includes:
        description: Tags to sync, as globs; their cosign signature, attestation and SBOM tags come along.
        type: list
        elements: str
      excludes:
        description: Tags not to sync, as globs.
        type: list
        elements: str
      policy:
        description: When Pulp downloads the content.
        type: str
        choices: [immediate, on_demand, streamed]
      sigstore:
        description: URL of a lookaside store of atomic (GPG) signatures; not cosign.
        type: str
      tls_validation:
        description: Whether Pulp verifies the TLS certificate of O(mirrors[].url).
        type: bool
      remote_ca_cert:
        description: PEM text of the CA certificates Pulp uses to verify O(mirrors[].url).
        type: str
      client_cert:
        description: PEM text of the client certificate Pulp presents upstream.
        type: str
      client_key:
        description: PEM text of the private key of O(mirrors[].client_cert); write-only, see O(update_password).
        type: str
      remote_username:
        description: User name Pulp logs in upstream with; write-only, see O(update_password).
        type: str
      remote_password:
        description: Password Pulp logs in upstream with; write-only, see O(update_password).
        type: str
      proxy_url:
        description: URL of an HTTP(S) proxy Pulp goes through.
        type: str
      proxy_username:
        description: User name for O(mirrors[].proxy_url); write-only, see O(update_password).
        type: str
      proxy_password:
        description: Password for O(mirrors[].proxy_url); write-only, see O(update_password).
        type: str
      download_concurrency:
        description: How many downloads Pulp runs at once for this remote.
        type: int
      max_retries:
        description: How many times Pulp retries a failed download.
        type: int
      rate_limit:
        description: Requests per second Pulp sends upstream; V(0) means no limit.
        type: int
      total_timeout:
        description: Seconds a whole download may take.
        type: float
      connect_timeout:
        description: Seconds to get a connection from the pool.
        type: float
      sock_connect_timeout:
        description: Seconds to connect upstream.
        type: float
      sock_read_timeout:
        description: Seconds to wait for data from upstream.
        type: float
      headers:
        description: Extra HTTP headers Pulp sends upstream, as a list of one-key dicts.
        type: list
        elements: dict
      pulp_labels:
        description: Key-value labels set on the remote, the repository and the distribution.
        type: dict
      description:
        description: Description of the repository and the distribution.
        type: str
      retain_repo_versions:
        description: How many repository versions Pulp keeps; V(0) keeps all.
        type: int
      base_path:
        description: Path on the registry. Defaults to O(mirrors[].name).
        type: str
      private:
        description: Whether only users allowed to pull from the distribution can pull.
        type: bool
      mirror:
        description: Whether a sync makes the repository hold exactly the upstream content.
        type: bool
      signed_only:
        description:
          - Sync only images that have a signature upstream. Pulp checks that one exists, never
            that it is valid.
        type: bool
  sync:
    description: Whether to sync the mirrors that are present after making them match.
    type: bool
    default: true
  update_password:
    description:
      - When to send the write-only remote values, which Pulp never shows. V(on_create) sends
        each one only when Pulp has none set; V(always) on every run.
    type: str
    choices: [always, on_create]
    default: on_create
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
      - Whether a sync would bring new content cannot be known without syncing, so with
        O(sync=true) check mode reports a change for every present mirror.
  diff_mode:
    support: full
  idempotent:
    support: full
seealso:
  - module: signed.registry.pulp_container_remote
  - module: signed.registry.pulp_container_repository
  - module: signed.registry.pulp_container_distribution
  - module: signed.registry.pulp_container_sync
"""

EXAMPLES = r"""
- name: Mirror two upstream repositories and their cosign signatures
  signed.registry.pulp_container_mirrors:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    mirrors:
      - name: alpine
        url: https://registry-1.docker.io
        upstream_name: library/alpine
        includes: ["3.21"]
        base_path: library/alpine
      - name: app
        url: https://registry.internal.example.com
        upstream_name: team/app
        remote_username: robot
        remote_password: "{{ upstream_token }}"
        signed_only: true
  register: mirrors

- name: Where to pull them from
  ansible.builtin.debug:
    msg: "{{ mirrors.mirrors | map(attribute='registry_path') }}"
"""

RETURN = r"""
mirrors:
  description: One entry per mirror, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The mirror's name.
      type: str
    state:
      description: The mirror's O(mirrors[].state).
      type: str
    changed:
      description: Whether anything of this mirror changed (including a sync that created a version).
      type: bool
    remote:
      description: The remote as Pulp shows it; null when absent.
      type: dict
    repository:
      description: The repository as Pulp shows it; null when absent.
      type: dict
    distribution:
      description: The distribution as Pulp shows it; null when absent.
      type: dict
    registry_path:
      description: Where clients pull the mirror from.
      type: str
    sync:
      description:
        - The sync of this mirror, when one ran; C(task), C(changed) and the resulting
          C(repository_version) as M(signed.registry.pulp_container_sync) returns it, or C(error).
      type: dict
  sample:
    - name: alpine
      state: present
      changed: true
      registry_path: pulp.example.com/library/alpine
      sync:
        changed: true
        task: /pulp/api/v3/tasks/0190c5f5-0a1b-7c2d-8e3f-4a5b6c7d8e9f/
        repository_version: {number: 1, pulp_href: "/pulp/api/v3/repositories/container/container/.../versions/1/"}
"""

import copy

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, PULP_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._pulp import (
    DISTRIBUTIONS,
    REMOTES,
    REPOSITORIES,
    PulpError,
    ensure,
    public,
    task_failure_message,
)
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import (
    REMOTE_ARGUMENT_SPEC,
    REMOTE_SECRETS,
    created_version,
    distribution_state,
    remote_state,
    repository_state,
    sync_body,
    version_summary,
)

UNORDERED = ("includes", "excludes", "include_tags", "exclude_tags")
PLACEHOLDER = "<%s %s, created by this run>"


def mirror_spec():
    spec = copy.deepcopy(REMOTE_ARGUMENT_SPEC)
    del spec["update_password"]
    spec.update(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        retain_repo_versions=dict(type="int"),
        base_path=dict(type="str"),
        private=dict(type="bool"),
        mirror=dict(type="bool"),
        signed_only=dict(type="bool"),
    )
    return spec


def check_mirrors(mirrors):
    names = [m["name"] for m in mirrors]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    if duplicates:
        raise InvalidInput("mirrors: each name may appear once, these appear more often: %s" % ", ".join(duplicates))
    for index, mirror in enumerate(mirrors):
        if mirror["state"] == "present":
            missing = [o for o in ("url", "upstream_name") if not mirror.get(o)]
            if missing:
                raise InvalidInput("mirrors[%d] (%s) is present but misses %s" % (index, mirror["name"], ", ".join(missing)))
        if mirror.get("base_path") is None:
            mirror["base_path"] = mirror["name"]


class Mirrors:
    """Brings each mirror's three objects to their desired state from one batched lookup."""

    def __init__(self, pulp, params, check_mode):
        self.pulp = pulp
        self.check_mode = check_mode
        self.update_password = params["update_password"]
        names = [m["name"] for m in params["mirrors"]]
        self.current = dict((endpoint, pulp.find_many(endpoint, names))
                            for endpoint in (REMOTES, REPOSITORIES, DISTRIBUTIONS))

    def _ensure(self, endpoint, mirror, desired, write_only=None):
        return ensure(self.pulp, endpoint, {"name": mirror["name"]}, desired, state=mirror["state"],
                      write_only=write_only, update_password=self.update_password, unordered=UNORDERED,
                      check_mode=self.check_mode, current=self.current[endpoint].get(mirror["name"]),
                      lookup=False)

    def plan(self, index, mirror):
        """Desired remote fields, built first so that bad input fails before any write."""
        if mirror["state"] == "absent":
            return {}, {}
        return remote_state(self.pulp, mirror, self.current[REMOTES].get(mirror["name"]),
                            prefix="mirrors[%d]." % index)

    def converge(self, mirror, remote_plan):
        name = mirror["name"]
        present = mirror["state"] == "present"
        outcomes = {}
        if present:
            outcomes["remote"] = self._ensure(REMOTES, mirror, *remote_plan)
            remote_href = _href(outcomes["remote"], "remote", name)
            outcomes["repository"] = self._ensure(
                REPOSITORIES, mirror, repository_state(self.pulp, mirror, remote_href=remote_href))
            repository_href = _href(outcomes["repository"], "repository", name)
            outcomes["distribution"] = self._ensure(
                DISTRIBUTIONS, mirror, distribution_state(self.pulp, mirror, repository_href))
        else:
            # Dependents first: Pulp refuses to delete a remote a repository still names.
            for key, endpoint in (("distribution", DISTRIBUTIONS), ("repository", REPOSITORIES), ("remote", REMOTES)):
                outcomes[key] = self._ensure(endpoint, mirror, {})
        return outcomes


def _href(outcome, what, name):
    if outcome.obj and outcome.obj.get("pulp_href"):
        return outcome.obj["pulp_href"]
    return PLACEHOLDER % (what, name)


def sync_all(pulp, mirrors, results, check_mode):
    """Start every sync, then wait for all; a failed sync is reported on its mirror."""
    started = []
    for mirror, result in zip(mirrors, results):
        if mirror["state"] != "present":
            continue
        repository = result["repository"]
        if check_mode:
            result["sync"] = {"task": None, "changed": True,
                              "repository_version": version_summary(pulp, repository.get("latest_version_href"))
                              if repository.get("latest_version_href") else None}
            result["changed"] = True
            continue
        body = sync_body(None, mirror.get("mirror"), mirror.get("signed_only"))
        started.append((result, repository, pulp.post_action(repository["pulp_href"], "sync", body)))
    tasks = pulp.wait_all([entry[2] for entry in started], raise_on_failure=False) if started else []
    failures = []
    for (result, repository, task_href), task in zip(started, tasks):
        if task.get("state") != "completed":
            result["sync"] = {"task": task_href, "changed": False, "error": task_failure_message(task)}
            failures.append("%s: %s" % (result["name"], result["sync"]["error"]))
            continue
        new_version = created_version(task)
        result["sync"] = {"task": task_href, "changed": new_version is not None,
                          "repository_version": version_summary(pulp, new_version or repository["latest_version_href"])}
        result["changed"] = result["changed"] or new_version is not None
    return failures


def main():
    argument_spec = dict(
        mirrors=dict(type="list", elements="dict", required=True, options=mirror_spec()),
        sync=dict(type="bool", default=True),
        update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
    )
    with ModuleRun(argument_spec, PULP_CONNECTION_SPEC, secret_keys=REMOTE_SECRETS) as run:
        params = run.params
        check_mirrors(params["mirrors"])
        pulp = run.pulp()
        mirrors = Mirrors(pulp, params, run.check_mode)
        plans = [mirrors.plan(i, m) for i, m in enumerate(params["mirrors"])]
        results = []
        for mirror, plan in zip(params["mirrors"], plans):
            outcomes = mirrors.converge(mirror, plan)
            result = {"name": mirror["name"], "state": mirror["state"],
                      "changed": any(o.changed for o in outcomes.values())}
            for key, outcome in outcomes.items():
                result[key] = public(outcome.obj, REMOTE_SECRETS)
            if mirror["state"] == "present":
                result["registry_path"] = (result["distribution"] or {}).get("registry_path")
            results.append(result)
            run.diff(dict((k, o.before) for k, o in outcomes.items() if o.before),
                     dict((k, o.after) for k, o in outcomes.items() if o.after), name=mirror["name"])
        failures = sync_all(pulp, params["mirrors"], results, run.check_mode) if params["sync"] else []
        run.result["mirrors"] = results
        run.result["changed"] = any(r["changed"] for r in results)
        if failures:
            raise PulpError("%d of %d syncs failed: %s" % (len(failures), len(results), "; ".join(failures)),
                            mirrors=results)


if __name__ == "__main__":
    main()
