# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The Python packages a module needs on the host that runs it, one fragment each; a module
    extends the base fragment and the ones it imports."""

    DOCUMENTATION = r"""
options: {}
notes:
  - The Python packages under C(requirements) are needed on the host that runs the module (the
    controller when the task is delegated to C(localhost)). Install them all from the installed
    collection with C(pip install -r ~/.ansible/collections/ansible_collections/signed/registry/requirements.txt)
    (adjust the path to your collections path).
"""

    REQUESTS = r"""
options: {}
requirements:
  - requests >= 2.25
"""

    CRYPTOGRAPHY = r"""
options: {}
requirements:
  - cryptography >= 41
"""

    PYNACL = r"""
options: {}
requirements:
  - PyNaCl >= 1.5 (scrypt and secretbox of cosign's encrypted keys)
"""

    PYSEQUOIA = r"""
options: {}
requirements:
  - pysequoia >= 0.1.30 (Sequoia OpenPGP, as Pulp uses it; verifies without a gpg binary or keyring)
"""

    PYYAML = r"""
options: {}
requirements:
  - PyYAML (a dependency of ansible-core)
"""
