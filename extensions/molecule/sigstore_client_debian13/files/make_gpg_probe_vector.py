# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Regenerate the GPG probe vector of roles/sigstore_client/files/sigstore_probe.py.

    python3 make_gpg_probe_vector.py SKOPEO      # a skopeo built with gpgme (build/tools/bin/skopeo)

Makes two throwaway ed25519 GPG keys in a temporary GNUPGHOME, has skopeo sign the probe's image
(dir:) with each (``--sign-by``, ``--sign-identity`` naming the probe's repository), replaces the
block between the GPG PROBE VECTOR markers with the first key's public half and both signatures,
and deletes the GNUPGHOME: the private keys sign nothing else.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                     "roles", "sigstore_client", "files", "sigstore_probe.py")


def wrapped(path):
    data = base64.b64encode(open(path, "rb").read()).decode("ascii")
    return "\n".join('        "%s"' % data[i:i + 96] for i in range(0, len(data), 96))


def main(skopeo):
    sys.path.insert(0, os.path.dirname(PROBE))
    import sigstore_probe as probe
    tmp = tempfile.mkdtemp(prefix="gpg-probe-vector-")
    try:
        home = os.path.join(tmp, "gnupg")
        os.mkdir(home, 0o700)
        env = dict(os.environ, GNUPGHOME=home)
        image = os.path.join(tmp, "image")
        os.mkdir(image)
        for name, data in probe.PROBE_IMAGE_FILES.items():
            with open(os.path.join(image, name), "wb") as handle:
                handle.write(base64.b64decode(data))
        policy = os.path.join(tmp, "accept.json")
        with open(policy, "w") as handle:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, handle)
        fingerprints = {}
        for name in ("signed", "other-key"):
            subprocess.check_call(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                                   "signed.registry probe %s <%s@probe.invalid>" % (name, name),
                                   "ed25519", "sign", "never"], env=env)
            out = subprocess.check_output(["gpg", "--with-colons", "--list-keys", "%s@probe.invalid" % name],
                                          env=env, universal_newlines=True)
            fingerprints[name] = re.search(r"^fpr:+([0-9A-F]+):", out, re.M).group(1)
            subprocess.check_call([skopeo, "--policy", policy, "copy", "--quiet", "--sign-by", fingerprints[name],
                                   "--sign-identity", probe.PROBE_IDENTITY + ":probe", "dir:" + image,
                                   "dir:" + os.path.join(tmp, name)], env=env)
        key = subprocess.check_output(["gpg", "--armor", "--export", fingerprints["signed"]], env=env,
                                      universal_newlines=True)
        block = ('# BEGIN GPG PROBE VECTOR (written by make_gpg_probe_vector.py; do not edit by hand)\n'
                 'PROBE_GPG_PUBLIC_KEY = """\\\n%s"""\nPROBE_GPG_SIGNATURES = {\n'
                 '    "other-key": (\n%s\n    ),\n    "signed": (\n%s\n    ),\n}\n# END GPG PROBE VECTOR\n'
                 % (key, wrapped(os.path.join(tmp, "other-key", "signature-1")),
                    wrapped(os.path.join(tmp, "signed", "signature-1"))))
        with open(PROBE) as handle:
            text = handle.read()
        text = re.sub(r"# BEGIN GPG PROBE VECTOR.*?# END GPG PROBE VECTOR\n", lambda m: block, text, flags=re.S)
        with open(PROBE, "w") as handle:
            handle.write(text)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "skopeo")
