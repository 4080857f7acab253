#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cosign_verify
short_description: Verify the cosign signatures of container images with public keys or keyless identities
version_added: 0.1.0
description:
  - Checks that each image carries at least one cosign signature that verifies with one of
    O(public_keys), and returns what each signature claims. Three storage formats are read
    (C(format) in the results), as cosign 2 and 3 write them.
  - V(legacy), the C(sha256-<digest>.sig) tag that C(cosign sign) and
    C(podman push --sign-by-sigstore-private-key) write and podman verifies.
  - V(referrer), the same simple-signing manifest attached as an OCI 1.1 referrer
    (C(cosign sign --registry-referrers-mode=oci-1-1)).
  - V(bundle), cosign 3's default, a sigstore bundle holding a DSSE-signed in-toto statement of
    predicate type C(https://sigstore.dev/cosign/sign/v1), attached as a referrer. Podman cannot
    read these; see M(signed.registry.cosign_sign) for the format it can.
  - Referrers are looked up through the registry's referrers API, or through the C(sha256-<digest>)
    referrers tag that clients keep on registries without one (Pulp, docker-registry).
  - Fails closed. A signature is accepted only when it verifies over its payload with one of
    the keys, the payload parses as strictly as containers/image parses it (no unknown or
    duplicate keys), its digest claim names the image being verified (a signature copied from
    another image is refused), and O(signed_identity) and O(annotations) hold. Every rejected
    signature is returned with its reason.
  - Like C(cosign verify), the C(docker-reference) of a signature is not checked unless
    O(signed_identity) is given. Signatures by O(public_keys) are trusted by their key alone (as
    C(cosign verify --key ... --insecure-ignore-tlog)); keyless signatures (O(identities)) are
    checked offline against the transparency-log proof they carry, never by asking Rekor.
  - Read-only, so it behaves the same in check mode.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  public_keys:
    description:
      - Public keys (PEM C(PUBLIC KEY)), each a path or the PEM text. A signature made by any
        one of them is accepted.
    type: list
    elements: str
  annotations:
    description: Claims each accepted signature must carry in its payload's C(optional) section (C(cosign verify -a)).
    type: dict
    default: {}
extends_documentation_fragment:
  - signed.registry._keyless
  - signed.registry._verifier
  - signed.registry._identity
  - signed.registry._registry
  - signed.registry._registry.ACTION_GROUP
  - signed.registry._attributes
  - signed.registry._attributes.INFO
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.CRYPTOGRAPHY
seealso:
  - module: signed.registry.cosign_sign
  - module: signed.registry.cosign_key
"""

EXAMPLES = r"""
- name: Refuse to deploy what the release team did not sign
  signed.registry.cosign_verify:
    images:
      - registry.example.com/team/app:2.0
      - registry.example.com/team/worker:2.0
    public_keys:
      - /etc/signing/release.pub
    annotations:
      approved-by: release-team

- name: Images mirrored into Pulp carry the upstream identity
  signed.registry.cosign_verify:
    images: [pulp.example.com/mirror/app:1.0]
    public_keys: ["{{ lookup('file', 'vendor.pub') }}"]
    signed_identity:
      type: exactRepository
      docker_repository: registry.vendor.example/app
    fail_on_unverified: false
  register: check

- name: An upstream that signs keyless from a GitHub release workflow
  signed.registry.cosign_verify:
    images: [ghcr.io/example/app:1.4.2]
    identities:
      - issuer: https://token.actions.githubusercontent.com
        subject_regexp: 'https://github\.com/example/app/\.github/workflows/release\.yml@refs/tags/v.*'
        github_workflow_repository: example/app

- name: Signed by a person, checked against a private Sigstore deployment's root
  signed.registry.cosign_verify:
    images: [registry.example.com/team/app:2.0]
    identities:
      - {issuer: https://accounts.google.com, subject: release-manager@example.com}
    trusted_root: /etc/sigstore/trusted_root.json

- name: Report
  ansible.builtin.debug:
    msg: "{{ check.results | map(attribute='verified') }}"
"""

RETURN = r"""
results:
  description: One entry per image, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: The image as given.
      type: str
    digest:
      description: The manifest digest that was verified.
      type: str
    verified:
      description: Whether at least one signature was accepted.
      type: bool
    signatures:
      description:
        - The accepted signatures, each with C(format) (V(legacy), V(referrer) or V(bundle)), C(key_id),
          C(layer) (payload digest) and C(claims) (C(docker_reference), C(digest), C(optional)).
        - A keyless signature has C(key_id) null, C(identity) (the entry of O(identities) that accepted it) and
          C(certificate) (C(subjects), C(issuer), C(integrated_time), C(log_index) and C(trusted_root), the root it
          was checked against).
      type: list
      elements: dict
    rejected:
      description: The signatures that were not accepted, each with C(layer), C(reason) and, where a key verified it, C(key_id) and C(claims).
      type: list
      elements: dict
    reason:
      description: Why the image is not verified; null when it is.
      type: str
  sample:
    - image: registry.example.com/team/app:2.0
      digest: sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85
      verified: true
      reason: null
      signatures:
        - format: legacy
          key_id: sha256:90c28d690e67bfe77c05d5cf50080325545eba03a2ea4a3170fe3cd542c8a6d4
          layer: sha256:baed8f1e371802360f663c27967dbcfae27f0f11bf46cb0084df4133b36439c4
          claims:
            docker_reference: registry.example.com/team/app
            digest: sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85
            optional: {approved-by: release-team}
      rejected:
        - layer: sha256:5a699ef85eeb73a0fe5ef484bb0ecb53d9e07e08f073330d8dabb39e6e231870
          reason: the signature does not verify with any of the given public keys
          key_id: null
          claims: null
"""

from ansible_collections.signed.registry.plugins.module_utils._identity import IDENTITY_ARGUMENT_SPEC
from ansible_collections.signed.registry.plugins.module_utils._keyless import IDENTITY_SPEC
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, REGISTRY_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._reference import signature_tag
from ansible_collections.signed.registry.plugins.module_utils._verification import (
    SIGNATURE_CHECKS,
    Image,
    Outcome,
    Trust,
    VERIFIER_SPEC,
    verdicts,
    verify_references,
)

OUTCOME = Outcome("signatures", lambda digest: "no signatures found (no %s tag)" % signature_tag(digest),
                  "no signature was accepted")


def main():
    argument_spec = dict(
        VERIFIER_SPEC,
        public_keys=dict(type="list", elements="str"),
        identities=dict(type="list", elements="dict", options=IDENTITY_SPEC),
        trusted_root=dict(type="str"),
        annotations=dict(type="dict", default={}),
        signed_identity=dict(type="dict", options=IDENTITY_ARGUMENT_SPEC),
    )
    with ModuleRun(argument_spec, REGISTRY_CONNECTION_SPEC, secret_keys=("registry_password",),
                   requires=("requests", "cryptography")) as run:
        params = run.params
        trust = Trust.from_options(params["public_keys"], params["signed_identity"], params["annotations"],
                                   params["identities"], params["trusted_root"])

        def judge(registry, ref, digest):
            return verdicts(Image(registry, ref.repository, digest, ref), trust, SIGNATURE_CHECKS)

        verify_references(run, params["images"], judge, OUTCOME, params["fail_on_unverified"])


if __name__ == "__main__":
    main()
