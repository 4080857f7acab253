#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cosign_sign
short_description: Attach cosign signatures to container images on any OCI registry
version_added: 0.1.0
description:
  - Signs images with a cosign key and pushes the signatures as C(cosign sign) does in its
    legacy tag format, which podman, skopeo and CRI-O read; an OCI image tagged
    C(sha256-<digest>.sig) in the image's repository, one layer per signature holding the
    simple-signing payload, the signature in the C(dev.cosignproject.cosign/signature) annotation.
  - C(cosign verify) and a containers/image C(sigstoreSigned) policy accept what this module
    writes; signing is done in Python, without cosign, and without a transparency log.
  - Idempotent. An image that already carries a signature by this key with the same claims is
    left alone. Signatures by other keys are kept; concurrent signers of one image do not lose
    each other's signatures (the module re-reads after writing and merges again when needed).
  - Tags are resolved to digests once, at the start; the digest is what is signed.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  images:
    description:
      - Images to sign, as C(host[:port]/repository:tag) or C(host[:port]/repository@sha256:<digest>).
        Docker Hub names may be short (C(alpine:3.21)).
    type: list
    elements: str
    required: true
  key:
    description:
      - The private key, as a path or as PEM text. A cosign key file (C(ENCRYPTED SIGSTORE PRIVATE KEY)
        or C(ENCRYPTED COSIGN PRIVATE KEY)), see M(signed.registry.cosign_key), or an unencrypted PEM key.
    type: str
    required: true
  passphrase:
    description: Passphrase of O(key) (C(COSIGN_PASSWORD) for cosign).
    type: str
    default: ""
  annotations:
    description:
      - Claims added to the payload's C(optional) section (C(cosign sign -a key=value)), which
        C(cosign verify -a) and M(signed.registry.cosign_verify) can require.
    type: dict
    default: {}
  identity:
    description:
      - The C(docker-reference) the payload claims. Defaults to the image's repository without
        tag or digest (C(host/repository)), as cosign does, which policy.json's C(matchRepository)
        and C(exactRepository) rules accept.
      - Give C(host/repository:tag) for hosts whose policy uses the default
        C(matchRepoDigestOrExact) rule and pull by tag.
    type: str
  format:
    description:
      - V(legacy) writes the C(sha256-<digest>.sig) image that podman, skopeo and CRI-O verify.
      - V(bundle) writes what cosign 3 writes by default, a sigstore bundle holding a DSSE-signed
        in-toto statement (predicate type C(https://sigstore.dev/cosign/sign/v1)) attached as an
        OCI 1.1 referrer (through the C(sha256-<digest>) referrers tag on registries without the
        referrers API). C(cosign verify) 3 reads it; containers/image does not. O(annotations) and
        O(state=absent) are for the legacy format only.
    type: str
    choices: [legacy, bundle]
    default: legacy
  recursive:
    description:
      - For a multi-arch index, also sign each platform manifest it lists (cosign's C(--recursive)).
        Podman checks the platform manifest it pulls, so sign both.
    type: bool
    default: false
  state:
    description:
      - V(present) attaches a signature by O(key). V(absent) removes every signature made by O(key)
        from the images, and leaves the other keys' signatures.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - signed.registry._registry
  - signed.registry._registry.ACTION_GROUP
  - signed.registry._attributes
  - signed.registry._attributes.ALL
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.CRYPTOGRAPHY
  - signed.registry._requirements.PYNACL
seealso:
  - module: signed.registry.cosign_key
  - module: signed.registry.cosign_verify
"""

EXAMPLES = r"""
- name: Sign what was just mirrored, with the organisation's key
  signed.registry.cosign_sign:
    images:
      - pulp.example.com/library/alpine:3.21
      - pulp.example.com/team/app@sha256:5a699ef85eeb73a0fe5ef484bb0ecb53d9e07e08f073330d8dabb39e6e231870
    key: /etc/signing/cosign.key
    passphrase: "{{ vault_cosign_passphrase }}"
    annotations:
      approved-by: release-team
    registry_username: admin
    registry_password: "{{ vault_registry_password }}"
  register: signed

- name: A multi-arch image, the index and every platform
  signed.registry.cosign_sign:
    images: [registry.example.com/app:2.0]
    key: "{{ lookup('file', 'cosign.key') }}"
    passphrase: "{{ vault_cosign_passphrase }}"
    recursive: true

- name: Withdraw this key's signatures
  signed.registry.cosign_sign:
    images: [registry.example.com/app:1.0]
    key: /etc/signing/cosign.key
    passphrase: "{{ vault_cosign_passphrase }}"
    state: absent
"""

RETURN = r"""
images:
  description: One entry per image and, with O(recursive), per platform manifest.
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: The image as given (or the index it belongs to, for a platform manifest).
      type: str
    reference:
      description: The signed reference, by digest.
      type: str
    digest:
      description: The manifest digest that was signed.
      type: str
    signature_tag:
      description: The tag the signatures are stored under.
      type: str
    changed:
      description: Whether a signature was added (or removed).
      type: bool
  sample:
    - image: registry.example.com/app:1.0
      reference: registry.example.com/app@sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85
      digest: sha256:1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85
      signature_tag: sha256-1eb98edfaff72b2ce6a1ed43a4b5c370d97d8f2d699ccf3ebd20aeffcc013c85.sig
      changed: true
key_id:
  description: C(sha256:) and the hex SHA-256 of the signing key's DER public key.
  returned: always
  type: str
  sample: sha256:90c28d690e67bfe77c05d5cf50080325545eba03a2ea4a3170fe3cd542c8a6d4
"""

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    load_signing_key,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._files import path_or_content
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, REGISTRY_CONNECTION_SPEC
from ansible_collections.signed.registry.plugins.module_utils._parallel import parallel_map
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference, signature_tag
from ansible_collections.signed.registry.plugins.module_utils._attestations import Attester
from ansible_collections.signed.registry.plugins.module_utils._signatures import SIGNING_WORKERS, platform_digests


def targets(run, images):
    """(image as given, Reference, digest) for every manifest to sign, resolved before any write."""
    def resolve(image):
        text, ref = image
        registry = run.registry(ref.api_host)
        digest = registry.resolve(ref.repository, ref.digest or ref.tag)
        if digest is None:
            raise InvalidInput("%s: no such image on %s" % (text, ref.registry))
        found = [(text, ref, digest)]
        if run.params["recursive"]:
            found.extend((text, ref, platform) for platform in platform_digests(registry, ref.repository, digest))
        return found

    return [target for found in parallel_map(resolve, images) for target in found]


def main():
    argument_spec = dict(
        images=dict(type="list", elements="str", required=True),
        key=dict(type="str", required=True, no_log=True),
        passphrase=dict(type="str", default="", no_log=True),
        annotations=dict(type="dict", default={}),
        identity=dict(type="str"),
        format=dict(type="str", default="legacy", choices=["legacy", "bundle"]),
        recursive=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    with ModuleRun(argument_spec, REGISTRY_CONNECTION_SPEC, secret_keys=("key", "passphrase", "registry_password"),
                   requires=("requests", "cryptography", "PyNaCl")) as run:
        params = run.params
        images = list(zip(params["images"], run.references(params["images"], default_tag="latest")))
        annotations = dict((str(k), str(v)) for k, v in params["annotations"].items())
        if params["format"] == "bundle" and (annotations or params["state"] == "absent"):
            raise InvalidInput("format=bundle takes no annotations and cannot be used with state=absent")
        if params["identity"] is not None:
            parse_reference(params["identity"])
        signer = Attester(load_signing_key(path_or_content(params["key"], "key"), params["passphrase"], "key"),
                          check_mode=run.check_mode)
        run.result["key_id"] = signer.key_id

        def one(target):
            text, ref, digest = target
            registry = run.registry(ref.api_host)
            if params["format"] == "bundle":
                changed = signer.sign_bundle(registry, ref.repository, digest, params["identity"] or ref.name)
            elif params["state"] == "present":
                changed = signer.sign(registry, ref.repository, digest, params["identity"] or ref.name, annotations)
            else:
                changed = signer.unsign(registry, ref.repository, digest)
            return {"image": text, "reference": "%s@%s" % (ref.name, digest), "digest": digest,
                    "signature_tag": signature_tag(digest), "changed": changed}

        # The same digest listed twice (a tag and its digest) is signed once: no race with itself.
        targets_list = targets(run, images)
        unique = dict(((ref.api_host, ref.repository, digest), (text, ref, digest)) for text, ref, digest in targets_list)
        done = dict(zip(unique, parallel_map(one, unique.values(), workers=SIGNING_WORKERS)))
        results = [dict(done[(ref.api_host, ref.repository, digest)], image=text) for text, ref, digest in targets_list]
        run.result["images"] = results
        run.result["changed"] = any(r["changed"] for r in results)
        present = params["state"] == "present"
        # Present: the unchanged images had our signature already; absent: the changed ones had it.
        had = sorted(r["reference"] for r in results if r["changed"] != present)
        run.diff({"signed_by_key": had}, {"signed_by_key": sorted(r["reference"] for r in results) if present else []})


if __name__ == "__main__":
    main()
