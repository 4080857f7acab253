# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No role task can print a secret: every task whose output may carry one is no_log.

The secrets are what the roles' meta/argument_specs.yml marks no_log (options, and suboptions
of list options such as pulp_registry_signing_services[].gpg_private_key). Ansible prints a task's
module arguments at -vvv, each loop item at -v, and a failed task's result at any verbosity, so a
task must be no_log when:
- a module argument, environment or task var uses a secret variable, or a secret suboption;
- its loop goes over a list that holds secret suboptions (or over the results of such a loop).
Variables of vars/main.yml and registered results carry the secrets of what they are made of.
Conditions (when, that, changed_when, failed_when, until) print no values and are not counted.
The integration target no_secrets_in_output runs the signing tasks at -vvv with marker secrets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[3] / "roles"
CONDITIONS = ("when", "that", "changed_when", "failed_when", "until", "name", "no_log", "register",
              "loop_control", "tags", "notify", "listen")
LOOPS = ("loop", "with_items", "with_list", "with_dict", "with_subelements")
NAME = re.compile(r"\b[a-z_][a-z0-9_]*\b")


def _secrets(roles, role):
    """(secret variables, lists holding secret suboptions, the secret suboption names)."""
    spec = yaml.safe_load((roles / role / "meta" / "argument_specs.yml").read_text())
    scalars, holders, attributes = set(), set(), set()
    for name, option in spec["argument_specs"]["main"]["options"].items():
        if option.get("no_log"):
            scalars.add(name)
        secret_subs = [sub for sub, o in (option.get("options") or {}).items() if o.get("no_log")]
        if secret_subs:
            holders.add(name)
            attributes.update(secret_subs)
    return scalars, holders, attributes


def _expressions(value):
    """Every string in a task value, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "that":  # assert's conditions: printed as written, not as values
                yield from _expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _expressions(item)
    elif isinstance(value, str):
        yield value


TEMPLATE = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)


def _uses(text, names):
    """Whether a Jinja expression in ``text`` names one of ``names`` (prose does not count)."""
    code = " ".join(a or b for a, b in TEMPLATE.findall(text))
    return bool(set(NAME.findall(code)) & names)


def _uses_secret_attribute(text, attributes):
    return any(re.search(r"\.%s\b|\[['\"]%s['\"]\]|attribute=['\"]%s['\"]" % (a, a, a), text) for a in attributes)


def _tasks(path):
    def walk(tasks):
        for task in tasks or []:
            yield task
            for key in ("block", "rescue", "always"):
                yield from walk(task.get(key))
    return list(walk(yaml.safe_load(path.read_text())))


def _tainted(roles, role, scalars, holders):
    """Grow the secret variables with what vars/main.yml and registered results make of them."""
    derived = yaml.safe_load((roles / role / "vars" / "main.yml").read_text()) or {}
    scalars, holders = set(scalars), set(holders)
    changed = True
    while changed:
        changed = False
        for name, value in derived.items():
            text = " ".join(_expressions(value))
            if name not in scalars and _uses(text, scalars):
                scalars.add(name)
                changed = True
            if name not in holders and _uses(text, holders) and not _only_public_attributes(text, holders):
                holders.add(name)
                changed = True
    for path in sorted((roles / role).glob("*/*.yml")):
        if path.parent.name not in ("tasks", "handlers"):
            continue
        for task in _tasks(path):
            loop = " ".join(_expressions([task.get(k) for k in LOOPS]))
            if task.get("register") and _loops_over_secrets(loop, holders):
                holders.add(task["register"])
    return scalars, holders


def _only_public_attributes(text, holders):
    """A list of secrets used only through map(attribute=...) of other suboptions."""
    stripped = re.sub(r"(%s)\s*\|\s*map\(attribute=['\"][a-z_]+['\"]\)" % "|".join(holders), "", text)
    return not _uses(stripped, holders)


def _loops_over_secrets(loop, holders):
    return _uses(loop, holders) and not _only_public_attributes(loop, holders)


def _leaks(role, roles=ROLES):
    scalars, holders, attributes = _secrets(roles, role)
    scalars, holders = _tainted(roles, role, scalars, holders)
    found = []
    for path in sorted((roles / role).glob("*/*.yml")):
        if path.parent.name not in ("tasks", "handlers"):
            continue
        for task in _tasks(path):
            if task.get("no_log") is True or "block" in task:
                continue
            printed = dict((k, v) for k, v in task.items() if k not in CONDITIONS + LOOPS)
            text = " ".join(_expressions(printed))
            loop = " ".join(_expressions([task.get(k) for k in LOOPS]))
            if _uses(text, scalars) or _uses_secret_attribute(text, attributes) or _loops_over_secrets(loop, holders):
                found.append("%s: %s" % (path.relative_to(roles), task.get("name")))
    return found


@pytest.mark.parametrize("role", sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").is_file()))
def test_every_task_that_can_print_a_secret_is_no_log(role):
    assert _leaks(role) == []


def test_the_check_finds_a_loop_over_secrets(tmp_path):
    """The check itself: the signing task as it was before the fix is found."""
    role = tmp_path / "pulp_registry"
    for folder in ("meta", "vars", "tasks"):
        (role / folder).mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text((ROLES / "pulp_registry" / "meta" / "argument_specs.yml").read_text())
    (role / "vars" / "main.yml").write_text("{}\n")
    (role / "tasks" / "main.yml").write_text(yaml.safe_dump([
        {"name": "Look for the keys", "ansible.builtin.command": {"argv": ["gpg", "{{ item.fingerprint }}"]},
         "loop": "{{ pulp_registry_signing_services }}", "register": "found"},
        {"name": "Use the results", "ansible.builtin.command": {"argv": ["gpg", "{{ item.item.name }}"]},
         "loop": "{{ found.results }}"},
        {"name": "A password as an argument", "ansible.builtin.command": {"argv": ["x", "{{ pulp_registry_db_password }}"]}},
        {"name": "Names only", "ansible.builtin.debug": {"msg": "{{ item }}"},
         "loop": "{{ pulp_registry_signing_services | map(attribute='name') | list }}"},
    ]))
    assert _leaks("pulp_registry", tmp_path) == ["pulp_registry/tasks/main.yml: Look for the keys",
                                                 "pulp_registry/tasks/main.yml: Use the results",
                                                 "pulp_registry/tasks/main.yml: A password as an argument"]
