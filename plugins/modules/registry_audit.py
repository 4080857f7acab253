#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: registry_audit
short_description: Audit a registry - what is served, who signed it, what does not verify
version_added: 0.1.0
description:
  - Reads every tag of every repository it is given (or every container distribution of a Pulp),
    everything attached to each image (cosign signatures in every format, attestations by predicate
    type, SBOMs, and atomic signatures when O(gpg_keys) is given), verifies each against the trust
    options the verifier modules take, and gives every image one verdict.
  - V(verified) - a signature verifies with a trusted key or keyless identity and its claims hold.
  - V(invalid) - something attached is broken whoever signed it (unreadable, malformed, or about
    another image), or a trusted signer's signature claims what does not hold (a replay).
  - V(signed_untrusted) - signed, but by no key or identity you trust.
  - V(unsigned) - nothing signs it.
  - With O(report_path), writes the audit as one self-contained HTML page (totals, a chart of
    verdicts per repository, a table of images to sort and filter; it opens from disk, offline) and
    the same data as JSON beside it.
  - Images are audited in parallel (8 at a time), each attachment read once, with the size limits
    of the verifier modules.
  - Only reads registries. The report is written (atomically) only when its content changes, and
    not in check mode.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  repositories:
    description:
      - Repositories to audit, as C(host[:port]/path) (V(registry.example.com/team/app)).
      - Give this or O(pulp_url).
    type: list
    elements: str
  pulp_url:
    description:
      - Audit every container distribution of this Pulp (base URL of its API, without
        C(/pulp/api/v3/)), through Pulp's own registry on the same host. Private distributions are
        audited when O(username) may read them.
      - Used when O(repositories) is not given.
    type: str
  username:
    description: Pulp user for O(pulp_url); the module logs in once and uses the session for the registry too.
    type: str
  password:
    description: Password of O(username).
    type: str
  tags:
    description:
      - Only tags matching one of these shell-style patterns (V(v1.*), V(latest)). Default, every tag.
      - cosign's attachment tags (C(sha256-<digest>.sig), C(.att), C(.sbom)) and referrers tags are never images.
    type: list
    elements: str
  public_keys:
    description: cosign public keys (PEM), each a path or the PEM text; a signature by any of them verifies.
    type: list
    elements: str
  gpg_keys:
    description:
      - OpenPGP public keys (armored), each a path or the text, for atomic signatures (Pulp's
        signature extension API). Without it, atomic signatures are not read.
      - Needs the Python package C(pysequoia) on the host that runs the module.
    type: list
    elements: str
  report_path:
    description:
      - Write the audit as an HTML page here, and as JSON beside it (the same path with C(.json)
        instead of its extension).
    type: path
extends_documentation_fragment:
  - signed.registry._keyless
  - signed.registry._identity
  - signed.registry._registry
  - signed.registry._registry.ACTION_GROUP
  - signed.registry._attributes
  - signed.registry._requirements
  - signed.registry._requirements.REQUESTS
  - signed.registry._requirements.CRYPTOGRAPHY
attributes:
  check_mode:
    support: full
    details: Registries are only read; the report is not written in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: The report holds no time stamp, so it changes only when what the registry serves does.
seealso:
  - module: signed.registry.cosign_verify
  - module: signed.registry.cosign_verify_attestation
  - module: signed.registry.image_signatures_info
"""

EXAMPLES = r"""
- name: Which images in our registry are not signed by a key we trust, and which have no SBOM?
  signed.registry.registry_audit:
    pulp_url: https://registry.example.com
    username: auditor
    password: "{{ vault_auditor_password }}"
    public_keys: [/etc/signing/org-cosign.pub]
    report_path: /var/www/audit/index.html
  register: audit

- name: Upstream repositories on any registry, keyless identities trusted
  signed.registry.registry_audit:
    repositories: [ghcr.io/example/app, ghcr.io/example/worker]
    tags: ["v*"]
    identities:
      - issuer: https://token.actions.githubusercontent.com
        subject_regexp: 'https://github\.com/example/.*/\.github/workflows/release\.yml@refs/tags/v.*'

- name: Fail when anything served is invalid
  ansible.builtin.assert:
    that: audit.summary.totals.invalid == 0
    fail_msg: "{{ audit.images | selectattr('verdict', 'equalto', 'invalid') | map(attribute='reasons') }}"
