# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Keyless trust (_keyless.IDENTITY_SPEC, _trust_root): who may sign with a Fulcio certificate.
    DOCUMENTATION = r"""
options:
  identities:
    description:
      - Keyless signers that are trusted, as C(cosign verify --certificate-identity ... --certificate-oidc-issuer ...)
        takes them. A keyless signature (a Fulcio certificate and a Rekor entry, as C(cosign sign) without a key
        writes it) is accepted when it verifies offline against O(trusted_root) and its certificate matches one
        entry. With O(public_keys) as well, a signature by either is accepted.
      - "Checked for each signature: the Rekor SET with a Rekor key of the root; the Rekor entry names this
        signature, certificate and payload; the certificate chains to a Fulcio CA of the root at the entry's
        integrated time, which lies in the certificate's validity; an embedded SCT verifies with a CT log key of
        the root; the certificate is for code signing; the signature verifies with its key; then the identity."
      - Read from cosign's legacy C(.sig) signatures (C(dev.sigstore.cosign/certificate), C(.../chain) and
        C(.../bundle) annotations, checked by this collection) and from sigstore bundles v0.1 to v0.3 attached as
        referrers (checked by sigstore-python, which then must be installed; inclusion proofs, checkpoints,
        signed timestamps). Keyless attestations in the legacy C(.att) image are not read yet.
    type: list
    elements: dict
    suboptions:
      issuer:
        description: The OIDC issuer the certificate must name, exactly (C(https://token.actions.githubusercontent.com), C(https://accounts.google.com)).
        type: str
      issuer_regexp:
        description: A regular expression the whole issuer must match (Python syntax; no partial matches).
        type: str
      subject:
        description:
          - The certificate's subject (its SAN), exactly. An e-mail address, or a URI such as a GitHub workflow
            C(https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.0).
        type: str
      subject_regexp:
        description:
          - A regular expression the whole subject must match, as C(--certificate-identity-regexp), but anchored at
            both ends. C(.*@example\\.com) does not accept C(eve@example.com.evil.test).
        type: str
      github_workflow_trigger:
        description: The certificate's GitHub workflow trigger must be this (C(--certificate-github-workflow-trigger)).
        type: str
      github_workflow_sha:
        description: The commit the workflow ran on (C(--certificate-github-workflow-sha)).
        type: str
      github_workflow_name:
        description: The workflow name (C(--certificate-github-workflow-name)).
        type: str
      github_workflow_repository:
        description: The repository the workflow ran in, as C(org/repo) (C(--certificate-github-workflow-repository)).
        type: str
      github_workflow_ref:
        description: The git ref the workflow ran on, as C(refs/tags/v1.0) (C(--certificate-github-workflow-ref)).
        type: str
  trusted_root:
    description:
      - The Sigstore trusted root keyless signatures are checked against, as a path or as the JSON text
        (C(trusted_root.json), the format of C(cosign verify --trusted-root), sigstore-go and sigstore-python).
        It holds Fulcio CAs, Rekor keys and CT log keys, each with its validity window.
      - Not set, the Sigstore public-good root that the Python package C(sigstore) ships is used, read from
        disk (no network); that package must then be installed where the module runs. Results name the root used.
    type: str
"""
