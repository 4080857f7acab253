#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pulp_container_promote
short_description: Publish only the images of a staging repository whose cosign signatures verify
version_added: 0.1.0
description:
  - A verified mirror. Pulp's C(signed_only) sync checks that a signature B(exists), never that
    it is valid or made by a key you trust. This module checks each image of a staging
    repository (usually synced from an upstream) with O(public_keys) or keyless O(identities), O(signed_identity) and
    O(annotations), using the verifier of M(signed.registry.cosign_verify), and makes the
    published O(repository) hold exactly the images that verify, with their signature,
    attestation and SBOM tags.
  - Images are verified as Pulp serves them, through Pulp's registry API, so the staging
    repository needs a distribution (a private one is fine).
  - For a multi-arch index, the index and every platform manifest it lists must verify.
  - Publishing uses Pulp's own C(copy_tags) and C(remove), so nothing is uploaded again.
    New tags are copied before old ones are removed, so the published repository never serves
    an empty or partial set in between.
  - Reports a change only when the published repository got a new version.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  source_repository:
    description: Name of the staging container repository whose latest version is checked.
    type: str
    required: true
  repository:
    description: Name of the published container repository. Created when it does not exist.
    type: str
    required: true
  base_path:
    description:
      - When set, a distribution named after O(repository) serves it at this path (created or
        updated as M(signed.registry.pulp_container_distribution) would).
    type: str
  sync:
    description:
      - Sync the staging repository from its own remote (C(mirror=true)) before verifying.
    type: bool
    default: false
  tags:
    description:
      - Globs of the tags to consider. Cosign companion tags (C(sha256-<digest>.sig), C(.att),
        C(.sbom)) are never images of their own; they follow the images they belong to.
    type: list
    elements: str
    default: ['*']
  public_keys:
    description:
      - Public keys (PEM), each a path or the PEM text; a signature by any one of them is accepted.
      - An upstream that signs keyless is trusted through O(identities) instead (or as well); with O(resign),
        pulling hosts then need only the one key of the re-signature.
    type: list
    elements: str
  annotations:
    description: Claims each accepted signature must carry in its payload.
    type: dict
    default: {}
  resign:
    description:
      - Sign every published image (and each platform manifest of a multi-arch one) again with
        the organisation's key, through Pulp's registry, as M(signed.registry.cosign_sign) does.
        Pulling hosts then trust one key, and their identity rule can name the published
        repository (the default identity) instead of each upstream repository.
      - The upstream signatures stay beside the new one.
    type: dict
    suboptions:
      key:
        description: The private key, a path or PEM text (see M(signed.registry.cosign_sign)).
        type: str
        required: true
      passphrase:
        description: Passphrase of O(resign.key).
        type: str
        default: ""
      identity:
        description:
          - The C(docker-reference) to claim. Defaults to the published repository as reached through
            O(pulp_url) (C(host[:port]/base_path)); set it when clients pull through another host name.
        type: str
      annotations:
        description: Claims added to the payload.
        type: dict
        default: {}
extends_documentation_fragment:
  - signed.registry._keyless
  - signed.registry._identity
  - signed.registry._pulp
  - signed.registry._attributes
  - signed.registry._attributes.PULP
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.CRYPTOGRAPHY
  - signed.registry._requirements.PYNACL
attributes:
  check_mode:
    support: full
    details:
      - Verifies, and reports what would be published, without writing. With O(sync=true) the
        staging repository is not synced in check mode.
  diff_mode:
    support: full
  idempotent:
    support: full
seealso:
  - module: signed.registry.cosign_verify
  - module: signed.registry.pulp_container_mirrors
"""

EXAMPLES = r"""
- name: Mirror upstream into a private staging repository
  signed.registry.pulp_container_mirrors:
    mirrors:
      - name: app-staging
        url: https://registry.vendor.example
        upstream_name: vendor/app
        base_path: staging/app
        private: true

- name: Publish only what the vendor's key signed
  signed.registry.pulp_container_promote:
    source_repository: app-staging
    repository: app
    base_path: vendor/app
    public_keys: ["{{ lookup('file', 'vendor-cosign.pub') }}"]
    signed_identity:
      type: exactRepository
      docker_repository: registry.vendor.example/vendor/app
  register: promoted

