#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: atomic_verify
short_description: Verify the atomic (GPG simple-signing) signatures of container images
version_added: 0.1.0
description:
  - Checks that each image carries at least one atomic signature (the GPG signatures
    C(skopeo copy --sign-by), C(podman push --sign-by) and Pulp's signing service write, and a
    C(signedBy) requirement in policy.json checks) made by one of O(public_keys), and returns what
    each signature claims.
  - Signatures are read from the registry's signatures extension API
    (C(/extensions/v2/<repository>/signatures/<digest>); Pulp serves it) and, when O(lookaside) is
    given, from a lookaside store laid out as containers/image reads it.
  - Fails closed. A signature is accepted only when it is an OpenPGP signed message that verifies
    with one of the keys (trusted by fingerprint, never by user id; the signing key must be valid for
    signing, and not expired or revoked, then or now), its payload parses as strictly as
    containers/image parses it, its digest claim names the image being verified (a signature copied
    from another image is refused) and O(signed_identity) holds. Every rejected signature is
    returned with its reason.
  - Not set, O(signed_identity) is not checked, as in M(signed.registry.cosign_verify). A
    C(signedBy) requirement in policy.json defaults to V(matchRepoDigestOrExact); give that type to
    decide as it does.
  - For cosign signatures, use M(signed.registry.cosign_verify).
  - Read-only, so it behaves the same in check mode.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  public_keys:
    description:
      - GPG public keys, each a path (binary or ASCII-armored) or the ASCII-armored text itself. A file
        may hold several keys. A signature made by any one of them is accepted.
    type: list
    elements: str
    required: true
  lookaside:
    description:
      - A lookaside store to read signatures from too, for registries without the extension API, laid
        out as C(<lookaside>/<repository>@sha256=<hex>/signature-1), C(-2), and so on.
      - A C(file://), C(http://) or C(https://) URL, the C(lookaside) of a registries.d entry.
    type: str
extends_documentation_fragment:
  - signed.registry._verifier
  - signed.registry._identity
  - signed.registry._registry
  - signed.registry._registry.ACTION_GROUP
  - signed.registry._attributes
  - signed.registry._attributes.INFO
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.PYSEQUOIA
seealso:
  - module: signed.registry.cosign_verify
  - module: signed.registry.image_signatures_info
"""

EXAMPLES = r"""
- name: Images signed with the vendor's GPG key, as a signedBy policy would accept them
  signed.registry.atomic_verify:
    images:
      - pulp.example.com/vendor/app:2.0
    public_keys:
      - /etc/pki/containers/vendor.gpg
    signed_identity:
      type: matchRepoDigestOrExact

- name: Signatures kept in a lookaside store, not fatal
  signed.registry.atomic_verify:
    images: [registry.example.com/team/app:1.0]
    public_keys: ["{{ lookup('file', 'release-key.asc') }}"]
    lookaside: https://sigstore.example.com/signatures
    fail_on_unverified: false
  register: check
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
        - The accepted signatures, each with C(format) (V(atomic)), C(source) (V(extension) or
          V(lookaside)), C(name) (the registry's name for it, or its lookaside URL),
          C(key_fingerprint) (the trusted key's primary fingerprint), C(signing_key) (the
          fingerprint of the (sub)key that signed) and C(claims) (C(docker_reference), C(digest),
          C(optional)).
      type: list
      elements: dict
    rejected:
      description: The signatures that were not accepted, with the same fields and C(reason).
      type: list
      elements: dict
    reason:
      description: Why the image is not verified; null when it is.
      type: str
  sample:
    - image: pulp.example.com/vendor/app:2.0
      digest: sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85
      verified: true
      reason: null
      signatures:
        - format: atomic
          source: extension
          name: sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85@c7c9ad2c89f71ee1ad69be828958b01d
          key_fingerprint: 5A2989075FF278A35A3151E93052787D08325666
          signing_key: 5A2989075FF278A35A3151E93052787D08325666
          claims:
            docker_reference: pulp.example.com/vendor/app:2.0
            digest: sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85
            optional: {creator: "containers/image 5.34.3"}
      rejected: []
"""

from ansible_collections.signed.registry.plugins.module_utils._atomic import (
    HAS_PYSEQUOIA,
    PYSEQUOIA_IMPORT_ERROR,
    check_lookaside,
    collect,
    load_gpg_keys,
    verify_entries,
)
from ansible_collections.signed.registry.plugins.module_utils._identity import IDENTITY_ARGUMENT_SPEC, check_identity_rule
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, REGISTRY_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._verification import Outcome, VERIFIER_SPEC, verify_references

OUTCOME = Outcome("signatures", lambda _digest: "no atomic signatures found", "no signature was accepted")


def main():
    argument_spec = dict(
        VERIFIER_SPEC,
        public_keys=dict(type="list", elements="str", required=True),
        lookaside=dict(type="str"),
        signed_identity=dict(type="dict", options=IDENTITY_ARGUMENT_SPEC),
    )
    with ModuleRun(argument_spec, REGISTRY_CONNECTION_SPEC, secret_keys=("registry_password",),
                   libraries=(("pysequoia", HAS_PYSEQUOIA, PYSEQUOIA_IMPORT_ERROR),)) as run:
        params = run.params
        certs = load_gpg_keys(params["public_keys"])
        rule = check_identity_rule(params["signed_identity"]) if params["signed_identity"] else None
        lookaside = check_lookaside(params["lookaside"]) if params["lookaside"] else None
        http = run.http() if lookaside and not lookaside.startswith("file://") else None

        def judge(registry, ref, digest):
            entries = collect(registry, http, ref.repository, digest, lookaside)
            return verify_entries(entries, certs, digest, ref, rule)

        verify_references(run, params["images"], judge, OUTCOME, params["fail_on_unverified"])


if __name__ == "__main__":
    main()