"""

RETURN = r"""
images:
  description: One entry per audited tag, by repository and tag.
  returned: always
  type: list
  elements: dict
  contains:
    repository:
      description: C(host/path) of the repository.
      type: str
    tag:
      description: The tag.
      type: str
    digest:
      description: The digest the tag names; null when its manifest could not be read.
      type: str
    media_type:
      description: The manifest's media type.
      type: str
    platforms:
      description: For an index, its platform manifests (C(platform) as C(os/architecture[/variant]), C(digest)).
      type: list
      elements: dict
    verdict:
      description: V(verified), V(invalid), V(signed_untrusted) or V(unsigned).
      type: str
    signers:
      description: Who signed what verified, a key id (cosign), a fingerprint (GPG) or C(subject (issuer)).
      type: list
      elements: str
    reasons:
      description: Why each attachment that was not accepted was refused.
      type: list
      elements: str
    signatures:
      description: Each signature with C(format), C(accepted), C(signer) and C(reason).
      type: list
      elements: dict
    attestations:
      description: Each attestation with C(predicate_type), C(format), C(accepted), C(signer) and C(reason).
      type: list
      elements: dict
    sbom:
      description: Whether an SBOM (SPDX or CycloneDX attestation, or cosign's C(.sbom) tag) is attached.
      type: bool
    sbom_verified:
      description: Whether an SBOM attestation verifies.
      type: bool
  sample:
    - repository: registry.example.com/team/app
      tag: "2.0"
      digest: sha256:1f96e68bc1b2ac78a9c8d6e6e072d115f5cc7f83f5a5ba60343ac6370c44ae25
      media_type: application/vnd.oci.image.manifest.v1+json
      platforms: []
      verdict: verified
      signers: ["sha256:9e0c6b4a..."]
      reasons: []
      signatures: [{format: legacy, accepted: true, signer: "sha256:9e0c6b4a...", reason: null}]
      attestations: [{predicate_type: "https://spdx.dev/Document", format: legacy, accepted: true, signer: "sha256:9e0c6b4a...",
                      reason: null}]
      sbom: true
      sbom_verified: true
summary:
  description: Counts of each verdict overall (C(totals), with C(images), C(repositories), C(sbom)) and per repository, and the predicate types seen.
  returned: always
  type: dict
  sample:
    totals: {images: 3, repositories: 1, verified: 1, invalid: 1, signed_untrusted: 0, unsigned: 1, sbom: 1}
    repositories:
      registry.example.com/team/app: {images: 3, verified: 1, invalid: 1, signed_untrusted: 0, unsigned: 1, sbom: 1}
    predicate_types: ["https://spdx.dev/Document"]
report:
  description: The files written (C(html), C(json)); null without O(report_path).
  returned: always
  type: dict
  sample: {html: /var/www/audit/index.html, json: /var/www/audit/index.json}
"""

import os

from ansible_collections.signed.registry.plugins.module_utils._atomic import HAS_PYSEQUOIA, PYSEQUOIA_IMPORT_ERROR
from ansible_collections.signed.registry.plugins.module_utils._atomic import collect, load_gpg_keys, verify_entries
from ansible_collections.signed.registry.plugins.module_utils._audit import audit, identity_name, selected_tags
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._files import read_bytes, replace_file
from ansible_collections.signed.registry.plugins.module_utils._identity import IDENTITY_ARGUMENT_SPEC
from ansible_collections.signed.registry.plugins.module_utils._keyless import IDENTITY_SPEC
from ansible_collections.signed.registry.plugins.module_utils._module import REGISTRY_CONNECTION_SPEC, ModuleRun
from ansible_collections.signed.registry.plugins.module_utils._pulp import DISTRIBUTIONS
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import pulp_registry
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference
from ansible_collections.signed.registry.plugins.module_utils._report import embedded_json, render_html
from ansible_collections.signed.registry.plugins.module_utils._verification import Trust


def targets_on_registries(run, repositories, patterns):
    """(registry, host, repository, tag, every tag of it) of every selected tag of the given repositories."""
    found = []
    for text in repositories:
        # A repository is a reference without tag: parsed with a placeholder one, so that a tag or
        # digest given here fails to parse instead of being ignored.
        ref = parse_reference(text.rstrip("/") + ":audit")
        registry = run.registry(ref.api_host)
        present = frozenset(registry.list_tags(ref.repository))
        found += [(registry, ref.registry, ref.repository, tag, present) for tag in selected_tags(present, patterns)]
    return found


def targets_on_pulp(run, patterns):
    """(registry, host, base path, tag, every tag of it) of every selected tag of every container distribution."""
    pulp = run.pulp()
    registry, host = pulp_registry(pulp, run.params["pulp_url"], run.params["username"], run.params["password"])
    found = []
    for distribution in sorted(pulp.list(DISTRIBUTIONS), key=lambda d: d["base_path"]):
        present = frozenset(registry.list_tags(distribution["base_path"]))
        found += [(registry, host, distribution["base_path"], tag, present) for tag in selected_tags(present, patterns)]
    return found


def trust_of(params):
    """The Trust of the options; with none, every signature is untrusted (an inventory audit)."""
    if params["public_keys"] or params["identities"]:
        return Trust.from_options(params["public_keys"], params["signed_identity"], None, params["identities"],
                                  params["trusted_root"])
    if params["trusted_root"] or params["signed_identity"]:
        raise InvalidInput("trusted_root and signed_identity need public_keys or identities to verify with")
    return Trust([])


def atomic_judge(run, trust):
    """Atomic signatures' verdicts for each image, when GPG keys were given."""
    if not run.params["gpg_keys"]:
        return None
    if not HAS_PYSEQUOIA:
        run.module.fail_json(msg="gpg_keys needs the Python package pysequoia", exception=PYSEQUOIA_IMPORT_ERROR)
    certs = load_gpg_keys(run.params["gpg_keys"], "gpg_keys")
    return lambda registry, ref, digest: verify_entries(collect(registry, None, ref.repository, digest), certs, digest, ref,
                                                        trust.identity_rule)


def trusted_names(params):
    names = ["%d cosign key(s)" % len(params["public_keys"] or [])] if params["public_keys"] else []
    names += [identity_name(i) for i in params["identities"] or []]
    names += ["%d GPG key(s)" % len(params["gpg_keys"])] if params["gpg_keys"] else []
    return ", ".join(names) or "nothing (every signature is untrusted)"


def write_report(run, report):
    """The HTML page and its JSON; changed when either differs from what is on disk."""
    html_path = run.params["report_path"]
    json_path = os.path.splitext(html_path)[0] + ".json"
    if json_path == html_path:
        raise InvalidInput("report_path %s must have an extension: the JSON goes beside it with .json" % html_path)
    files = {html_path: render_html(report).encode("utf-8"), json_path: embedded_json(report).encode("utf-8") + b"\n"}
    changed = False
    for path, data in files.items():
        if read_bytes(path) != data:
            changed = True
            if not run.check_mode:
                replace_file(path, data)
    run.result.update(changed=changed, report={"html": html_path, "json": json_path})


def main():
    argument_spec = dict(
        repositories=dict(type="list", elements="str"),
        pulp_url=dict(type="str"),
        username=dict(type="str"),
        password=dict(type="str", no_log=True),
        tags=dict(type="list", elements="str"),
        public_keys=dict(type="list", elements="str", no_log=False),
        gpg_keys=dict(type="list", elements="str", no_log=False),
        identities=dict(type="list", elements="dict", options=IDENTITY_SPEC),
        trusted_root=dict(type="str"),
        signed_identity=dict(type="dict", options=IDENTITY_ARGUMENT_SPEC),
        report_path=dict(type="path"),
    )
    with ModuleRun(argument_spec, REGISTRY_CONNECTION_SPEC, secret_keys=("registry_password", "password"),
                   requires=("requests", "cryptography"), required_one_of=[("repositories", "pulp_url")]) as run:
        params = run.params
        trust = trust_of(params)
        atomic = atomic_judge(run, trust)
        if params["repositories"]:
            targets, source = targets_on_registries(run, params["repositories"], params["tags"]), ", ".join(params["repositories"])
        else:
            targets, source = targets_on_pulp(run, params["tags"]), params["pulp_url"]
        images, summary = audit(targets, trust, atomic)
        run.result.update(changed=False, images=images, summary=summary, report=None)
        if params["report_path"]:
            write_report(run, {"source": source, "trust": trusted_names(params), "images": images, "summary": summary})


if __name__ == "__main__":
    main()
