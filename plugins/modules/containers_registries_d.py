#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: containers_registries_d
short_description: One scope's section in a containers registries.d file
version_added: 0.1.0
description:
  - Sets or removes one C(docker) scope's section, or the C(default-docker) section, of a
    registries.d YAML file (containers-registries.d(5)), where containers/image looks up whether to
    read cosign signatures from the registry (C(use-sigstore-attachments)) and where lookaside
    signatures are. Other sections of the file stay as they are.
  - containers/image merges every C(*.yaml) file of the directory and refuses, for every pull, a
    scope (or C(default-docker)) that two files define. The module fails, writing nothing, when
    another C(*.yaml) file of the directory defines the same section or does not parse.
  - containers/image ignores unknown keys in these files, so a misspelt key is a setting silently
    not used. The module refuses to edit a file with an unknown key, a duplicate key or a
    non-boolean C(use-sigstore-attachments), and leaves it as it is.
  - The section holds exactly the settings given; a setting not given is removed from it and falls
    back, in containers/image, to the parent scopes and then C(default-docker).
  - The file is written in one rename, keeping its mode (C(0644) for a new file), owner and group, as
    block-style YAML with keys in their existing order and new scopes last. Comments are not kept, so
    give each tool its own file rather than editing a hand-written one. The file is rewritten only
    when its content differs, and removed when its last section is.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  path:
    description:
      - The registries.d file, such as C(/etc/containers/registries.d/pulp.yaml). Its name must end
        in C(.yaml), the only files containers/image reads there, and its directory must exist
        (Debian 12 does not ship C(/etc/containers/registries.d)).
      - containers/image uses C($HOME/.config/containers/registries.d) if it exists, instead of (not
        in addition to) C(/etc/containers/registries.d).
    type: path
    required: true
  scope:
    description:
      - The docker scope of the section, as in policy.json - C(host[:port]), C(host[:port]/namespace),
        C(host[:port]/repository) or C(*.domain), fully expanded. Required unless O(default_docker=true).
    type: str
  default_docker:
    description: Manage the C(default-docker) section, used when no scope sets a value, instead of a scope.
    type: bool
    default: false
  use_sigstore_attachments:
    description:
      - Whether to read (and, for podman push, write) cosign signatures attached to images in the
        registry. C(sigstoreSigned) policy requirements need V(true), otherwise every image is
        refused with C(A signature was required, but no signature exists). containers/image 5.22 and newer.
      - Not set, the key is left out of the section and the value comes from a parent scope or
        C(default-docker) (containers/image's default is V(false)).
    type: bool
  lookaside:
    description:
      - URL (C(https://), C(http://) or C(file://)) of the lookaside store to read GPG simple
        signatures from, and to write them to when O(lookaside_staging) is not set.
    type: str
  lookaside_staging:
    description: URL to write lookaside signatures to (C(file://) in practice).
    type: str
  state:
    description:
      - V(present) sets the section; it needs at least one of O(use_sigstore_attachments),
        O(lookaside), O(lookaside_staging). V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  backup:
    description: Keep a timestamped copy of the file before changing or removing it (see RV(backup_file)).
    type: bool
    default: false
extends_documentation_fragment:
  - signed.registry._attributes
  - signed.registry._requirements
  - signed.registry._requirements.PYYAML
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the whole file before and after.
  idempotent:
    support: full
  platform:
    platforms: posix
seealso:
  - module: signed.registry.containers_policy
  - name: containers-registries.d(5)
    description: The file format.
    link: https://github.com/containers/image/blob/main/docs/containers-registries.d.5.md
"""

EXAMPLES = r"""
- name: A directory for the drop-ins (Debian 12 ships none)
  ansible.builtin.file:
    path: /etc/containers/registries.d
    state: directory
    mode: "0755"

- name: podman and skopeo read cosign signatures from the Pulp registry
  signed.registry.containers_registries_d:
    path: /etc/containers/registries.d/pulp.yaml
    scope: pulp.example.com
    use_sigstore_attachments: true

- name: And from every registry that has no section of its own
  signed.registry.containers_registries_d:
    path: /etc/containers/registries.d/default-docker.yaml
    default_docker: true
    use_sigstore_attachments: true

- name: GPG simple signatures of one namespace are in a lookaside store
  signed.registry.containers_registries_d:
    path: /etc/containers/registries.d/pulp.yaml
    scope: pulp.example.com/legacy
    lookaside: https://pulp.example.com/extensions/v2/sigstore

- name: Forget the section
  signed.registry.containers_registries_d:
    path: /etc/containers/registries.d/pulp.yaml
    scope: pulp.example.com/legacy
    state: absent
"""

RETURN = r"""
path:
  description: Path of the file.
  returned: always
  type: str
  sample: /etc/containers/registries.d/pulp.yaml
section:
  description: The section as written, with the file's own key names (null when O(state=absent)).
  returned: always
  type: dict
  sample: {"use-sigstore-attachments": true}
file_removed:
  description: Whether the file was (or, in check mode, would be) removed because no section was left in it.
  returned: always
  type: bool
  sample: false
backup_file:
  description: Path of the copy made of the file before it was changed.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /etc/containers/registries.d/pulp.yaml.12345.2026-01-01@12:00:00~
"""

import os

from ansible_collections.signed.registry.plugins.module_utils._containers_config import (
    HAS_YAML,
    YAML_IMPORT_ERROR,
    check_docker_scope,
    dump_registries_d,
    get_section,
    load_registries_d,
    other_definitions,
    remove_section,
    section_from_options,
    set_section,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput, SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._files import check_link, read_bytes, replace_file
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun


def section_scope(params):
    """The scope, or None for default-docker."""
    if params["default_docker"]:
        if params["scope"] is not None:
            raise InvalidInput("default_docker=true manages the default-docker section: do not set scope with it")
        return None
    if not params["scope"]:
        raise InvalidInput("scope is required unless default_docker=true")
    return params["scope"]


def check_path(path, creating):
    if not path.endswith(".yaml"):
        raise InvalidInput("path must end in .yaml: containers/image reads no other file in registries.d, got %s" % path)
    directory = os.path.dirname(os.path.abspath(path))
    if creating and not os.path.isdir(directory):
        raise InvalidInput("path: the directory %s does not exist; create it first" % directory)


def load_existing(path, data):
    if data is None:
        return {}
    try:
        return load_registries_d(data)
    except InvalidInput as exc:
        raise SignedRegistryError("%s is not a registries.d file this module can edit safely (%s); it was left "
                                  "as it is" % (path, exc))


def write(run, path, doc, data):
    if data is not None and run.params["backup"]:
        run.result["backup_file"] = run.module.backup_local(path)
    if not doc:
        os.unlink(path)
        return
    replace_file(path, dump_registries_d(doc))


def main():
    argument_spec = dict(
        path=dict(type="path", required=True),
        scope=dict(type="str"),
        default_docker=dict(type="bool", default=False),
        use_sigstore_attachments=dict(type="bool"),
        lookaside=dict(type="str"),
        lookaside_staging=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        backup=dict(type="bool", default=False),
    )
    required_if = [("state", "present", ("use_sigstore_attachments", "lookaside", "lookaside_staging"), True)]
    with ModuleRun(argument_spec, requires=(), libraries=(("PyYAML", HAS_YAML, YAML_IMPORT_ERROR),),
                   required_if=required_if) as run:
        params = run.params
        path = params["path"]
        scope = section_scope(params)
        check_path(path, params["state"] == "present")
        run.result.update(path=path, section=None, file_removed=False)
        check_link(path)
        data = read_bytes(path)
        before = load_existing(path, data)
        if params["state"] == "present":
            if scope is not None:
                check_docker_scope(scope)
            section = section_from_options(params["lookaside"], params["lookaside_staging"],
                                           params["use_sigstore_attachments"])
            conflicts = other_definitions(path, scope)
            if conflicts:
                raise SignedRegistryError("; ".join(message for dummy, message in conflicts)
                                          + "; %s was left as it is" % path,
                                          conflicting_files=[name for name, dummy in conflicts])
            after = set_section(before, scope, section)
        else:
            after = remove_section(before, scope)
        run.result["section"] = get_section(after, scope) if params["state"] == "present" else None
        run.result["changed"] = after != before
        run.result["file_removed"] = run.result["changed"] and not after
        if run.result["changed"] and not run.check_mode:
            write(run, path, after, data)
        run.diff(before, after)


if __name__ == "__main__":
    main()
