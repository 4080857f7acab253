# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How module options become Pulp fields."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._pulp_container import (
    check_base_path,
    check_url,
    created_version,
    distribution_state,
    remote_state,
    request_host,
    signable_tags,
    signed_by,
    signing_base_path,
    sync_body,
)


class Versions:
    def __init__(self, container):
        self.container = container
        self.calls = 0

    def versions(self):
        self.calls += 1
        return {"core": (3, 123, 1), "container": self.container}


def test_remote_state_maps_names_and_hides_nothing_it_should_send():
    params = {"url": "https://r.example.com", "upstream_name": "a/b", "remote_ca_cert": "PEM",
              "remote_username": "u", "remote_password": "p", "includes": ["v*"], "policy": "on_demand",
              "tls_validation": False, "sigstore": ""}
    desired, write_only = remote_state(Versions((2, 30, 0)), params, None)
    assert desired == {"url": "https://r.example.com", "upstream_name": "a/b", "ca_cert": "PEM",
                       "includes": ["v*"], "policy": "on_demand", "tls_validation": False, "sigstore": None}
    assert write_only == {"username": "u", "password": "p"}


def test_remote_filters_use_old_names_before_2_28():
    desired, dummy = remote_state(Versions((2, 27, 9)), {"url": "https://r", "includes": ["a"], "excludes": []}, None)
    assert desired["include_tags"] == ["a"] and desired["exclude_tags"] is None
    assert "includes" not in desired


def test_remote_filters_follow_the_existing_object_without_status_call():
    pulp = Versions((2, 27, 0))
    desired, dummy = remote_state(pulp, {"url": "https://r", "includes": ["a"]}, {"includes": None})
    assert "includes" in desired and pulp.calls == 0


@pytest.mark.parametrize("url", ["registry.example.com", "ftp://x", "http://", "not a url"])
def test_bad_urls_are_refused_naming_the_option(url):
    with pytest.raises(InvalidInput) as err:
        check_url("url", url)
    assert str(err.value).startswith("url must be an absolute")


def test_remote_state_refuses_bad_input_before_anything():
    pulp = Versions((2, 30, 0))
    with pytest.raises(InvalidInput, match=r"mirrors\[2\]\.proxy_url"):
        remote_state(pulp, {"url": "https://ok", "proxy_url": "nope"}, None, prefix="mirrors[2].")
    with pytest.raises(InvalidInput, match="headers"):
        remote_state(pulp, {"url": "https://ok", "headers": [{"a": "1", "b": "2"}]}, None)
    with pytest.raises(InvalidInput, match="rate_limit"):
        remote_state(pulp, {"url": "https://ok", "rate_limit": -1}, None)


@pytest.mark.parametrize("path", ["", "/abs", "trailing/", "a//b", "x" * 256])
def test_bad_base_paths(path):
    with pytest.raises(InvalidInput):
        check_base_path(path)


def test_distribution_serves_latest_or_fixed_version():
    latest = distribution_state(None, {"base_path": "lib/a"}, "/repo/1/")
    assert latest == {"base_path": "lib/a", "repository": "/repo/1/", "repository_version": None}
    fixed = distribution_state(None, {"base_path": "lib/a", "version": 3}, "/repo/1/")
    assert fixed["repository"] is None and fixed["repository_version"] == "/repo/1/versions/3/"


def test_sync_body_sends_only_what_is_set():
    assert sync_body(None) == {}
    assert sync_body("/r/", mirror=True, signed_only=False) == {"remote": "/r/", "mirror": True, "signed_only": False}


def test_created_version():
    assert created_version({"created_resources": ["/repo/1/versions/2/"]}) == "/repo/1/versions/2/"
    assert created_version({"created_resources": []}) is None


# -- signing with a signing service ----------------------------------------------------------


@pytest.mark.parametrize("url, host", [
    ("https://pulp.example.com", "pulp.example.com"),
    ("https://pulp.example.com:443/", "pulp.example.com"),
    ("https://127.0.0.1:24818", "127.0.0.1:24818"),
    ("http://pulp.example.com:80", "pulp.example.com"),
    ("http://pulp.example.com:8080/pulp", "pulp.example.com:8080"),
])
def test_request_host_is_what_pulp_names_in_signatures(url, host):
    assert request_host(url) == host


def test_signable_tags_default_to_image_tags_only():
    digest = "sha256-" + "a" * 64
    present = {"v2": {}, "v1": {}, digest + ".sig": {}, digest + ".att": {}, digest + ".sbom": {}, digest: {}}
    assert signable_tags(present) == ["v1", "v2"]
    assert signable_tags(present, ["v2", "v1", "v2"]) == ["v1", "v2"]
    with pytest.raises(InvalidInput, match=r"^Tags v3, v9 are not in the latest version"):
        signable_tags(present, ["v9", "v1", "v3"])


def test_signing_base_path_follows_pulps_rules():
    one = [{"base_path": "team/app"}]
    assert signing_base_path("app", one, None) == ("team/app", False)
    assert signing_base_path("app", one, "team/app") == ("team/app", False)
    with pytest.raises(InvalidInput, match="is served by one distribution, at 'team/app'"):
        signing_base_path("app", one, "other/app")
    assert signing_base_path("app", [], "future/app") == ("future/app", True)
    assert signing_base_path("app", one + [{"base_path": "b"}], "future/app") == ("future/app", True)
    with pytest.raises(InvalidInput, match="served by 0 distributions: set future_base_path"):
        signing_base_path("app", [], None)
    with pytest.raises(InvalidInput, match="future_base_path must be a relative path"):
        signing_base_path("app", [], "/abs")


class SignatureListing:
    def __init__(self, signatures):
        self.signatures = signatures
        self.calls = []

    def list(self, endpoint, **filters):
        self.calls.append((endpoint, filters))
        return self.signatures


def test_signed_by_matches_the_whole_fingerprint_not_the_key_id():
    fpr = "8BBC20273E3FFC7EEF95F686AC9E8320E5B7AB06"
    pulp = SignatureListing([
        {"signed_manifest": "/m/1/", "fingerprint": fpr},
        {"signed_manifest": "/m/2/", "fingerprint": fpr.lower()},
        # Same 16-digit key id, another key: a collision must not count.
        {"signed_manifest": "/m/3/", "fingerprint": "0" * 24 + fpr[-16:]},
        {"signed_manifest": "/m/4/", "fingerprint": None},
    ])
    assert signed_by(pulp, "/v/1/", fpr.lower()) == {"/m/1/", "/m/2/"}
    assert pulp.calls == [("content/container/signatures/", {"repository_version": "/v/1/", "key_id": fpr[-16:]})]
