#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: containers_policy
short_description: One scope's requirements in a containers policy.json
version_added: 0.1.0
description:
  - Sets or removes the requirements of one scope of a C(policy.json) (containers-policy.json(5)),
    the file podman, skopeo, buildah, CRI-O and bootc check every image against, or sets its
    policy-wide C(default). Every other entry, transport and scope stays as it is.
  - containers/image parses C(policy.json) strictly, and an unknown or misplaced key makes it refuse
    the whole file, so that every pull on the host fails. The module therefore validates the whole
    result for the containers/image version of the host (see O(containers_image_version)) and
    refuses, writing nothing, anything that version would refuse, naming the key, the version that
    introduced it and the host's version. An existing file that containers/image would not parse is
    left as it is and the module fails.
  - What the module writes is held to more than containers/image's parser. Docker scopes must be
    in the fully expanded form images are matched in (a scope that can never match silently leaves
    the images to the C(default)); key and certificate paths must be absolute; C(signedBy) takes only
    C(keyType=GPGKeys), the only one containers/image implements.
  - The file is written in one rename, keeping its mode (C(0644) for a new file), owner and group, as
    JSON with a 4-space indent (as C(podman image trust set) writes it) and a final newline, with
    keys in their existing order and new scopes last. It is rewritten only when its content
    differs, compared as JSON, from what was asked.
  - Signatures made by cosign (and by this collection) name the repository only. Accept them with
    O(requirements[].signed_identity.type=matchRepository) or V(exactRepository); the default,
    V(matchRepoDigestOrExact), accepts them only for pulls by digest. C(sigstoreSigned) also needs
    C(use-sigstore-attachments) for the registry, see M(signed.registry.containers_registries_d).
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  path:
    description:
      - Path of the policy file. containers/image reads C($HOME/.config/containers/policy.json) if it
        exists, instead of (not in addition to) C(/etc/containers/policy.json).
      - Its directory must exist.
    type: path
    default: /etc/containers/policy.json
  policy_default:
    description:
      - Manage the policy-wide C(default) requirements, used for every image no transport scope
        matches, instead of a scope. O(scope) and O(transport) must not be set then, and
        O(state=absent) is refused (containers/image refuses a policy without a C(default)).
    type: bool
    default: false
  transport:
    description:
      - Transport of the scope, V(docker) when not set (images pulled from registries).
    type: str
    choices: [atomic, containers-storage, dir, docker, docker-archive, docker-daemon, oci, oci-archive, ostree, sif, tarball]
  scope:
    description:
      - Scope within O(transport); required unless O(policy_default=true). The empty string is the
        transport's own default, used when no other scope of the transport matches.
      - For V(docker), the most specific matching scope wins, among C(host[:port]/ns/repo:tag) or
        C(host[:port]/ns/repo@sha256:...), C(host[:port]/ns/repo), each parent namespace, C(host[:port])
        and wildcard domains C(*.example.com) (without port; containers/image 5.10 and newer). Names are
        fully expanded, for example C(docker.io/library/busybox), never C(busybox).
      - For V(dir), V(oci), V(oci-archive) and V(sif), an absolute path.
    type: str
  requirements:
    description:
      - The requirements of the entry, all of which an image must meet. Each sets V(type) and the
        fields that type takes; a field another type takes is refused.
      - Required with O(state=present) unless O(raw_requirements) is given.
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - V(sigstoreSigned) needs a cosign-compatible signature (containers/image 5.22 and newer);
            V(signedBy) a GPG simple signature; V(insecureAcceptAnything) accepts any image;
            V(reject) refuses every image.
        type: str
        required: true
        choices: [insecureAcceptAnything, reject, signedBy, sigstoreSigned]
      key_type:
        description: For V(signedBy), the key type; V(GPGKeys) when not set.
        type: str
        choices: [GPGKeys]
      key_path:
        description:
          - Absolute path of the public key file on the host; a cosign PEM public key for
            V(sigstoreSigned), a GPG keyring for V(signedBy). C(keyPath) in the file.
        type: path
      key_paths:
        description:
          - Several key files, any of which may have signed. C(keyPaths); for V(sigstoreSigned) it
            needs containers/image 5.33.
        type: list
        elements: path
      key_data:
        description:
          - The public key itself, as its PEM text (or ASCII-armoured GPG text for V(signedBy)), for
            example read with the C(ansible.builtin.file) lookup as in the examples. The module stores
            it base64-encoded as C(keyData).
        type: str
      key_datas:
        description:
          - Several keys as in O(requirements[].key_data), any of which may have signed. Only for
            V(sigstoreSigned); C(keyDatas), containers/image 5.33.
        type: list
        elements: str
      signed_identity:
        description:
          - Which C(docker-reference) a signature may claim, in policy.json's own vocabulary (the same
            dict M(signed.registry.cosign_verify) takes). Not set, containers/image uses
            V(matchRepoDigestOrExact).
        type: dict
        suboptions:
          type:
            description:
              - V(matchRepository) accepts a signature for the image's repository; V(exactRepository)
                one for O(requirements[].signed_identity.docker_repository); V(matchExact) only the exact
                reference; V(matchRepoDigestOrExact) the repository for pulls by digest and the exact tag
                otherwise; V(exactReference) exactly O(requirements[].signed_identity.docker_reference);
                V(remapIdentity) maps O(requirements[].signed_identity.prefix) to
                O(requirements[].signed_identity.signed_prefix), then applies V(matchRepoDigestOrExact).
            type: str
            required: true
            choices: [matchExact, matchRepoDigestOrExact, matchRepository, exactReference, exactRepository, remapIdentity]
          docker_reference:
            description: For V(exactReference), the reference with tag or digest.
            type: str
          docker_repository:
            description:
              - For V(exactRepository), the repository. For images mirrored into Pulp, the upstream
                repository the signatures name.
            type: str
          prefix:
            description: For V(remapIdentity), the prefix of the pulled image's name to replace.
            type: str
          signed_prefix:
            description: For V(remapIdentity), what it is replaced with before matching.
            type: str
      fulcio:
        description:
          - For V(sigstoreSigned) with Fulcio certificates (containers/image 5.24), policy.json's own
            C(fulcio) object with its keys as they are there - C(caPath) or C(caData) (base64),
            C(oidcIssuer) and C(subjectEmail). Needs one of the O(requirements[].rekor_public_key_path)
            options.
        type: dict
      pki:
        description:
          - For V(sigstoreSigned) with an X.509 PKI (containers/image 5.35), policy.json's own C(pki)
            object - C(caRootsPath) or C(caRootsData), optionally C(caIntermediatesPath) or
            C(caIntermediatesData), and C(subjectEmail) and/or C(subjectHostname).
        type: dict
      rekor_public_key_path:
        description: For V(sigstoreSigned), the Rekor public key file (C(rekorPublicKeyPath), containers/image 5.24).
        type: path
      rekor_public_key_paths:
        description: Several Rekor public key files (C(rekorPublicKeyPaths), containers/image 5.33).
        type: list
        elements: path
      rekor_public_key_data:
        description: The Rekor public key's PEM text, stored base64-encoded (C(rekorPublicKeyData), containers/image 5.24).
        type: str
      rekor_public_key_datas:
        description: Several Rekor public keys' PEM texts (C(rekorPublicKeyDatas), containers/image 5.33).
        type: list
        elements: str
  raw_requirements:
    description:
      - The requirements exactly as policy.json holds them (camelCase keys, C(*Data) in base64),
        instead of O(requirements). They are validated the same way.
    type: list
    elements: dict
  default_requirements:
    description:
      - Only used when O(path) does not exist yet, as the policy-wide C(default) of the new file, in the
        form of O(requirements).
      - The default refuses every image no scope matches. Without a C(policy.json) containers/image
        refuses every image anyway, so creating the file this way accepts nothing but what the
        scopes allow. A single V(insecureAcceptAnything) requirement here accepts unsigned images from
        everywhere else instead.
    type: list
    elements: dict
    default: [{type: reject}]
  state:
    description:
      - V(present) sets the entry's requirements; V(absent) removes the scope (and its transport
        when no scope is left). The file itself is never removed.
    type: str
    choices: [present, absent]
    default: present
  containers_image_version:
    description:
      - Version of containers/image (the library in podman, skopeo, buildah, CRI-O) that reads the
        file, such as V(5.23) or V(5.34.1). The result is validated for it.
      - When not set, it is found from C(skopeo --version) and C(podman --version) on the host (the
        older of the two when both are installed), with a table of the containers/image version each
        release vendors. When neither is installed, the newest version this module knows is used,
        with a warning. A tool older than that table (skopeo 1.9, podman 4.2) must be given this option.
    type: str
  backup:
    description: Keep a timestamped copy of the file before changing it (see RV(backup_file)).
    type: bool
    default: false
