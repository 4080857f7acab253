#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pulp_container_sign
short_description: Sign a Pulp container repository's tags with a Pulp signing service
version_added: 0.1.0
description:
  - Has Pulp sign the images of a container repository with a registered container signing service
    (C(pulpcore-manager add-signing-service ... --class container:ManifestSigningService); the
    C(signed.registry.pulp_registry) role registers one). Pulp writes atomic (GPG simple-signing)
    signatures into a new repository version and serves them through the signatures extension API,
    where C(signedBy) policies (podman, skopeo, CRI-O) and M(signed.registry.atomic_verify) read them.
  - Each signature names C(<host>/<base path>:<tag>), where C(<host>) is the host and port of
    O(pulp_url) (Pulp takes it from the request) and the base path is that of the one distribution
    serving the repository, or O(future_base_path). Clients must pull by that name, so call the module
    with the URL clients use for the registry.
  - Idempotent. A tag counts as signed when the repository's latest version holds a signature by the
    service's key for the tag's manifest (and for every platform manifest of a multi-arch tag). Where a
    distribution serves the repository at that base path, the signature must also verify with the
    service's public key and name C(<host>/<base path>:<tag>), so moving the distribution, or another
    O(pulp_url) host, signs again. Only tags not signed that way are sent to Pulp, in one task.
  - For cosign signatures, made with your own key and pushed to any registry, use
    M(signed.registry.cosign_sign).
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  repository:
    description: Name of the container repository whose tags to sign.
    type: str
    required: true
  signing_service:
    description:
      - Name of the container signing service to sign with.
      - Defaults to the repository's own (see
        O(signed.registry.pulp_container_repository#module:manifest_signing_service)).
    type: str
  tags:
    description:
      - Tags to sign. Every tag must be in the repository's latest version.
      - Default is every tag except cosign's companion tags (C(sha256-<hex>.sig), C(.att), C(.sbom)).
    type: list
    elements: str
    aliases: [tags_list]
  future_base_path:
    description:
      - The base path clients will pull from, named in the signatures, for a repository that is served
        by no distribution yet, or by several.
      - Not needed where one distribution serves the repository; Pulp then signs for that
        distribution's path, and the module refuses any other.
    type: str
extends_documentation_fragment:
  - signed.registry._pulp
  - signed.registry._attributes
  - signed.registry._attributes.PULP
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.PYSEQUOIA
attributes:
  check_mode:
    support: full
    details:
      - Reports the tags that would be signed and sends nothing.
  diff_mode:
    support: full
    details:
      - Shows the signed tags before and after.
  idempotent:
    support: full
seealso:
  - module: signed.registry.atomic_verify
  - module: signed.registry.pulp_container_repository
"""

EXAMPLES = r"""
- name: Sign the synced tags of vendor/app for where they are served
  signed.registry.pulp_container_sign:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    repository: vendor-app
    signing_service: container-signing
    tags: ["2.0", "2.1"]

- name: Sign a repository before it is distributed
  signed.registry.pulp_container_sign:
    pulp_url: https://pulp.example.com
    username: admin
    password: "{{ pulp_admin_password }}"
    repository: staging-app
    signing_service: container-signing
    future_base_path: releases/app
  register: signed

- name: Show what each signature names
  ansible.builtin.debug:
    var: signed.docker_references
"""

RETURN = r"""
signing_service:
  description: The signing service used, with the fingerprint of its key.
  returned: always
  type: dict
  sample: {name: container-signing, fingerprint: 5A2989075FF278A35A3151E93052787D08325666}
base_path:
  description: The base path the signatures name.
  returned: always
  type: str
  sample: releases/app
docker_references:
  description: Per tag asked for, the reference its signature names.
  returned: always
  type: dict
  sample: {"2.0": "pulp.example.com/releases/app:2.0"}
signed:
  description: The tags this run signed (in check mode, would sign).
  returned: always
  type: list
  elements: str
  sample: ["2.1"]
already_signed:
  description: The tags that had a signature by the service's key already.
  returned: always
  type: list
  elements: str
  sample: ["2.0"]
task:
  description: The href of the signing task; null when nothing was signed or in check mode.
  returned: always
  type: str
  sample: /pulp/api/v3/tasks/0190c5f7-2a4d-7f10-9b8e-5c1d2e3f4a5b/
repository_version:
  description: The repository version holding the signatures (the new one when the run signed).
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
    pulp_href: /pulp/api/v3/repositories/container/container/0190c5f4-6f1b-7a2e-8c43-2f5e0d1b7a11/versions/2/
    number: 2
    content_summary:
      added:
        container.signature:
          count: 2
      removed: {}
      present:
        container.signature:
          count: 2
        container.tag:
          count: 2
"""

from ansible_collections.signed.registry.plugins.module_utils._atomic import (
    HAS_PYSEQUOIA,
    PYSEQUOIA_IMPORT_ERROR,
    check_signature,
    extension_signatures,
    load_gpg_keys,
)
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, PULP_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._oci import Registry
from ansible_collections.signed.registry.plugins.module_utils._parallel import parallel_map
from ansible_collections.signed.registry.plugins.module_utils._promotion import VersionContent
from ansible_collections.signed.registry.plugins.module_utils._pulp import DISTRIBUTIONS, REPOSITORIES, PulpError
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import (
    created_version,
    request_host,
    signable_tags,
    signed_by,
    signing_base_path,
    signing_service,
    version_summary,
)
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference


def all_signed(manifest, signed_hrefs):
    """Whether a tag's manifest, and every platform manifest it lists, has a signature."""
    return all(href in signed_hrefs for href in [manifest.get("pulp_href")] + (manifest.get("listed_manifests") or []))


def serves_identity(registry, base_path, digest, reference, certs):
    """Whether the registry serves a signature of ``digest`` by ``certs`` naming ``reference``."""
    for _name, blob, problem in extension_signatures(registry, base_path, digest):
        if problem:
            continue
        verdict = check_signature(blob, certs, digest, parse_reference(reference))
        if verdict["accepted"] and verdict["claims"]["docker_reference"] == reference:
            return True
    return False


def main():
    argument_spec = dict(
        repository=dict(type="str", required=True),
        signing_service=dict(type="str"),
        tags=dict(type="list", elements="str", aliases=["tags_list"]),
        future_base_path=dict(type="str"),
    )
    with ModuleRun(argument_spec, PULP_CONNECTION_SPEC, secret_keys=("password",),
                   libraries=(("pysequoia", HAS_PYSEQUOIA, PYSEQUOIA_IMPORT_ERROR),)) as run:
        params = run.params
        pulp = run.pulp()
        repository = pulp.find(REPOSITORIES, name=params["repository"])
        if repository is None:
            raise PulpError("Container repository %r does not exist in Pulp at %s" % (params["repository"], pulp.base))
        service = signing_service(pulp, params["signing_service"], repository)
        fingerprint = service["pubkey_fingerprint"].upper()
        distributions = pulp.list(DISTRIBUTIONS, repository=repository["pulp_href"])
        base_path, send_base_path = signing_base_path(params["repository"], distributions, params["future_base_path"])
        host = request_host(pulp.base)

        version_href = repository["latest_version_href"]
        content = VersionContent(pulp, version_href)
        tags = signable_tags(content.tags, params["tags"])
        references = dict((tag, "%s/%s:%s" % (host, base_path, tag)) for tag in tags)
        have = signed_by(pulp, version_href, fingerprint) if tags else set()
        already = [tag for tag in tags if all_signed(content.tags[tag]["manifest"], have)]
        if already and any(d["base_path"] == base_path for d in distributions):
            registry = Registry(run.http(), host, params["username"], params["password"],
                                plain_http=pulp.base.startswith("http://"))
            certs = load_gpg_keys([service["public_key"]],
                                  option="the public key of signing service %r" % service["name"])
            served = parallel_map(lambda tag: serves_identity(registry, base_path, content.tags[tag]["digest"],
                                                              references[tag], certs), already)
            already = [tag for tag, ok in zip(already, served) if ok]
        to_sign = [tag for tag in tags if tag not in already]

        run.result.update(signing_service={"name": service["name"], "fingerprint": fingerprint}, base_path=base_path,
                          docker_references=references, signed=to_sign, already_signed=already, task=None,
                          changed=bool(to_sign))
        run.diff({"signed_tags": already}, {"signed_tags": sorted(tags)})
        new_version = None
        if to_sign and not run.check_mode:
            body = {"manifest_signing_service": service["pulp_href"], "tags_list": to_sign}
            if send_base_path:
                body["future_base_path"] = base_path
            run.result["task"] = pulp.post_action(repository["pulp_href"], "sign", body)
            task = pulp.wait(run.result["task"], what="Signing repository %r failed" % params["repository"])
            new_version = created_version(task)
        run.result["repository_version"] = version_summary(pulp, new_version or version_href)


if __name__ == "__main__":
    main()
