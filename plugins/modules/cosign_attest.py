#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cosign_attest
short_description: Attach in-toto attestations (SBOMs, provenance, custom predicates) to container images
version_added: 0.1.0
description:
  - Signs an in-toto statement about each image (subject the image digest, your predicate) with a
    cosign key and attaches it as C(cosign attest) does, in one of two formats.
  - V(legacy) puts a DSSE envelope in the C(sha256-<digest>.att) image, one layer per attestation,
    with a C(predicateType) annotation (C(cosign attest), cosign 2 default).
  - V(bundle) attaches a sigstore bundle as an OCI 1.1 referrer with a C(subject), through the
    referrers API or, on registries without one (Pulp, docker-registry), the C(sha256-<digest>)
    referrers tag (C(cosign attest --new-bundle-format), cosign 3 default).
  - An SBOM (SPDX JSON or CycloneDX JSON) goes in as an SBOM attestation, O(predicate_type=spdxjson)
    or O(predicate_type=cyclonedx).
  - Idempotent. An attestation by this key with the same statement already attached is left
    alone; with O(replace), this key's other attestations of the same predicate type are removed.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  images:
    description: Images to attest, by tag or digest; tags are resolved to digests first.
    type: list
    elements: str
    required: true
  key:
    description: The private key, a path or PEM text (see M(signed.registry.cosign_sign)).
    type: str
    required: true
  passphrase:
    description: Passphrase of O(key).
    type: str
    default: ""
  predicate:
    description: Path of a JSON file holding the predicate (an SBOM document, a provenance predicate, ...).
    type: path
  predicate_data:
    description: The predicate itself, as data. Exactly one of O(predicate) and O(predicate_data) is needed.
    type: raw
  predicate_type:
    description:
      - The predicate type, a URI, or one of cosign's short names V(slsaprovenance),
        V(slsaprovenance02), V(slsaprovenance1), V(link), V(spdx), V(spdxjson), V(cyclonedx),
        V(vuln), V(openvex), V(custom).
    type: str
    default: custom
  replace:
    description: Remove this key's other attestations of the same predicate type (C(cosign attest --replace)).
    type: bool
    default: false
  format:
    description: V(legacy) (the C(.att) image) or V(bundle) (a sigstore bundle referrer).
    type: str
    choices: [legacy, bundle]
    default: legacy
extends_documentation_fragment:
  - signed.registry._registry
  - signed.registry._registry.ACTION_GROUP
  - signed.registry._attributes
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.CRYPTOGRAPHY
  - signed.registry._requirements.PYNACL
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
seealso:
  - module: signed.registry.cosign_verify_attestation
  - module: signed.registry.image_signatures_info
"""

EXAMPLES = r"""
- name: Attach the image's SBOM as an SPDX attestation
  signed.registry.cosign_attest:
    images: [registry.example.com/team/app:2.0]
    key: /etc/signing/cosign.key
    passphrase: "{{ vault_cosign_passphrase }}"
    predicate: build/sbom.spdx.json
    predicate_type: spdxjson
    replace: true

- name: A build record, in cosign 3's format
  signed.registry.cosign_attest:
    images: [registry.example.com/team/app:2.0]
    key: /etc/signing/cosign.key
    passphrase: "{{ vault_cosign_passphrase }}"
    predicate_type: https://example.com/build/v1
    predicate_data:
      pipeline: "{{ lookup('env', 'CI_PIPELINE_ID') }}"
      tested: true
    format: bundle
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
      description: The attested digest.
      type: str
    changed:
      description: Whether the attestation was attached.
      type: bool
  sample:
    - {image: registry.example.com/team/app:2.0, changed: true,
       digest: "sha256:1f96e68bc1b2ac78a9c8d6e6e072d115f5cc7f83f5a5ba60343ac6370c44ae25"}
predicate_type:
  description: The predicate type URI used.
  returned: always
  type: str
  sample: https://spdx.dev/Document
"""

import json

from ansible_collections.signed.registry.plugins.module_utils._attestations import (
    Attester,
    make_statement,
    predicate_type_uri,
)
from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    load_signing_key,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._files import path_or_content, read_bytes
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun, REGISTRY_CONNECTION_SPEC


def load_predicate(params):
    if params["predicate"] is not None:
        data = read_bytes(params["predicate"])
        if data is None:
            raise InvalidInput("predicate: no file %s" % params["predicate"])
        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput("predicate: %s is not a JSON document (%s); only JSON predicates are supported"
                               % (params["predicate"], exc))
    return params["predicate_data"]


def main():
    argument_spec = dict(
        images=dict(type="list", elements="str", required=True),
        key=dict(type="str", required=True, no_log=True),
        passphrase=dict(type="str", default="", no_log=True),
        predicate=dict(type="path"),
        predicate_data=dict(type="raw"),
        predicate_type=dict(type="str", default="custom"),
        replace=dict(type="bool", default=False),
        format=dict(type="str", default="legacy", choices=["legacy", "bundle"]),
    )
    with ModuleRun(argument_spec, REGISTRY_CONNECTION_SPEC, secret_keys=("key", "passphrase", "registry_password"),
                   requires=("requests", "cryptography", "PyNaCl"), required_one_of=[("predicate", "predicate_data")],
                   mutually_exclusive=[("predicate", "predicate_data")]) as run:
        params = run.params
        refs = list(zip(params["images"], run.references(params["images"], default_tag="latest")))
        predicate = load_predicate(params)
        predicate_type = predicate_type_uri(params["predicate_type"])
        attester = Attester(load_signing_key(path_or_content(params["key"], "key"), params["passphrase"], "key"),
                            check_mode=run.check_mode)
        results = []
        for text, ref in refs:
            registry = run.registry(ref.api_host)
            digest = registry.resolve(ref.repository, ref.digest or ref.tag)
            if digest is None:
                raise InvalidInput("%s: no such image on %s" % (text, ref.registry))
            statement = make_statement(ref.name, digest, predicate_type, predicate)
            attach = attester.attest_bundle if params["format"] == "bundle" else attester.attest_legacy
            changed = attach(registry, ref.repository, digest, statement, predicate_type, params["replace"])
            results.append({"image": text, "digest": digest, "changed": changed})
        run.result.update(images=results, predicate_type=predicate_type, changed=any(r["changed"] for r in results))


if __name__ == "__main__":
    main()
