# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ansible-doc shows a user: every return value with a sample, links to related modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
from pathlib import Path

import pytest
import yaml

MODULES = Path(__file__).resolve().parents[3].parent / "plugins" / "modules"


def _docs(path):
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and node.targets[0].id in ("DOCUMENTATION", "RETURN", "EXAMPLES"):
            found[node.targets[0].id] = yaml.safe_load(node.value.value)
    return found


@pytest.mark.parametrize("path", sorted(MODULES.glob("*.py")), ids=lambda p: p.stem)
def test_every_return_value_has_a_sample_and_every_module_links_to_others(path):
    docs = _docs(path)
    assert [key for key, value in (docs.get("RETURN") or {}).items() if "sample" not in value] == []
    assert docs["DOCUMENTATION"].get("seealso"), "no seealso"
