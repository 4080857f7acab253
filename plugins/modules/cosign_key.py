#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cosign_key
short_description: A cosign-compatible encrypted key pair
version_added: 0.1.0
description:
  - Creates, imports or removes a signing key pair in the files C(cosign generate-key-pair) writes.
    The private key is an ECDSA P-256 key in PKCS#8, encrypted with scrypt (N=65536, r=8, p=1)
    and NaCl secretbox, in a PEM block of type C(ENCRYPTED SIGSTORE PRIVATE KEY). The public key
    is a PEM C(PUBLIC KEY).
  - cosign, containers/image (C(podman push --sign-by-sigstore-private-key)) and the modules of
    this collection read these files; this module reads the files they write, with either PEM
    label and each scrypt cost cosign accepts.
  - An existing private key that decrypts with O(passphrase) is kept. One that does not is never
    replaced silently, see O(regenerate).
  - The private key file is written with mode C(0600), the public key file with C(0644), each
    through a temporary file in the same directory and one rename.
author:
  - Signed Registry Maintainers (@signed-registry)
options:
  path:
    description: Path of the encrypted private key file.
    type: path
    required: true
  public_key_path:
    description:
      - Path of the public key file. Defaults to O(path) with its C(.key) suffix replaced by
        C(.pub) (C(cosign.key) gives C(cosign.pub)), or with C(.pub) appended.
    type: path
  passphrase:
    description:
      - Passphrase that encrypts the private key (C(COSIGN_PASSWORD) for cosign).
      - An empty passphrase protects nothing; it is refused unless O(allow_empty_passphrase=true).
    type: str
    required: true
  allow_empty_passphrase:
    description:
      - Accept an empty O(passphrase), as cosign does when C(COSIGN_PASSWORD) is empty (for keys
        that a vault or the file system protects instead).
    type: bool
    default: false
  import_key:
    description:
      - PEM text of an existing unencrypted private key (PKCS#8, SEC1 C(EC PRIVATE KEY) or
        PKCS#1 C(RSA PRIVATE KEY)) to store encrypted instead of generating a new one, as
        C(cosign import-key-pair) does.
    type: str
  key_format:
    description:
      - PEM label of the private key. V(sigstore) (C(ENCRYPTED SIGSTORE PRIVATE KEY)) is what
        cosign 2.0.1 and newer write. V(cosign) (C(ENCRYPTED COSIGN PRIVATE KEY)) is the older
        label, the only one containers/image before 5.25 (podman 4.3 on Debian 12) can sign with.
      - Only used when a key file is written.
    type: str
    choices: [sigstore, cosign]
    default: sigstore
  regenerate:
    description:
      - V(never) keeps an existing private key that decrypts with O(passphrase), even when
        O(import_key) names another key; it fails, touching nothing, when the key does not decrypt.
      - V(fail) does the same, and also fails when O(import_key) names another key than the one in
        O(path).
      - V(always) writes a new key on every run, replacing any existing one (the files keep their
        owner and group).
    type: str
    choices: [never, fail, always]
    default: never
  state:
    description: Whether the key files exist. V(absent) removes both.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - signed.registry._attributes
  - signed.registry._requirements
  - signed.registry._requirements.CRYPTOGRAPHY
  - signed.registry._requirements.PYNACL
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the public key and key id, never the private key.
  idempotent:
    support: partial
    details:
      - Idempotent unless O(regenerate=always).
  platform:
    platforms: posix
seealso:
  - module: signed.registry.cosign_sign
  - module: signed.registry.cosign_verify
  - name: cosign generate-key-pair
    description: The key format this module writes.
    link: https://docs.sigstore.dev/cosign/key_management/signing_with_self-managed_keys/
"""

EXAMPLES = r"""
- name: The organisation's signing key
  signed.registry.cosign_key:
    path: /etc/signing/cosign.key
    passphrase: "{{ vault_cosign_passphrase }}"
  register: signing_key

- name: Publish the public key to the pulling hosts
  ansible.builtin.copy:
    content: "{{ signing_key.public_key }}"
    dest: /etc/containers/keys/org.pub
    mode: "0644"
  delegate_to: "{{ item }}"
  loop: "{{ groups['pullers'] }}"

- name: Bring an existing PEM key under cosign's format, readable by podman 4.3
  signed.registry.cosign_key:
    path: /etc/signing/legacy.key
    passphrase: "{{ vault_cosign_passphrase }}"
    import_key: "{{ lookup('file', 'files/legacy-ec.pem') }}"
    key_format: cosign
"""

RETURN = r"""
public_key:
  description:
    - PEM text of the public key; null when O(state=absent), and in check mode when a new key
      would be generated.
  returned: always
  type: str
  sample: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...\n-----END PUBLIC KEY-----\n"
key_id:
  description: C(sha256:) and the hex SHA-256 of the DER public key; the same for both files of a pair.
  returned: always
  type: str
  sample: sha256:0b7f9a5c3e1d8f2a4b6c7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c
path:
  description: Path of the private key file.
  returned: always
  type: str
  sample: /etc/containers/keys/org.key
public_key_path:
  description: Path of the public key file.
  returned: always
  type: str
  sample: /etc/containers/keys/org.pub
"""

import os

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    COSIGN_KEY_LABEL,
    SIGSTORE_KEY_LABEL,
    CosignKeyError,
    decrypt_private_key,
    encrypt_private_key,
    generate_private_key,
    key_id,
    load_public_key,
    load_unencrypted_private_key,
    public_key_pem,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._files import read_bytes, write_atomic
from ansible_collections.signed.registry.plugins.module_utils._module import ModuleRun

LABELS = {"sigstore": SIGSTORE_KEY_LABEL, "cosign": COSIGN_KEY_LABEL}


def default_public_path(path):
    return path[:-4] + ".pub" if path.endswith(".key") else path + ".pub"


def same_public_key(data, private_key):
    if data is None:
        return False
    try:
        return key_id(load_public_key(data)) == key_id(private_key)
    except CosignKeyError:
        return False


def owner_of(path):
    """(uid, gid) of an existing file, which a replacement keeps; None for a new one."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_uid, info.st_gid) if os.geteuid() == 0 else None


def choose_key(params, existing):
    """(key to keep or write, whether the private key file must be written)."""
    imported = None
    if params["import_key"]:
        imported = load_unencrypted_private_key(params["import_key"], what="import_key")
    if params["regenerate"] == "always":
        return imported or generate_private_key(), True
    if existing is None:
        return imported or generate_private_key(), True
    try:
        current = decrypt_private_key(existing, params["passphrase"], what=params["path"])
    except CosignKeyError as exc:
        raise CosignKeyError("%s. The key files were left as they are; set regenerate=always to "
                             "replace them with a new key." % exc)
    if imported is not None and key_id(imported) != key_id(current) and params["regenerate"] == "fail":
        raise InvalidInput("%s holds key %s, not the key in import_key (%s); set regenerate=always to "
                           "replace it" % (params["path"], key_id(current), key_id(imported)))
    return current, False


def main():
    argument_spec = dict(
        path=dict(type="path", required=True),
        public_key_path=dict(type="path"),
        passphrase=dict(type="str", required=True, no_log=True),
        allow_empty_passphrase=dict(type="bool", default=False, no_log=False),
        import_key=dict(type="str", no_log=True),
        key_format=dict(type="str", default="sigstore", choices=["sigstore", "cosign"]),
        regenerate=dict(type="str", default="never", choices=["never", "fail", "always"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    with ModuleRun(argument_spec, secret_keys=("passphrase", "import_key"), requires=("cryptography", "PyNaCl")) as run:
        params = run.params
        path = params["path"]
        if params["passphrase"] == "" and not params["allow_empty_passphrase"] and params["state"] == "present":
            raise InvalidInput("passphrase is empty, which leaves the private key unprotected; set "
                               "allow_empty_passphrase=true if that is meant")
        public_path = params["public_key_path"] or default_public_path(path)
        run.result.update(path=path, public_key_path=public_path, public_key=None, key_id=None)
        existing = read_bytes(path)
        existing_public = read_bytes(public_path)
        before = {}
        if existing_public is not None:
            try:
                public = load_public_key(existing_public, public_path)
                before = {"public_key": public_key_pem(public).decode("ascii"), "key_id": key_id(public)}
            except CosignKeyError:
                before = {"public_key": "<not a public key>"}
        if params["state"] == "absent":
            run.result["changed"] = existing is not None or existing_public is not None
            if not run.check_mode:
                for name in (path, public_path):
                    if os.path.exists(name):
                        os.unlink(name)
            run.diff(before, {})
            return
        key, write_private = choose_key(params, existing)
        write_public = write_private or not same_public_key(existing_public, key)
        if write_private and not run.check_mode:
            write_atomic(path, encrypt_private_key(key, params["passphrase"], LABELS[params["key_format"]]), 0o600,
                         owner_of(path))
        if write_public and not run.check_mode:
            write_atomic(public_path, public_key_pem(key), 0o644, owner_of(public_path))
        # A private key others can read is a leak to stop, even when the key itself is right.
        fix_mode = not write_private and bool(os.stat(path).st_mode & 0o077)
        if fix_mode and not run.check_mode:
            os.chmod(path, 0o600)
        run.result["changed"] = write_private or write_public or fix_mode
        if run.check_mode and write_private and not params["import_key"]:
            # The key a real run would generate is not known yet.
            run.diff(before, {"public_key": "<new key>"})
            return
        pem = public_key_pem(key).decode("ascii")
        run.result.update(public_key=pem, key_id=key_id(key))
        run.diff(before, {"public_key": pem, "key_id": key_id(key)})


if __name__ == "__main__":
    main()
