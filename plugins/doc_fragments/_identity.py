# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  signed_identity:
    description:
      - Which C(docker-reference) a signature may claim, in policy.json's own vocabulary and with
        the same meaning as there (M(signed.registry.containers_policy) takes the same dict).
      - Not set, the claimed identity is not checked, as C(cosign verify) does not check it.
      - Signatures mirrored from an upstream (into Pulp, for example) keep the upstream identity;
        V(exactRepository) with the upstream repository accepts them.
    type: dict
    suboptions:
      type:
        description:
          - V(matchRepository) accepts any signature for the image's repository; V(exactRepository)
            one for O(signed_identity.docker_repository); V(matchExact) only the exact reference
            (tag or digest); V(matchRepoDigestOrExact) the repository for digest references and
            the exact tag for tag references; V(exactReference) exactly
            O(signed_identity.docker_reference); V(remapIdentity) maps O(signed_identity.prefix) to
            O(signed_identity.signed_prefix), then applies V(matchRepoDigestOrExact).
        type: str
        required: true
        choices: [exactReference, exactRepository, matchExact, matchRepoDigestOrExact, matchRepository, remapIdentity]
      docker_reference:
        description: For V(exactReference), the reference with tag or digest.
        type: str
      docker_repository:
        description: For V(exactRepository), the repository.
        type: str
      prefix:
        description: For V(remapIdentity), the prefix of the image reference to replace.
        type: str
      signed_prefix:
        description: For V(remapIdentity), what it is replaced with.
        type: str
"""
