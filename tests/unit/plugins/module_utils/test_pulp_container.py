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
