# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image references (docker.io rules) and policy.json identity rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._identity import check_identity_rule, identity_problem
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference, signature_tag

D = "sha256:" + "a" * 64


@pytest.mark.parametrize("text, registry, repository, tag, digest", [
    ("alpine", "docker.io", "library/alpine", None, None),
    ("alpine:3.21", "docker.io", "library/alpine", "3.21", None),
    ("team/app", "docker.io", "team/app", None, None),
    ("localhost/app:1", "localhost", "app", "1", None),
    ("127.0.0.1:5000/fixtures/app:v1", "127.0.0.1:5000", "fixtures/app", "v1", None),
    ("quay.io/a/b/c@" + D, "quay.io", "a/b/c", None, D),
    ("host:443/a:t@" + D, "host:443", "a", "t", D),
])
def test_parse_reference(text, registry, repository, tag, digest):
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)


def test_docker_hub_api_host_and_default_tag():
    ref = parse_reference("alpine", default_tag="latest")
    assert ref.api_host == "registry-1.docker.io" and ref.tag == "latest"
    assert ref.name == "docker.io/library/alpine"


@pytest.mark.parametrize("text", ["", "upper/Case", "a@sha256:short", "a:bad tag", "host/a//b", " a"])
def test_bad_references(text):
    with pytest.raises(InvalidInput):
        parse_reference(text)


def test_signature_tag():
    assert signature_tag(D) == "sha256-" + "a" * 64 + ".sig"
    assert signature_tag(D, "att").endswith(".att")
    assert signature_tag(D, None) == "sha256-" + "a" * 64


@pytest.mark.parametrize("rule, message", [
    ({"type": "nope"}, "must be one of"),
    ({"type": "exactRepository"}, "needs docker_repository"),
    ({"type": "matchRepository", "prefix": "x"}, "does not take prefix"),
    ({"type": "remapIdentity", "prefix": "a"}, "needs signed_prefix"),
    ({"type": "exactReference", "docker_reference": "h.io/a"}, "must name a tag or digest"),
    ({"type": "exactRepository", "docker_repository": "h.io/a:t"}, "without tag or digest"),
    ({"type": "matchExact", "dockerReference": "h.io/a:t"}, "unknown field"),
])
def test_bad_identity_rules(rule, message):
    with pytest.raises(InvalidInput, match=message):
        check_identity_rule(rule)


REPO_ONLY = "pulp.example.com/mirror/app"


@pytest.mark.parametrize("rule, image, signed, accepted", [
    ({"type": "matchRepository"}, "pulp.example.com/mirror/app:1", REPO_ONLY, True),
    ({"type": "matchRepository"}, "pulp.example.com/mirror/other:1", REPO_ONLY, False),
    ({"type": "matchRepoDigestOrExact"}, "pulp.example.com/mirror/app@" + D, REPO_ONLY, True),
    # cosign's repository-only identity fails the default rule for a tag pull
    ({"type": "matchRepoDigestOrExact"}, "pulp.example.com/mirror/app:1", REPO_ONLY, False),
    ({"type": "matchRepoDigestOrExact"}, "pulp.example.com/mirror/app:1", REPO_ONLY + ":1", True),
    ({"type": "matchExact"}, "pulp.example.com/mirror/app:1", REPO_ONLY + ":1", True),
    ({"type": "matchExact"}, "pulp.example.com/mirror/app:1", REPO_ONLY + ":2", False),
    ({"type": "exactRepository", "docker_repository": "upstream.io/vendor/app"}, "pulp.example.com/mirror/app:1",
     "upstream.io/vendor/app", True),
    ({"type": "exactRepository", "docker_repository": "upstream.io/vendor/app"}, "pulp.example.com/mirror/app:1",
     REPO_ONLY, False),
    ({"type": "exactReference", "docker_reference": "upstream.io/vendor/app:1"}, "anything.io/x:9",
     "upstream.io/vendor/app:1", True),
    ({"type": "remapIdentity", "prefix": "pulp.example.com/mirror", "signed_prefix": "upstream.io/vendor"},
     "pulp.example.com/mirror/app@" + D, "upstream.io/vendor/app", True),
    ({"type": "remapIdentity", "prefix": "pulp.example.com/mirror", "signed_prefix": "upstream.io/vendor"},
     "pulp.example.com/mirrored/app@" + D, "upstream.io/vendor/app", False),
    ({"type": "matchRepository"}, "pulp.example.com/mirror/app:1", "NOT A REF", False),
])
def test_identity_rules(rule, image, signed, accepted):
    problem = identity_problem(check_identity_rule(rule), image, signed)
    assert (problem is None) == accepted, problem
