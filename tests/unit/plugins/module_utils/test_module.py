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