- name: What was left out, and why
  ansible.builtin.debug:
    msg: "{{ promoted.images | rejectattr('verified') | map(attribute='reason') }}"
"""

RETURN = r"""
images:
  description: One entry per image tag of the staging version that matched O(tags).
  returned: always
  type: list
  elements: dict
  contains:
    tag:
      description: The tag.
      type: str
    digest:
      description: The manifest digest it names.
      type: str
    platforms:
      description: Digests of the platform manifests, for a multi-arch index.
      type: list
      elements: str
    verified:
      description: Whether the image (and every platform manifest) has an accepted signature.
      type: bool
    published:
      description: Whether the published repository serves it after the run (as it would, in check mode).
      type: bool
    reason:
      description: Why it was not verified; null when it was.
      type: str
  sample:
    - {tag: v1, digest: "sha256:b80b642374addff8feffae9f6ad9c76d4cc89fee49a3ab65450605d6b3f970f0", platforms: [],
       verified: true, published: true, reason: null}
    - {tag: v3, digest: "sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85", platforms: [],
       verified: false, published: false, reason: no signatures found}
copied:
  description: Tags copied from the staging version (images and companion tags).
  returned: always
  type: list
  elements: str
  sample: ["v1", "v2", "sha256-1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85.sig"]
removed:
  description: Tags removed from the published repository.
  returned: always
  type: list
  elements: str
  sample: ["v0"]
repository_version:
  description: The published repository's latest version after the run (href and number); null in check mode for a new repository.
  returned: always
  type: dict
  sample:
    pulp_href: /pulp/api/v3/repositories/container/container/0190c5f4-6f1b-7a2e-8c43-2f5e0d1b7a11/versions/3/
    number: 3
resigned:
  description: Digests that got a signature by O(resign.key) in this run.
  returned: when O(resign) is set
  type: list
  elements: str
  sample: ["sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85"]
"""

from ansible_collections.signed.registry.plugins.module_utils._cosign import load_signing_key
from ansible_collections.signed.registry.plugins.module_utils._files import path_or_content
from ansible_collections.signed.registry.plugins.module_utils._identity import IDENTITY_ARGUMENT_SPEC
from ansible_collections.signed.registry.plugins.module_utils._keyless import IDENTITY_SPEC
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, PULP_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._promotion import (
    PromotionError,
    VersionContent,
    publication_plan,
    verify_tags,
)
from ansible_collections.signed.registry.plugins.module_utils._pulp import DISTRIBUTIONS, REPOSITORIES, ensure
from ansible_collections.signed.registry.plugins.module_utils._signatures import Signer
from ansible_collections.signed.registry.plugins.module_utils._verification import Trust
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import (
    distribution_state,
    pulp_registry,
    version_summary,
)


def staging_registry(run, pulp, staging):
    """A registry client for Pulp's own /v2/, and the path the staging repository is served at."""
    served = pulp.list(DISTRIBUTIONS, repository=staging["pulp_href"])
    if not served:
        raise PromotionError("container repository %r has no distribution, so its images cannot be verified "
                             "through the registry: give it one (private: true is fine)" % staging["name"])
    registry, _host = pulp_registry(pulp, run.params["pulp_url"], run.params["username"], run.params["password"])
    return registry, served[0]["base_path"]