extends_documentation_fragment:
  - signed.registry._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the whole policy before and after.
  idempotent:
    support: full
  platform:
    platforms: posix
seealso:
  - module: signed.registry.containers_registries_d
  - module: signed.registry.cosign_verify
  - name: containers-policy.json(5)
    description: The file format.
    link: https://github.com/containers/image/blob/main/docs/containers-policy.json.5.md
"""

EXAMPLES = r"""
- name: Images from the internal registry must carry the release key's cosign signature
  signed.registry.containers_policy:
    scope: registry.example.com
    requirements:
      - type: sigstoreSigned
        key_path: /etc/containers/keys/release.pub
        signed_identity:
          type: matchRepository

- name: Nothing else is accepted
  signed.registry.containers_policy:
    policy_default: true
    requirements:
      - type: reject

- name: Local image directories are trusted
  signed.registry.containers_policy:
    transport: dir
    scope: ""
    requirements:
      - type: insecureAcceptAnything

- name: Mirrors in Pulp carry the upstream signatures, which name the upstream repository
  signed.registry.containers_policy:
    scope: pulp.example.com/mirror/app
    requirements:
      - type: sigstoreSigned
        key_data: "{{ lookup('file', 'vendor.pub') }}"
        signed_identity:
          type: exactRepository
          docker_repository: registry.vendor.example/app

