# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options every verifier module takes besides its trust options (_verification.VERIFIER_SPEC).
    DOCUMENTATION = r"""
options:
  images:
    description:
      - Images to verify, by tag or digest. Tags are resolved to digests first; a digest is
        verified as given, and a registry that answers for it with another digest is refused.
    type: list
    elements: str
    required: true
  fail_on_unverified:
    description:
      - Fail when an image has nothing that was accepted. With V(false), the module reports
        C(verified) per image (with the reasons in C(rejected)) and the playbook decides.
    type: bool
    default: true
"""