def main():
    argument_spec = dict(
        source_repository=dict(type="str", required=True),
        repository=dict(type="str", required=True),
        base_path=dict(type="str"),
        sync=dict(type="bool", default=False),
        tags=dict(type="list", elements="str", default=["*"]),
        public_keys=dict(type="list", elements="str", no_log=False),
        identities=dict(type="list", elements="dict", options=IDENTITY_SPEC),
        trusted_root=dict(type="str"),
        signed_identity=dict(type="dict", options=IDENTITY_ARGUMENT_SPEC),
        annotations=dict(type="dict", default={}),
        resign=dict(type="dict", options=dict(
            key=dict(type="str", required=True, no_log=True),
            passphrase=dict(type="str", default="", no_log=True),
            identity=dict(type="str"),
            annotations=dict(type="dict", default={}),
        )),
    )
    with ModuleRun(argument_spec, PULP_CONNECTION_SPEC, requires=("requests", "cryptography", "PyNaCl"), secret_keys=("key", "passphrase"),
                   required_by={"resign": "base_path"}) as run:
        params = run.params
        trust = Trust.from_options(params["public_keys"], params["signed_identity"], params["annotations"],
                                   params["identities"], params["trusted_root"])
        signer = None
        if params["resign"]:
            signer = Signer(load_signing_key(path_or_content(params["resign"]["key"], "resign.key"),
                                             params["resign"]["passphrase"], "resign.key"), check_mode=run.check_mode)
        pulp = run.pulp()
        staging = pulp.find(REPOSITORIES, name=params["source_repository"])
        if staging is None:
            raise PromotionError("container repository %r does not exist" % params["source_repository"])
        if params["sync"] and not run.check_mode:
            if not staging.get("remote"):
                raise PromotionError("sync=true, but repository %r has no remote of its own" % staging["name"])
            pulp.wait(pulp.post_action(staging["pulp_href"], "sync", {"mirror": True}),
                      what="Sync of repository %r failed" % staging["name"])
            staging = pulp.get(staging["pulp_href"])
        registry, staging_path = staging_registry(run, pulp, staging)
        content = VersionContent(pulp, staging["latest_version_href"])
        images = verify_tags(registry, staging_path, content, content.image_tags(params["tags"]), trust)

        published_outcome = ensure(pulp, REPOSITORIES, {"name": params["repository"]}, {}, check_mode=run.check_mode)
        published = published_outcome.obj
        current = VersionContent(pulp, published.get("latest_version_href"))
        to_copy, to_remove = publication_plan(content, current, [i for i in images if i["verified"]],
                                              keep_signature_tags=signer is not None)
        if not run.check_mode:
            if to_copy:
                pulp.wait(pulp.post_action(published["pulp_href"], "copy_tags", {
                    "source_repository_version": content.version_href, "names": to_copy}),
                    what="Copying verified tags into %r failed" % params["repository"])
            if to_remove:
                pulp.wait(pulp.post_action(published["pulp_href"], "remove", {"content_units": to_remove}),
                          what="Removing unverified tags from %r failed" % params["repository"])
            published = pulp.get(published["pulp_href"])
        run.result["changed"] = bool(to_copy or to_remove) or published_outcome.changed
        removed_names = sorted(name for name, info in current.tags.items() if info["href"] in to_remove)
        for image in images:
            image["published"] = image["verified"]
        run.result.update(images=images, copied=to_copy, removed=removed_names,
                          repository_version=version_summary(pulp, published.get("latest_version_href"))
                          if published.get("latest_version_href") else None)
        before = sorted(current.tags)
        after = sorted((set(before) - set(removed_names)) | set(to_copy))
        run.diff({"published_tags": before}, {"published_tags": after})
        if params["base_path"]:
            outcome = ensure(pulp, DISTRIBUTIONS, {"name": params["repository"]},
                             distribution_state(pulp, {"base_path": params["base_path"]},
                                                published.get("pulp_href") or "<new repository>"),
                             check_mode=run.check_mode)
            run.result["changed"] = run.result["changed"] or outcome.changed
            run.result["registry_path"] = (outcome.obj or {}).get("registry_path")
        if signer is not None:
            run.result["resigned"] = resign(run, registry, signer, params, images)
            run.result["changed"] = run.result["changed"] or bool(run.result["resigned"])


def resign(run, registry, signer, params, images):
    """Sign each published manifest with the organisation's key; the digests that got a signature."""
    repository = params["base_path"]
    identity = params["resign"]["identity"] or "%s/%s" % (registry.host, repository)
    annotations = dict((str(k), str(v)) for k, v in params["resign"]["annotations"].items())
    signed = []
    for image in images:
        if not image["verified"]:
            continue
        for digest in [image["digest"]] + image["platforms"]:
            if run.check_mode and not registry.resolve(repository, digest):
                signed.append(digest)
            elif signer.sign(registry, repository, digest, identity, annotations):
                signed.append(digest)
    return signed


if __name__ == "__main__":
    main()