- name: Keyless signatures, written as policy.json has them
  signed.registry.containers_policy:
    scope: ghcr.io/example
    raw_requirements:
      - type: sigstoreSigned
        fulcio:
          caPath: /etc/containers/fulcio.pem
          oidcIssuer: https://token.actions.githubusercontent.com
          subjectEmail: release@example.com
        rekorPublicKeyPath: /etc/containers/rekor.pub
        signedIdentity:
          type: matchRepository

- name: The scope is no longer special
  signed.registry.containers_policy:
    scope: registry.example.com
    state: absent
"""

RETURN = r"""
path:
  description: Path of the policy file.
  returned: always
  type: str
  sample: /etc/containers/policy.json
entry:
  description: The entry's requirements as written in the file (null when O(state=absent)).
  returned: always
  type: list
  elements: dict
  sample: [{"type": "sigstoreSigned", "keyPath": "/etc/containers/keys/release.pub", "signedIdentity": {"type": "matchRepository"}}]
containers_image_version:
  description: The containers/image version the policy was validated for.
  returned: always
  type: str
  sample: "5.34"
containers_image_version_source:
  description:
    - Where that version comes from - C(containers_image_version), the tool and release it was found
      from (C(skopeo 1.18.0)), or C(newest known) when neither skopeo nor podman was found.
  returned: always
  type: str
  sample: skopeo 1.18.0
