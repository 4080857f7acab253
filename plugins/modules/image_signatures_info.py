#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: image_signatures_info
short_description: List the signatures, attestations, SBOMs and referrers attached to container images
version_added: 0.1.0
description:
  - Like C(cosign tree), without verifying anything. For each image, the layers of its cosign
    C(sha256-<digest>.sig), C(.att) and C(.sbom) images, and the manifests that name it as their
    subject (OCI 1.1 referrers, from the referrers API or the C(sha256-<digest>) referrers tag),
    with their types and digests.
  - Atomic (GPG simple-signing) signatures too, from the registry's signatures extension API
    (Pulp serves it) and from O(lookaside) when given.
  - Use M(signed.registry.cosign_verify), M(signed.registry.atomic_verify) and M(signed.registry.cosign_verify_attestation) to
    decide anything from them.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  images:
    description: Images to look at, by tag or digest.
    type: list
    elements: str
    required: true
  lookaside:
    description:
      - A lookaside store of atomic signatures to list too (C(file://), C(http://) or C(https://);
        C(<lookaside>/<repository>@sha256=<hex>/signature-<n>), as containers/image reads it).
    type: str
extends_documentation_fragment:
  - signed.registry._registry
  - signed.registry._registry.ACTION_GROUP
  - signed.registry._attributes
  - signed.registry._attributes.INFO
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
seealso:
  - module: signed.registry.cosign_verify
  - module: signed.registry.cosign_verify_attestation
  - module: signed.registry.atomic_verify
  - name: cosign tree
    description: The cosign command this module answers like, without cosign.
    link: https://github.com/sigstore/cosign/blob/main/doc/cosign_tree.md
"""

EXAMPLES = r"""
- name: What is attached to the release
  signed.registry.image_signatures_info:
    images: [registry.example.com/team/app:2.0]
  register: attached

- name: Count its signatures
  ansible.builtin.debug:
    msg: "{{ attached.images[0].signatures | length }} legacy signatures, {{ attached.images[0].referrers | length }} referrers"
"""

RETURN = r"""
images:
  description: One entry per image.
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: The image as given.
      type: str
    digest:
      description: Its digest; null when the image does not exist.
      type: str
    signatures:
      description:
        - Layers of the C(.sig) image (C(tag), C(digest), C(media_type), C(size)).
        - C(keyless) is null for a signature made with a key; for a keyless one it says, unverified, what its
          certificate and Rekor bundle claim (C(subjects), C(issuer), C(integrated_time), C(log_index), and
          C(github) workflow facts when the certificate has them). M(signed.registry.cosign_verify) with
          O(signed.registry.cosign_verify#module:identities) checks them.
      type: list
      elements: dict
    attestations:
      description: Layers of the C(.att) image, with C(predicate_type).
      type: list
      elements: dict
    sboms:
      description: Layers of the C(.sbom) image (cosign's deprecated C(attach sbom)).
      type: list
      elements: dict
    atomic:
      description:
        - Atomic (GPG) signatures, unverified, each with C(format) (V(atomic)), C(source) (V(extension)
          or V(lookaside)), C(name) (the registry's name or the lookaside URL), C(size) and C(digest)
          of the signature blob.
      type: list
      elements: dict
    referrers:
      description:
        - Manifests whose subject is the image (C(digest), C(artifact_type), C(predicate_type), C(layers)).
        - C(keyless) says, unverified, what the certificate of a keyless sigstore bundle claims (the same
          fields as for signatures); null for a referrer without a bundle or a bundle signed with a key.
      type: list
      elements: dict
  sample:
    - image: registry.example.com/team/app:2.0
      digest: sha256:1f96e68bc1b2ac78a9c8d6e6e072d115f5cc7f83f5a5ba60343ac6370c44ae25
      signatures:
        - {format: legacy, tag: "sha256-1f96e68bc1b2ac78a9c8d6e6e072d115f5cc7f83f5a5ba60343ac6370c44ae25.sig",
           media_type: application/vnd.dev.cosign.simplesigning.v1+json, size: 243, predicate_type: null,
           digest: "sha256:baed8f1e371802360f663c27967dbcfae27f0f11bf46cb0084df4133b36439c4", keyless: null}
        - {format: legacy, tag: "sha256-1f96e68bc1b2ac78a9c8d6e6e072d115f5cc7f83f5a5ba60343ac6370c44ae25.sig",
           media_type: application/vnd.dev.cosign.simplesigning.v1+json, size: 243, predicate_type: null,
           digest: "sha256:5e36751abd809ac13bfefdb064c24cc3e1e078e152ddb414970715e70eaf69e5",
           keyless: {subjects: [release@example.com], issuer: "https://accounts.google.com",
                     integrated_time: "2026-11-02T09:14:07Z", log_index: 512345678}}
      attestations: []
      sboms: []
      atomic: []
      referrers:
        - {digest: "sha256:42e4991b4254f013b4a402b3e795a94e16a352280f0cb09d2848e106cb6ae14a",
           artifact_type: application/vnd.dev.sigstore.bundle.v0.3+json,
           predicate_type: "https://sigstore.dev/cosign/sign/v1", layers: []}
"""

from ansible_collections.signed.registry.plugins.module_utils._atomic import check_lookaside, collect, describe
from ansible_collections.signed.registry.plugins.module_utils._attestations import attached
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, REGISTRY_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._parallel import parallel_map
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference


def describe_image(run, http, text, lookaside):
    ref = parse_reference(text, default_tag="latest")
    registry = run.registry(ref.api_host)
    digest = registry.resolve(ref.repository, ref.digest or ref.tag)
    entry = {"image": text, "digest": digest}
    entry.update(attached(registry, ref.repository, digest) if digest else
                 {"signatures": [], "attestations": [], "sboms": [], "referrers": []})
    entry["atomic"] = [describe(e) for e in collect(registry, http, ref.repository, digest, lookaside)] if digest else []
    return entry


def main():
    argument_spec = dict(images=dict(type="list", elements="str", required=True), lookaside=dict(type="str"))
    with ModuleRun(argument_spec, REGISTRY_CONNECTION_SPEC, secret_keys=("registry_password",)) as run:
        lookaside = check_lookaside(run.params["lookaside"]) if run.params["lookaside"] else None
        http = run.http() if lookaside and not lookaside.startswith("file://") else None
        images = run.params["images"]
        # Every reference is parsed (a bad one fails the task before any request) and every
        # registry client made before the threads start: they share them.
        run.references(images, default_tag="latest")
        run.result["images"] = parallel_map(lambda text: describe_image(run, http, text, lookaside), images)


if __name__ == "__main__":
    main()
