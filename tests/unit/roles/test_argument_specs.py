# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every role variable is declared in the role's meta/argument_specs.yml, as documented there.

ansible-core validates arguments against the spec, and ansible-doc renders it: a variable the
role reads but the spec lacks is neither checked nor documented, and a default that differs
between defaults/main.yml and the spec documents a value the role does not use.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[3] / "roles"
# Where the role reads its variables (files/ holds scripts that Ansible does not template).
READ_FROM = ("tasks", "handlers", "templates", "vars", "defaults")
TYPES = {"str": str, "path": str, "int": int, "bool": bool, "list": list, "dict": dict}


def _roles():
    return sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").is_file())


def _load(role):
    spec = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()) or {}
    return options, defaults


def _facts_set_by(role):
    """Variables the role itself sets (set_fact, register): its results, not its arguments."""
    names = set()
    for path in (ROLES / role / "tasks").rglob("*.yml"):
        for task in yaml.safe_load(path.read_text()) or []:
            names.update((task.get("ansible.builtin.set_fact") or {}).keys())
            if "register" in task:
                names.add(task["register"])
    return names


def _read_variables(role):
    pattern = re.compile(r"\b%s_[a-z0-9_]+\b" % role)
    names = set()
    for folder in READ_FROM:
        for path in (ROLES / role / folder).rglob("*"):
            if path.is_file():
                names.update(pattern.findall(path.read_text()))
    return names


def _description(option):
    text = option["description"]
    return " ".join(text) if isinstance(text, list) else text


def test_roles_found():
    assert {"pulp_registry", "sigstore_client"} <= set(_roles())


@pytest.mark.parametrize("role", _roles())
def test_every_variable_read_is_declared(role):
    options = _load(role)[0]
    undeclared = _read_variables(role) - set(options) - _facts_set_by(role)
    assert not undeclared, "%s reads variables its argument_specs.yml lacks: %s" % (role, sorted(undeclared))


@pytest.mark.parametrize("role", _roles())
def test_every_option_is_described_and_typed(role):
    options = _load(role)[0]
    for name, option in options.items():
        assert option.get("description"), "%s: %s has no description" % (role, name)
        assert option.get("type", "str") in TYPES, "%s: %s has type %r" % (role, name, option.get("type"))


@pytest.mark.parametrize("role", _roles())
def test_defaults_match_the_spec(role):
    options, defaults = _load(role)
    assert not set(defaults) - set(options), "%s: defaults not in the spec: %s" % (role, sorted(set(defaults) - set(options)))
    for name, option in options.items():
        text = _description(option).lower()
        if name not in defaults:
            # Required only in some setups (the admin password where migrations run): said in prose.
            assert option.get("required") or "required" in text, "%s: %s has neither a default nor a word on being required" % (role, name)
            continue
        value = defaults[name]
        if "{{" in yaml.safe_dump(value) and option.get("default") != value:
            # A computed default is explained in prose; the spec cannot hold the expression.
            assert "default" in text, "%s: %s has a computed default its description does not explain" % (role, name)
            continue
        assert isinstance(value, TYPES[option.get("type", "str")]), "%s: %s default %r is not a %s" % (role, name, value, option.get("type", "str"))
        assert option.get("default") == value, "%s: %s defaults to %r, the spec says %r" % (role, name, value, option.get("default"))
