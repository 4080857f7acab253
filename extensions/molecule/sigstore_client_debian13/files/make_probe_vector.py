"""Make the test vector of roles/sigstore_client/files/sigstore_probe.py and write it into that file.

    python3 make_probe_vector.py --skopeo build/tools/bin/skopeo --cosign build/tools/bin/cosign \
        --probe roles/sigstore_client/files/sigstore_probe.py

Needs a sigstore-capable skopeo (Debian 13's 1.18: tests/env/clients.sh installs it into
build/tools) and cosign 2.5 (same place). In a temporary directory:

1. an OCI layout with one tiny image (test_registry.build_image);
2. two cosign key pairs, ``probe`` and ``other`` (``cosign generate-key-pair``);
3. ``skopeo copy --sign-by-sigstore-private-key K --sign-identity IDENTITY:probe oci:... dir:...``
   once with each key: two copies of the image in containers/image's ``dir:`` format, each with
   a sigstore signature (file ``signature-1``: a zero byte, ``sigstore-json``, a newline, then
   the JSON containers/image stores sigstore signatures in);
4. the probe's public key, the image files and both signatures replace the block between the
   BEGIN/END PROBE VECTOR lines of the probe script.

The temporary directory, private keys included, is deleted at the end: the probe key can never
sign anything else. The signatures differ on each run (ECDSA); the image does not.
"""

from __future__ import absolute_import, division, print_function

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_registry import build_image, write_oci_layout  # noqa: E402  pylint: disable=wrong-import-position

IDENTITY = "probe.invalid/signed-registry/sigstore-probe"
PASSWORD = "probe-vector"


def wrapped(data, indent, width=96):
    text = base64.b64encode(data).decode("ascii")
    chunks = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    if len(chunks) == 1:
        return '"%s"' % chunks[0]
    pad = " " * indent
    return "(\n" + "".join('%s    "%s"\n' % (pad, chunk) for chunk in chunks) + pad + ")"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--skopeo", required=True)
    parser.add_argument("--cosign", required=True)
    parser.add_argument("--probe", required=True, help="path of sigstore_probe.py to rewrite")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="probe-vector-")
    try:
        manifest, blobs = build_image("signed.registry sigstore_client probe image\n")
        layout = os.path.join(tmp, "oci")
        write_oci_layout(layout, "probe", manifest, blobs)
        with open(os.path.join(tmp, "accept.json"), "w") as handle:
            handle.write('{"default":[{"type":"insecureAcceptAnything"}]}')
        with open(os.path.join(tmp, "passphrase"), "w") as handle:
            handle.write(PASSWORD)
        env = dict(os.environ, COSIGN_PASSWORD=PASSWORD)
        signatures, files = {}, None
        for name in ("signed", "other-key"):
            prefix = os.path.join(tmp, name)
            subprocess.run([args.cosign, "generate-key-pair", "--output-key-prefix", prefix], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out = os.path.join(tmp, "dir-" + name)
            subprocess.run([args.skopeo, "--policy", os.path.join(tmp, "accept.json"), "copy", "--quiet",
                            "--sign-by-sigstore-private-key", prefix + ".key",
                            "--sign-passphrase-file", os.path.join(tmp, "passphrase"),
                            "--sign-identity", IDENTITY + ":probe", "oci:%s:probe" % layout, "dir:" + out], check=True)
            with open(os.path.join(out, "signature-1"), "rb") as handle:
                signatures[name] = handle.read()
            if not signatures[name].startswith(b"\x00sigstore-json\n"):
                raise SystemExit("%s/signature-1 is not a sigstore signature" % out)
            names = sorted(n for n in os.listdir(out) if not n.startswith("signature-"))
            contents = {}
            for filename in names:
                with open(os.path.join(out, filename), "rb") as handle:
                    contents[filename] = handle.read()
            if files is not None and files != contents:
                raise SystemExit("the two signed copies differ in more than their signatures")
            files = contents
        with open(os.path.join(tmp, "signed.pub")) as handle:
            public_key = handle.read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = ["# BEGIN PROBE VECTOR (written by make_probe_vector.py; do not edit by hand)",
             'PROBE_IDENTITY = "%s"' % IDENTITY,
             'PROBE_PUBLIC_KEY = """\\\n%s"""' % public_key,
             "PROBE_IMAGE_FILES = {"]
    lines += ['    "%s": %s,' % (name, wrapped(data, 4)) for name, data in sorted(files.items())]
    lines += ["}", "PROBE_SIGNATURES = {"]
    lines += ['    "%s": %s,' % (name, wrapped(data, 4)) for name, data in sorted(signatures.items())]
    lines += ["}", "# END PROBE VECTOR"]
    with open(args.probe) as handle:
        script = handle.read()
    block = re.compile(r"^# BEGIN PROBE VECTOR.*?^# END PROBE VECTOR$", re.M | re.S)
    if not block.search(script):
        raise SystemExit("%s has no BEGIN/END PROBE VECTOR block" % args.probe)
    script = block.sub(lambda match: "\n".join(lines), script)
    with open(args.probe, "w") as handle:
        handle.write(script)
    print("wrote the probe vector into %s (%d image files, signatures %s)"
          % (args.probe, len(files), ", ".join(sorted(signatures))))


if __name__ == "__main__":
    main()