backup_file:
  description: Path of the copy made of the file before it was changed.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /etc/containers/policy.json.12345.2026-01-01@12:00:00~
"""

import os

from ansible_collections.signed.registry.plugins.module_utils._containers_config import (
    NEWEST_KNOWN,
    OPTION_NAMES,
    TRANSPORTS,
    check_docker_scope,
    check_written_requirements,
    dump_policy,
    format_version,
    get_entry,
    key_files,
    load_policy,
    new_policy,
    parse_version,
    remove_entry,
    requirement_from_options,
    set_entry,
    transport_scope_problem,
    validate_policy,
    validate_requirements,
    version_from_tool,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput, SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._identity import IDENTITY_ARGUMENT_SPEC
from ansible_collections.signed.registry.plugins.module_utils._files import check_link, read_bytes, replace_file
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun

REQUIREMENT_SPEC = dict(
    type=dict(type="str", required=True, choices=["insecureAcceptAnything", "reject", "signedBy", "sigstoreSigned"]),
    key_type=dict(type="str", choices=["GPGKeys"]),
    key_path=dict(type="path", no_log=False),
    key_paths=dict(type="list", elements="path", no_log=False),
    key_data=dict(type="str", no_log=False),
    key_datas=dict(type="list", elements="str", no_log=False),
    signed_identity=dict(type="dict", options=IDENTITY_ARGUMENT_SPEC),
    fulcio=dict(type="dict"),
    pki=dict(type="dict"),
    rekor_public_key_path=dict(type="path"),
    rekor_public_key_paths=dict(type="list", elements="path"),
    rekor_public_key_data=dict(type="str"),
    rekor_public_key_datas=dict(type="list", elements="str"),
)


def entry_target(params):
    """(transport, scope) of the managed entry; (None, None) for the policy-wide default."""
    if params["policy_default"]:
        if params["scope"] is not None or params["transport"] is not None:
            raise InvalidInput("policy_default=true manages the policy-wide default: set neither scope nor transport with it")
        if params["state"] == "absent":
            raise InvalidInput("the policy-wide default cannot be removed: containers/image refuses a policy.json "
                               "without one; set its requirements instead")
        return None, None
    if params["scope"] is None:
        raise InvalidInput('scope is required unless policy_default=true (scope: "" is the transport\'s own default)')
    return params["transport"] or "docker", params["scope"]


def host_version(run):
    """(containers/image version, where it comes from)."""
    if run.params["containers_image_version"]:
        return parse_version(run.params["containers_image_version"]), "containers_image_version"
    found = []
    for tool in ("skopeo", "podman"):
        binary = run.module.get_bin_path(tool)
        if not binary:
            continue
        rc, out, err = run.module.run_command([binary, "--version"])
        version, text, warning = version_from_tool(tool, out if rc == 0 else "")
        if version is None:
            raise InvalidInput("cannot tell which containers/image %s is built with (%s --version: %r); set "
                               "containers_image_version" % (binary, binary, (out or err).strip()))
        if warning:
            run.module.warn(warning)
        found.append((version, text))
    if not found:
        run.module.warn("neither skopeo nor podman was found on the host: the policy was validated for "
                        "containers/image %s, the newest this module knows; set containers_image_version to "
                        "validate it for the version the host will have" % format_version(NEWEST_KNOWN))
        return NEWEST_KNOWN, "newest known"
    # The policy must suit every tool on the host: the older library is the stricter one.
    return min(found)


def structured(items, option):
    """``requirements``-style items -> policy.json requirements, validated as written."""
    return [requirement_from_options(dict(item), "%s[%d]" % (option, index)) for index, item in enumerate(items)]


def desired_requirements(params, option, version, host):
    if option == "raw_requirements":
        reqs, names = params["raw_requirements"], None
    else:
        if any(not isinstance(item, dict) for item in params[option]):
            raise InvalidInput("%s must be a list of dicts with type and its fields" % option)
        reqs, names = structured(params[option], option), OPTION_NAMES
    validate_requirements(reqs, option, version, host, names)
    check_written_requirements(reqs, option, names)
    return reqs


def check_scope(transport, scope, version, host):
    if scope == "":
        return
    if transport == "docker":
        check_docker_scope(scope, "scope", version, host)
        return
    problem = transport_scope_problem(transport, scope)
    if problem:
        raise InvalidInput("scope %r %s for transport %s" % (scope, problem, transport))


def load_existing(path, creating):
    check_link(path)
    data = read_bytes(path)
    if data is None:
        directory = os.path.dirname(os.path.abspath(path))
        if creating and not os.path.isdir(directory):
            raise InvalidInput("path: the directory %s does not exist" % directory)
        return None
    try:
        return load_policy(data)
    except InvalidInput as exc:
        raise SignedRegistryError("%s is not a policy.json containers/image accepts (%s); it was left as it is"
                                  % (path, exc))


def warn_about(run, reqs, version):
    for name in key_files(reqs):
        if not os.path.exists(name):
            run.module.warn("%s does not exist on the host: containers/image rejects every image of this scope "
                            "until it does" % name)
    if version <= (5, 23) and any(req.get("type") == "sigstoreSigned" for req in reqs):
        run.module.warn("containers/image %s: Debian 12's skopeo 1.9 and podman 4.3 are built with sigstore "
                        "verification disabled, and reject every image under sigstoreSigned there (use Debian 13, "
                        "or signedBy with GPG keys; for a file meant for other hosts, set containers_image_version "
                        "to theirs)" % format_version(version))


def write(run, path, doc, existed):
    if existed and run.params["backup"]:
        run.result["backup_file"] = run.module.backup_local(path)
    replace_file(path, dump_policy(doc))


def main():
    argument_spec = dict(
        path=dict(type="path", default="/etc/containers/policy.json"),
        policy_default=dict(type="bool", default=False),
        transport=dict(type="str", choices=list(TRANSPORTS)),
        scope=dict(type="str"),
        requirements=dict(type="list", elements="dict", options=REQUIREMENT_SPEC),
        raw_requirements=dict(type="list", elements="dict"),
        default_requirements=dict(type="list", elements="dict", default=[{"type": "reject"}]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        containers_image_version=dict(type="str"),
        backup=dict(type="bool", default=False),
    )
    with ModuleRun(argument_spec, requires=(), mutually_exclusive=[("requirements", "raw_requirements")],
                   required_if=[("state", "present", ("requirements", "raw_requirements"), True)]) as run:
        params = run.params
        path = params["path"]
        transport, scope = entry_target(params)
        version, source = host_version(run)
        host = None if source == "newest known" else source
        run.result.update(path=path, entry=None, containers_image_version=format_version(version),
                          containers_image_version_source=source)
        before = load_existing(path, params["state"] == "present")
        if params["state"] == "present":
            check_scope(transport, scope, version, host)
            option = "raw_requirements" if params["raw_requirements"] is not None else "requirements"
            reqs = desired_requirements(params, option, version, host)
            base = before
            if base is None:
                base = new_policy(reqs if transport is None else
                                  desired_requirements(params, "default_requirements", version, host))
            after = set_entry(base, transport, scope, reqs)
            warn_about(run, reqs, version)
        else:
            after = None if before is None else remove_entry(before, transport, scope)
        if after is not None:
            try:
                validate_policy(after, version, host)
            except InvalidInput as exc:
                raise InvalidInput("%s; %s was left as it is" % (exc, path))
        run.result["entry"] = get_entry(after, transport, scope)
        run.result["changed"] = after != before
        if run.result["changed"] and not run.check_mode:
            write(run, path, after, before is not None)
        run.diff(before or {}, after or {})


if __name__ == "__main__":
    main()
