# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.signed.registry.plugins.module_utils._module import SECRET_MASK, mask_secrets


def test_mask_secrets_nested():
    data = {"remote": {"password": "p", "name": "n"}, "list": [{"client_key": "k"}, {"password": None}]}
    masked = mask_secrets(data, {"password", "client_key"})
    assert masked == {"remote": {"password": SECRET_MASK, "name": "n"},
                      "list": [{"client_key": SECRET_MASK}, {"password": None}]}
    assert data["remote"]["password"] == "p"


def test_secret_values_finds_url_passwords_and_header_values_at_any_depth():
    from ansible_collections.signed.registry.plugins.module_utils._module import secret_values
    params = {
        "url": "https://mirror-user:url-secret@registry.example.com/v2/",
        "proxy_url": "http://proxy.example.com:3128",
        "headers": [{"X-Token": "header-secret"}],
        "mirrors": [{"url": "https://u:nested-secret@r.io", "headers": [{"Authorization": "Bearer nested-token"}]}],
        "images": ["registry.example.com/app@sha256:" + "a" * 64],
    }
    assert sorted(secret_values(params)) == ["Bearer nested-token", "header-secret", "nested-secret", "url-secret"]
