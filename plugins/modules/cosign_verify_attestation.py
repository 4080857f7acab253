#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cosign_verify_attestation
short_description: Verify in-toto attestations of container images and return their predicates
version_added: 0.1.0
description:
  - Finds the attestations attached to each image, in the legacy C(sha256-<digest>.att) image and
    as sigstore bundle referrers, checks each DSSE signature (over DSSE's pre-authentication
    encoding, never the bare payload) with O(public_keys), or a keyless bundle's certificate with
    O(identities) and O(trusted_root), checks that the statement's subject
    is the image's digest, and returns the decoded predicates of those that pass.
  - Fails closed. An image without an accepted attestation (of O(predicate_type), when given)
    fails the module unless O(fail_on_unverified=false); every rejected attestation is returned
    with its reason.
  - Bundle-format signatures (predicate type C(https://sigstore.dev/cosign/sign/v1)) are
    signatures, not attestations; M(signed.registry.cosign_verify) checks them.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  public_keys:
    description: Public keys (PEM), each a path or the PEM text; an attestation signed by any one of them is accepted.
    type: list
    elements: str
  predicate_type:
    description: Only attestations of this predicate type (a URI or one of cosign's short names, see M(signed.registry.cosign_attest)).
    type: str
extends_documentation_fragment:
  - signed.registry._keyless
  - signed.registry._verifier
  - signed.registry._registry
  - signed.registry._registry.ACTION_GROUP
  - signed.registry._attributes
  - signed.registry._attributes.INFO
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.CRYPTOGRAPHY
seealso:
  - module: signed.registry.cosign_attest
  - module: signed.registry.cosign_verify
"""

EXAMPLES = r"""
- name: The SBOM of what is about to be deployed, signed by the build key
  signed.registry.cosign_verify_attestation:
    images: [registry.example.com/team/app:2.0]
    public_keys: [/etc/signing/build.pub]
    predicate_type: spdxjson
  register: sbom

- name: Its packages
  ansible.builtin.debug:
    msg: "{{ sbom.results[0].attestations[0].predicate.packages | map(attribute='name') }}"

- name: Provenance made by the upstream's GitHub release workflow (keyless)
  signed.registry.cosign_verify_attestation:
    images: [ghcr.io/example/app:1.4.2]
    predicate_type: slsaprovenance1
    identities:
      - issuer: https://token.actions.githubusercontent.com
        subject_regexp: 'https://github\.com/example/app/\.github/workflows/release\.yml@refs/tags/v.*'
"""

RETURN = r"""
results:
  description: One entry per image.
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: The image as given.
      type: str
    digest:
      description: The digest checked.
      type: str
    verified:
      description: Whether at least one attestation was accepted.
      type: bool
    attestations:
      description:
        - Accepted attestations, each with C(format), C(key_id), C(predicate_type) and C(predicate).
        - A keyless one has C(key_id) null, C(identity) (the entry of O(identities) that accepted it) and C(certificate).
      type: list
      elements: dict
    rejected:
      description: Attestations not accepted, each with C(reason).
      type: list
      elements: dict
    reason:
      description: Why the image is not verified; null when it is.
      type: str
  sample:
    - image: registry.example.com/team/app:2.0
      digest: sha256:1f96e68bc1b2ac78a9c8d6e6e072d115f5cc7f83f5a5ba60343ac6370c44ae25
      verified: true
      reason: null
      attestations:
        - {format: legacy, predicate_type: "https://spdx.dev/Document", key_id: "sha256:90c28d69...",
           predicate: {spdxVersion: SPDX-2.3, name: app}}
      rejected: []
"""

from ansible_collections.signed.registry.plugins.module_utils._attestations import predicate_type_uri
from ansible_collections.signed.registry.plugins.module_utils._keyless import IDENTITY_SPEC
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, REGISTRY_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._verification import (
    Image,
    Outcome,
    Trust,
    VERIFIER_SPEC,
    attestation_checks,
    verdicts,
    verify_references,
)


def outcome(predicate_type):
    refused = "no attestation %swas accepted" % ("of type %s " % predicate_type if predicate_type else "")
    return Outcome("attestations", lambda _digest: refused + " (none found)", refused, "attestation verification")


def main():
    argument_spec = dict(
        VERIFIER_SPEC,
        public_keys=dict(type="list", elements="str", no_log=False),
        identities=dict(type="list", elements="dict", options=IDENTITY_SPEC),
        trusted_root=dict(type="str"),
        predicate_type=dict(type="str"),
    )
    with ModuleRun(argument_spec, REGISTRY_CONNECTION_SPEC, secret_keys=("registry_password",),
                   requires=("requests", "cryptography")) as run:
        params = run.params
        trust = Trust.from_options(params["public_keys"], identities=params["identities"],
                                   trusted_root=params["trusted_root"])
        predicate_type = predicate_type_uri(params["predicate_type"]) if params["predicate_type"] else None
        checks = attestation_checks(predicate_type)

        def judge(registry, ref, digest):
            return verdicts(Image(registry, ref.repository, digest, ref), trust, checks)

        verify_references(run, params["images"], judge, outcome(predicate_type), params["fail_on_unverified"])


if __name__ == "__main__":
    main()
