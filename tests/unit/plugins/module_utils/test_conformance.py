# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Sigstore conformance suite's bundle verification cases (sigstore/sigstore-conformance,
test/assets/bundle-verify, read from ../shared/testdata; README there): every case runs, and
passes or fails as its folder name says. Exceptions are listed in EXPECTED_DISAGREEMENTS with
their reason."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.signed.registry.plugins.module_utils._bundles import (
    is_keyless,
    parse,
    verify_keyless,
    verify_with_keys,
)
from ansible_collections.signed.registry.plugins.module_utils._cosign import load_public_key
from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._keyless import KeylessError, check_identities
from ansible_collections.signed.registry.plugins.module_utils._trust_root import TrustedRoot, public_good_root

DEFAULT_IDENTITY = ("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
                    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main")
DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"

# Cases where this collection's verdict differs from the folder name, and why. sigstore-python's
# own CI marks the first two as expected failures; the verdicts come from sigstore-python.
EXPECTED_DISAGREEMENTS = {
    # "Integrated time only supported for dsse/hashedrekord 0.0.1 types": its entry is an intoto 0.0.2.
    "intoto-with-custom-trust-root": "sigstore-python 4.5 refuses it (its own conformance run marks it xfail)",
    # "not enough sources of verified time": the timestamp equals the TSA's validity end.
    "trust-root-tsa-validity-end-inclusive": "sigstore-python 4.5 treats the TSA validity end as exclusive (xfail upstream)",
}


def assets():
    root = os.environ.get("SIGNED_REGISTRY_TESTDATA")
    assert root and os.path.isdir(root), "SIGNED_REGISTRY_TESTDATA must name ../shared/testdata (make units sets it)"
    return os.path.join(root, "sigstore", "conformance", "test", "assets", "bundle-verify")


def cases():
    found = sorted(name for name in os.listdir(assets()) if os.path.isdir(os.path.join(assets(), name)))
    assert len(found) >= 70, "the conformance suite has 70 bundle cases, found %d" % len(found)
    return found


def read(case, name, default=None):
    path = os.path.join(assets(), case, name)
    if not os.path.exists(path):
        return default
    with open(path, "rb") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def public_good():
    return public_good_root()


def verdict(case, public_good):
    """None when the case verifies, else the reason it was refused."""
    artifact = read(case, "artifact") or read("", "a.txt")
    try:
        root_data = read(case, "trusted_root.json")
        root = TrustedRoot(root_data, case) if root_data else public_good
        bundle_data = read(case, "bundle.sigstore.json")
        bundle = parse(bundle_data)
        if is_keyless(bundle):
            identity = (read(case, "identity") or DEFAULT_IDENTITY.encode()).decode().strip()
            issuer = (read(case, "issuer") or DEFAULT_ISSUER.encode()).decode().strip()
            facts, statement = verify_keyless(bundle_data, root, check_identities([{"issuer": issuer, "subject": identity}]),
                                              artifact)
            assert facts["index"] == 0
        else:
            key = read(case, "key.pub")
            if key is None:
                return "no key was given for a bundle signed with a key"
            _index, statement = verify_with_keys(bundle, root, [load_public_key(key)], artifact)
        if statement is not None:
            # For DSSE, the artifact is the statement's subject.
            import hashlib
            import json
            subjects = json.loads(statement[1])["subject"]
            if not any(s.get("digest", {}).get("sha256") == hashlib.sha256(artifact).hexdigest() for s in subjects):
                return "the statement is not about the artifact"
    except (KeylessError, SignedRegistryError) as exc:
        return str(exc) or type(exc).__name__
    return None


def test_every_case_runs_and_the_exceptions_are_known(public_good):
    disagreements = {}
    for case in cases():
        reason = verdict(case, public_good)
        should_pass = not case.endswith("_fail")
        if (reason is None) != should_pass:
            disagreements[case] = reason or "accepted"
    assert sorted(disagreements) == sorted(EXPECTED_DISAGREEMENTS), disagreements


@pytest.mark.parametrize("case", [
    "happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3", "happy-path-intoto-in-dsse-v3", "rekor2-happy-path",
    "managed-key-and-trusted-root",
])
def test_happy_paths_verify(case, public_good):
    assert verdict(case, public_good) is None


@pytest.mark.parametrize("case, reason", [
    ("set-invalid-signature_fail", "does not verify"),
    ("managed-key-wrong-key_fail", "public key is not a valid public key"),
    ("managed-key-no-key_fail", "no key was given"),
    ("bundle-malformed-json_fail", "not JSON"),
    ("trust-root-tlog-missing-validity-start_fail", "validFor must have a start"),
])
def test_failures_say_why(case, reason, public_good):
    assert reason in verdict(case, public_good)


def test_an_identity_other_than_the_signer_is_refused(public_good):
    data = read("happy-path-v0.3", "bundle.sigstore.json")
    with pytest.raises(KeylessError, match="which no entry of identities accepts"):
        # A prefix of the real subject (it ends in refs/heads/main): a regexp must match all of it.
        prefix = "https://github.com/sigstore-conformance/.*@refs/heads/ma"
        verify_keyless(data, public_good, check_identities([{"issuer": DEFAULT_ISSUER, "subject_regexp": prefix}]),
                       read("", "a.txt"))


# -- a keyless bundle attached to an image, through the verification pipeline -----------------


def test_a_keyless_attestation_bundle_is_accepted_by_the_pipeline_for_its_identity_only(public_good):
    """The conformance suite's in-toto bundle attached as a referrer of an "image" whose digest is
    its subject's (a.txt): cosign_verify_attestation's checks accept it for the signer's identity."""
    import hashlib
    from ansible_collections.signed.registry.plugins.module_utils._attestations import BUNDLE_MEDIA_TYPE
    from ansible_collections.signed.registry.plugins.module_utils._oci import sha256_digest
    from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference
    from ansible_collections.signed.registry.plugins.module_utils._verification import (
        Image, Keyless, Trust, attestation_checks, verdicts)
    from ansible_collections.signed.registry.tests.unit.plugins.module_utils.test_verification import ReferringRegistry

    data = read("happy-path-intoto-in-dsse-v3", "bundle.sigstore.json")
    digest = "sha256:" + hashlib.sha256(read("", "a.txt")).hexdigest()
    registry = ReferringRegistry()
    registry.push_blob("r", data)
    referrer = ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"%s",'
                '"layers":[{"mediaType":"%s","size":%d,"digest":"%s"}],"subject":{"digest":"%s"}}'
                % (BUNDLE_MEDIA_TYPE, BUNDLE_MEDIA_TYPE, len(data), sha256_digest(data), digest)).encode()
    registry.manifests[sha256_digest(referrer)] = referrer
    registry.manifests[digest.replace(":", "-")] = ('{"manifests":[{"digest":"%s"}]}' % sha256_digest(referrer)).encode()
    image = Image(registry, "r", digest, parse_reference("registry.test/r:a"))

    trusted = Keyless(public_good, check_identities([{"issuer": DEFAULT_ISSUER, "subject": DEFAULT_IDENTITY}]))
    [accepted] = verdicts(image, Trust([], keyless=trusted), attestation_checks())
    assert accepted["accepted"], accepted["reason"]
    assert accepted["predicate_type"] == "https://slsa.dev/provenance/v1"
    assert accepted["identity"] == {"issuer": DEFAULT_ISSUER, "subject": DEFAULT_IDENTITY}
    assert accepted["certificate"]["subjects"] == [DEFAULT_IDENTITY]

    other = Keyless(public_good, check_identities([{"issuer": DEFAULT_ISSUER, "subject": "someone@example.com"}]))
    [refused] = verdicts(image, Trust([], keyless=other), attestation_checks())
    assert not refused["accepted"] and "which no entry of identities accepts" in refused["reason"]
    [no_keyless] = verdicts(image, Trust([load_public_key(read("managed-key-happy-path", "key.pub"))]), attestation_checks())
    assert no_keyless["reason"] == "the DSSE signature does not verify with any of the given public keys"
