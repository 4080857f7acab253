# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which credentials go to which registry host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.signed.registry.plugins.module_utils._credentials import Credentials, parse_auth_file
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput


def auth(user, password):
    return base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


AUTH_JSON = json.dumps({
    "auths": {
        "registry.example.com": {"auth": auth("alice", "pw-a")},
        "https://index.docker.io/v1/": {"auth": auth("dockeruser", "pw-d")},
        "quay.io/team": {"auth": auth("team", "pw-team")},
        "127.0.0.1:5000": {"auth": auth("local", "pw:with:colons")},
        "empty.example.com": {},
    },
    "credHelpers": {"gcr.io": "gcloud"},
})


def test_auth_file_entries_by_host_as_podman_and_docker_write_them():
    found, helpers = parse_auth_file(AUTH_JSON, "auth.json")
    assert found == {"registry.example.com": ("alice", "pw-a"), "docker.io": ("dockeruser", "pw-d"),
                     "127.0.0.1:5000": ("local", "pw:with:colons")}
    assert helpers == {"gcr.io"}


@pytest.mark.parametrize("text, message", [
    ("not json", "is not JSON"),
    ("[]", "must be a JSON object with an 'auths' object"),
    (json.dumps({"auths": {"r.io": {"auth": "!!!"}}}), "not base64 of user:password"),
    (json.dumps({"auths": {"r.io": {"auth": base64.b64encode(b"nocolon").decode()}}}), "not base64 of user:password"),
])
def test_bad_auth_files_are_refused_clearly(text, message):
    with pytest.raises(InvalidInput) as err:
        parse_auth_file(text, "/x/auth.json")
    assert message in str(err.value) and "/x/auth.json" in str(err.value)


def test_each_host_gets_its_own_credentials_and_a_host_without_any_gets_none(tmp_path):
    path = tmp_path / "auth.json"
    path.write_text(AUTH_JSON)
    creds = Credentials(registry_auth=[{"host": "registry.example.com", "username": "bob", "password": "pw-b"}],
                        auth_file=str(path))
    assert creds.for_host("registry.example.com") == ("bob", "pw-b")  # registry_auth wins over the file
    assert creds.for_host("registry-1.docker.io") == ("dockeruser", "pw-d")
    assert creds.for_host("127.0.0.1:5000") == ("local", "pw:with:colons")
    assert creds.for_host("evil.example.com") == (None, None)
    assert creds.for_host("quay.io") == (None, None)  # only a repository-scoped entry: not for the host
    assert sorted(creds.secrets()) == sorted(["pw-b", "pw-a", "pw-d", "pw:with:colons"])


def test_the_single_registry_shorthand_refuses_a_second_host_before_anything_is_sent():
    creds = Credentials(username="u", password="p",
                        registry_auth=[{"host": "other.example.com", "username": "o", "password": "po"}])
    assert creds.for_host("registry.example.com") == ("u", "p")
    assert creds.for_host("registry.example.com") == ("u", "p")
    assert creds.for_host("other.example.com") == ("o", "po")
    with pytest.raises(InvalidInput) as err:
        creds.for_host("evil.example.com")
    assert "are for one registry, and this task talks to registry.example.com and evil.example.com" in str(err.value)


def test_a_host_named_twice_in_registry_auth_is_refused():
    with pytest.raises(InvalidInput):
        Credentials(registry_auth=[{"host": "r.io", "username": "a", "password": "1"},
                                   {"host": "https://r.io/", "username": "b", "password": "2"}])
