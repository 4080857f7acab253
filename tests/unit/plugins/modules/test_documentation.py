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


def test_every_link_in_the_guides_resolves_inside_the_installed_collection():
    import re
    root = MODULES.parents[1]
    ignored = [str(p) for p in (yaml.safe_load((root / "galaxy.yml").read_text()).get("build_ignore") or [])]
    broken = []
    for page in [root / "README.md"] + sorted((root / "docs").glob("*.md")):
        for link in re.findall(r"\]\(([^)#\s]+)", page.read_text()):
            if "://" in link or link.startswith("mailto:"):
                continue
            target = (page.parent / link).resolve()
            relative = target.relative_to(root) if str(target).startswith(str(root) + "/") else None
            if relative is None or not target.exists() or any(
                    str(relative) == i or str(relative).startswith(i.rstrip("/") + "/") for i in ignored):
                broken.append("%s: %s" % (page.name, link))
    assert broken == []
