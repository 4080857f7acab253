# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can this host's skopeo and podman verify cosign (sigstore) and GPG (simple-signing) signatures?

    python3 sigstore_probe.py [--sigstore] [--gpg] [TOOL ...]   # TOOL: skopeo, podman (default: both)

``--sigstore`` (the default when neither is given) checks sigstore verification as described below;
``--gpg`` checks GPG verification the same way: the same image, with an atomic signature made with
the GPG probe key and one made with another key, under a policy trusting only the GPG probe key
(``signedBy``, ``keyType=GPGKeys``, ``keyData``, ``exactRepository``). Its outcome is in ``gpg`` of
each tool and ``gpg_supported`` of the host; ``supported`` stays the sigstore verdict (true when
the sigstore check was not asked for). Every containers/image version verifies GPG signatures, so
a tool failing this is misconfigured or broken (no gpgme, an unusable GnuPG), and would refuse or
- worse - accept images the ``signedBy`` requirements are meant to judge.

Prints one JSON document: for each tool found on PATH, its version, the package it comes from,
the outcome of two verifications and a verdict (``supported``), and ``supported`` for the host.

The test is functional, not a version or distribution guess. Inside a temporary directory it
writes a tiny image in containers/image's ``dir:`` format twice, once with a sigstore signature
made with the probe key and once with one made with another key, and a policy that trusts only
the probe key (``sigstoreSigned``, ``keyData``, ``exactRepository``; no other requirement, so
nothing else can accept an image). Then each tool copies both images under that policy:

- skopeo:  ``skopeo --policy P copy dir:IMAGE dir:TMP``
- podman:  ``podman --root TMP --runroot TMP --tmpdir TMP --storage-driver vfs pull
  --signature-policy P dir:IMAGE`` (a throwaway store: the host's images are not touched)

A tool can verify sigstore signatures exactly when it accepts the first image and refuses the
second. This is the code path every pull under a ``sigstoreSigned`` policy takes: parsing the
requirement (containers/image < 5.22 refuses it: "Unknown policy requirement type"), reading the
image's sigstore signature, checking it with the key (Debian 12's builds stop there with
"Debian-local change: sigstore disabled") and then the digest and identity. Acceptance cannot
come from anything else, and the refused second image shows that the policy given was the one
applied. Nothing leaves the host, no registry is involved, and nothing is written outside the
temporary directory but containers/image's blob-info cache (which every pull updates). It takes
a fraction of a second per tool.

The probe image and its two signatures were made once with skopeo 1.18 (containers/image 5.34)
and cosign 2.5 keys; the private keys were destroyed afterwards, so the probe key can sign
nothing else. The probe key is trusted only in the throwaway policy, never in the host's.
Regenerate with extensions/molecule/sigstore_client_debian13/files/make_probe_vector.py.
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

# The first releases that vendor containers/image 5.22, which introduced sigstoreSigned.
MINIMUM = {"skopeo": (1, 9), "podman": (4, 2)}
DEBIAN_DISABLED = "Debian-local change: sigstore disabled"
TIMEOUT = 120

# BEGIN PROBE VECTOR (written by make_probe_vector.py; do not edit by hand)
PROBE_IDENTITY = "probe.invalid/signed-registry/sigstore-probe"
PROBE_PUBLIC_KEY = """\
-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAELNcaXqfA9WkcEyUYakbVTxRf6E/K
XbKi2TzU0ccsaKtLw5LyGMaA6v4/+0bC5XVvyy5wxXa36wI3/D/kghCckg==
-----END PUBLIC KEY-----
"""
PROBE_IMAGE_FILES = {
    "bd94a93f9caeffe6f736781eaf15847b71bf084f91e2dc1679e45d51552e601f": (
        "eyJhcmNoaXRlY3R1cmUiOiJhbWQ2NCIsIm9zIjoibGludXgiLCJjb25maWciOnt9LCJyb290ZnMiOnsidHlwZSI6ImxheWVy"
        "cyIsImRpZmZfaWRzIjpbInNoYTI1NjpjOTlhODA3MzA1YzA1ZGZkYzZmMTg4NWYwZTI3ZDZkOTc2MzI0OTQxZGIyNmJjOTE5"
        "NDUzMGQwZTIwMmNjNTczIl19fQ=="
    ),
    "cf2631ee49eb38758107685bbdb19c7a301942d052994e02d9e718eb3353a93e": (
        "H4sIAAAAAAAC/+3RQQrCMBCF4Vl7ilzAkkrsdaTqEALaSjKC3t60IILrUgT/b/NmZjOLV1Ic9LzNGlOx/GzsYbI0X3UhzFl9"
        "p/f78Jmne9t2uyDOywruxfpc38t/KnP/zbt/V/diY9bD6ZJ0MHfL41FduvZRNwIAAAAAAAAAAAAAAAAA+Bkv+eGhSAAoAAA="
    ),
    "manifest.json": (
        "eyJzY2hlbWFWZXJzaW9uIjoyLCJtZWRpYVR5cGUiOiJhcHBsaWNhdGlvbi92bmQub2NpLmltYWdlLm1hbmlmZXN0LnYxK2pz"
        "b24iLCJjb25maWciOnsibWVkaWFUeXBlIjoiYXBwbGljYXRpb24vdm5kLm9jaS5pbWFnZS5jb25maWcudjEranNvbiIsImRp"
        "Z2VzdCI6InNoYTI1NjpiZDk0YTkzZjljYWVmZmU2ZjczNjc4MWVhZjE1ODQ3YjcxYmYwODRmOTFlMmRjMTY3OWU0NWQ1MTU1"
        "MmU2MDFmIiwic2l6ZSI6MTYzfSwibGF5ZXJzIjpbeyJtZWRpYVR5cGUiOiJhcHBsaWNhdGlvbi92bmQub2NpLmltYWdlLmxh"
        "eWVyLnYxLnRhcitnemlwIiwiZGlnZXN0Ijoic2hhMjU2OmNmMjYzMWVlNDllYjM4NzU4MTA3Njg1YmJkYjE5YzdhMzAxOTQy"
        "ZDA1Mjk5NGUwMmQ5ZTcxOGViMzM1M2E5M2UiLCJzaXplIjoxNDN9XX0="
    ),
    "version": "RGlyZWN0b3J5IFRyYW5zcG9ydCBWZXJzaW9uOiAxLjEK",
}
PROBE_SIGNATURES = {
    "other-key": (
        "AHNpZ3N0b3JlLWpzb24KeyJtaW1lVHlwZSI6ImFwcGxpY2F0aW9uL3ZuZC5kZXYuY29zaWduLnNpbXBsZXNpZ25pbmcudjEr"
        "anNvbiIsInBheWxvYWQiOiJleUpqY21sMGFXTmhiQ0k2ZXlKcFpHVnVkR2wwZVNJNmV5SmtiMk5yWlhJdGNtVm1aWEpsYm1O"
        "bElqb2ljSEp2WW1VdWFXNTJZV3hwWkM5emFXZHVaV1F0Y21WbmFYTjBjbmt2YzJsbmMzUnZjbVV0Y0hKdlltVTZjSEp2WW1V"
        "aWZTd2lhVzFoWjJVaU9uc2laRzlqYTJWeUxXMWhibWxtWlhOMExXUnBaMlZ6ZENJNkluTm9ZVEkxTmpvM01qQTVNVFl3T0RJ"
        "d05UWTFZMlUwT1dNM1lUZzBZVE15TWpZNE5tSmlaREpoWkdabE0yRTROV1U1Wm1ZMk9ETTJabVJrTXpBeFlXWm1NRFV3T1Rs"
        "a0luMHNJblI1Y0dVaU9pSmpiM05wWjI0Z1kyOXVkR0ZwYm1WeUlHbHRZV2RsSUhOcFoyNWhkSFZ5WlNKOUxDSnZjSFJwYjI1"
        "aGJDSTZleUpqY21WaGRHOXlJam9pWTI5dWRHRnBibVZ5Y3k5cGJXRm5aU0ExTGpNMExqSWlMQ0owYVcxbGMzUmhiWEFpT2pF"
        "M09UVTFOalExTVRKOWZRPT0iLCJhbm5vdGF0aW9ucyI6eyJkZXYuY29zaWducHJvamVjdC5jb3NpZ24vc2lnbmF0dXJlIjoi"
        "TUVRQ0lFVjZNYm9UWGlxYUNORXFTMU1rZjJaRzFvZ0J0czBxdnZCa0VoVDNubDJuQWlCUjEzWmxMUHJMbjZqRE14NkJiU1B4"
        "UWdpUlJmK1BqRjJTeDBad2JseHJidz09In19"
    ),
    "signed": (
        "AHNpZ3N0b3JlLWpzb24KeyJtaW1lVHlwZSI6ImFwcGxpY2F0aW9uL3ZuZC5kZXYuY29zaWduLnNpbXBsZXNpZ25pbmcudjEr"
        "anNvbiIsInBheWxvYWQiOiJleUpqY21sMGFXTmhiQ0k2ZXlKcFpHVnVkR2wwZVNJNmV5SmtiMk5yWlhJdGNtVm1aWEpsYm1O"
        "bElqb2ljSEp2WW1VdWFXNTJZV3hwWkM5emFXZHVaV1F0Y21WbmFYTjBjbmt2YzJsbmMzUnZjbVV0Y0hKdlltVTZjSEp2WW1V"
        "aWZTd2lhVzFoWjJVaU9uc2laRzlqYTJWeUxXMWhibWxtWlhOMExXUnBaMlZ6ZENJNkluTm9ZVEkxTmpvM01qQTVNVFl3T0RJ"
        "d05UWTFZMlUwT1dNM1lUZzBZVE15TWpZNE5tSmlaREpoWkdabE0yRTROV1U1Wm1ZMk9ETTJabVJrTXpBeFlXWm1NRFV3T1Rs"
        "a0luMHNJblI1Y0dVaU9pSmpiM05wWjI0Z1kyOXVkR0ZwYm1WeUlHbHRZV2RsSUhOcFoyNWhkSFZ5WlNKOUxDSnZjSFJwYjI1"
        "aGJDSTZleUpqY21WaGRHOXlJam9pWTI5dWRHRnBibVZ5Y3k5cGJXRm5aU0ExTGpNMExqSWlMQ0owYVcxbGMzUmhiWEFpT2pF"
        "M09UVTFOalExTVRGOWZRPT0iLCJhbm5vdGF0aW9ucyI6eyJkZXYuY29zaWducHJvamVjdC5jb3NpZ24vc2lnbmF0dXJlIjoi"
        "TUVVQ0lGNFN1b0lSOGVMSVh1WXZKcFlSMDFHNVZObTdxbEhtZHJ4TStwU1VaQ0tTQWlFQWpvZjRlSFFEVDdqZHJxY1F4LzJo"
        "Q3FBMm8rNDgvMU5OR2dxL2ZON3VPSG89In19"
    ),
}
# END PROBE VECTOR
# BEGIN GPG PROBE VECTOR (written by make_gpg_probe_vector.py; do not edit by hand)
PROBE_GPG_PUBLIC_KEY = """\
-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEawZaZRYJKwYBBAHaRw8BAQdA8OL0PI1giOpvLCnpZWSV5lKAOQf0mGt8WBAQ
c1DHa4C0M3NpZ25lZC5yZWdpc3RyeSBwcm9iZSBzaWduZWQgPHNpZ25lZEBwcm9i
ZS5pbnZhbGlkPoiQBBMWCAA4FiEEPBwNMp3RAgwbqeT6bsm4AOo2BsgFAmsGWmUC
GwMFCwkIBwIGFQoJCAsCBBYCAwECHgECF4AACgkQbsm4AOo2Bsi5OQEA1tN7ikTN
ETCM4ne0SzQHJ6XMGr9Gl3+aJ78wSxLMDUcBALzPDoA/4432dQcNcBHDFZDJKARD
Ef+EMWzD1wUcJZAF
=pxx4
-----END PGP PUBLIC KEY BLOCK-----
"""
PROBE_GPG_SIGNATURES = {
    "other-key": (
        "owGbwMvMwCH2/jo/q7ZE5gvG0wcqkhiy2aJSq5WSizJLMpMTc5SsqpUyU1LzSjJLKkHslPzk7NQi3aLUtNSi1LzkVCUrpYKi"
        "/KRUvcy8ssSczBT94sz0vNQUoIL0zOKSokoQv7gkvyhVF6zMCkwq1eooZeYmpqcimZibmJeZllpcopuSmQ6kgOYWZyQamZpZ"
        "mRsZWBqaGVgYGZiamSanmlgmmydamCQaGxmZWZglJaUYJaakpRonWpimWqalmVkYm6WlpBgbGCampRmYGlhapoAsK6ksALk0"
        "sSQ/NzNZITk/ryQxMy+1SAHk2MSS0iKwi/ILSjLz8yBeTi5KBSouQugx1TM20TNSAhqVmQt0XmJugZKVobmlqam5hYmZZW1t"
        "RykLgxgHg6yYIkuo/9c7yxfU8P38b3wTFrSsTKBgZeDiFICJZMUyMlx1L5M5ldMzbynHz+Ddx2cc3cRZV8dx2iUsxb9szXsj"
        "tQiG/+UpR5KKn947mB4a2359NbebvtS+Wz4tevMOT73UWvJyGRcA"
    ),
    "signed": (
        "owGbwMvMwCGWd3IHwyszthOMpw9UJDFks0WlVislF2WWZCYn5ihZVStlpqTmlWSWVILYKfnJ2alFukWpaalFqXnJqUpWSgVF"
        "+Umpepl5ZYk5mSn6xZnpeakpQAXpmcUlRZUgfnFJflGqLliZFZhUqtVRysxNTE9FMjE3MS8zLbW4RDclMx1IAc0tzkg0MjWz"
        "MjcysDQ0M7AwMjA1M01ONbFMNk+0MEk0NjIyszBLSkoxSkxJSzVOtDBNtUxLM7MwNktLSTE2MExMSzMwNbC0TAFZVlJZAHJp"
        "Ykl+bmayQnJ+XkliZl5qkQLIsYklpUVgF+UXlGTm50G8nFyUClRchNBjqmdsomekBDQqMxfovMTcAiUrQ3NLU1NzCxMzy9ra"
        "jlIWBjEOBlkxRRYbGV6juReZeKRXPvkFC1pWJlCwMnBxCsBEDqUx/GZd2HCxUZkrz2Bpo3qV1+TTPeoqLeIFaz+li39m1TVd"
        "U87wP+7C7SrpcoZVC2UC+JMWPzvuYTCL2W3JlUYfjXUWOm5uTAA="
    ),
}
# END GPG PROBE VECTOR


def run(argv, env=None):
    """(exit code, output) of a command; a command that cannot run is exit code 127."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=env, universal_newlines=True)
    except OSError as exc:
        return 127, str(exc)
    try:
        out = proc.communicate(timeout=TIMEOUT)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        out = proc.communicate()[0]
        return 124, "timed out after %d s: %s" % (TIMEOUT, out)
    return proc.returncode, out


def tool_env():
    env = dict(os.environ, LC_ALL="C", PODMAN_IGNORE_CGROUPSV1_WARNING="1")
    # A CONTAINERS_CONF or REGISTRIES_CONFIG_PATH of the caller must not change what is tested.
    for name in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "CONTAINERS_REGISTRIES_CONF"):
        env.pop(name, None)
    return env


def version_of(path):
    """('1.9.3', (1, 9)) from ``TOOL --version``; (text, None) when it cannot be read."""
    code, out = run([path, "--version"], tool_env())
    match = re.search(r"version (\d+)\.(\d+)(?:\.(\d+))?", out)
    if code != 0 or not match:
        return out.strip()[:200], None
    return match.group(0).split(" ", 1)[1], (int(match.group(1)), int(match.group(2)))


def package_of(path):
    """'skopeo 1.9.3+ds1-1+b6' (dpkg or rpm), or None."""
    real = os.path.realpath(path)
    if shutil.which("dpkg-query"):
        for name in (path, real):
            code, out = run(["dpkg-query", "-S", name])
            if code == 0 and ":" in out:
                pkg = out.split(":", 1)[0].split(",")[0].strip()
                code, out = run(["dpkg-query", "-W", "-f", "${Package} ${Version}", pkg])
                if code == 0 and out.strip():
                    return out.strip()
    if shutil.which("rpm"):
        code, out = run(["rpm", "-qf", "--qf", "%{NAME} %{VERSION}-%{RELEASE}", real])
        if code == 0 and out.strip():
            return out.strip()
    return None


def write_probe(tmp, kind="sigstore"):
    """The two images and the policy of ``kind`` (sigstore, gpg); returns (policy path, {name: image dir})."""
    images = {}
    signatures = PROBE_GPG_SIGNATURES if kind == "gpg" else PROBE_SIGNATURES
    for name, signature in sorted(signatures.items()):
        image = os.path.join(tmp, "image-" + name)
        os.mkdir(image)
        files = dict(PROBE_IMAGE_FILES, **{"signature-1": signature})
        for filename, data in files.items():
            with open(os.path.join(image, filename), "wb") as handle:
                handle.write(base64.b64decode(data))
        images[name] = image
    if kind == "gpg":
        requirement = {"type": "signedBy", "keyType": "GPGKeys",
                       "keyData": base64.b64encode(PROBE_GPG_PUBLIC_KEY.encode("ascii")).decode("ascii")}
    else:
        requirement = {"type": "sigstoreSigned",
                       "keyData": base64.b64encode(PROBE_PUBLIC_KEY.encode("ascii")).decode("ascii")}
    requirement["signedIdentity"] = {"type": "exactRepository", "dockerRepository": PROBE_IDENTITY}
    policy = {"default": [requirement]}
    path = os.path.join(tmp, "policy.json")
    with open(path, "w") as handle:
        json.dump(policy, handle)
    return path, images


def attempt(tool, path, policy, image, tmp):
    """Copy ``image`` under ``policy`` with the tool: {"accepted": bool, "message": last lines of output}."""
    work = tempfile.mkdtemp(dir=tmp)
    if tool == "skopeo":
        argv = [path, "--policy", policy, "copy", "--quiet", "dir:" + image, "dir:" + os.path.join(work, "copy")]
    else:
        argv = [path, "--root", os.path.join(work, "root"), "--runroot", os.path.join(work, "runroot"),
                "--tmpdir", os.path.join(work, "tmp"), "--storage-driver", "vfs", "--storage-opt", "",
                "--events-backend", "none", "pull", "--quiet", "--signature-policy", policy, "dir:" + image]
    code, out = run(argv, tool_env())
    shutil.rmtree(work, ignore_errors=True)
    return {"accepted": code == 0, "exit_code": code, "message": error_text(out)}


def error_text(out):
    """The tool's last error lines without logrus decoration: 'time=".." level=fatal msg="X"' -> 'X'."""
    lines = []
    for line in out.splitlines():
        line = line.strip()
        if not line or "level=warning" in line or "level=info" in line:
            continue
        match = re.search(r'level=(?:fatal|error) msg="((?:[^"\\]|\\.)*)"', line)
        lines.append(match.group(1).replace('\\"', '"') if match else line)
    return " ".join(lines[-3:])[:600]


def verdict(tool, info):
    """(supported, reason)."""
    signed, other = info["signed"], info["other_key"]
    messages = " ".join((signed["message"], other["message"]))
    if DEBIAN_DISABLED in messages:
        return False, ('built with sigstore verification disabled ("%s"), as Debian 12 ships skopeo 1.9 '
                       "and podman 4.3" % DEBIAN_DISABLED)
    if info["minimum_met"] is False:
        return False, ("%s %s is older than %s, the first release with containers/image 5.22, which introduced "
                       "sigstoreSigned (%s)" % (tool, info["version"], "%d.%d" % MINIMUM[tool], signed["message"]))
    if not signed["accepted"]:
        return False, "it refused an image signed with the probe's trusted key: %s" % signed["message"]
    if other["accepted"]:
        return False, ("it accepted an image signed with an untrusted key: it does not apply the sigstoreSigned "
                       "policy it was given")
    return True, ("it accepted the image signed with the trusted key and refused the one signed with another "
                  "key (%s)" % other["message"])


def gpg_verdict(info):
    """(supported, reason) of the GPG check."""
    if not info["signed"]["accepted"]:
        return False, "it refused an image GPG-signed with the probe's trusted key: %s" % info["signed"]["message"]
    if info["other_key"]["accepted"]:
        return False, ("it accepted an image GPG-signed with an untrusted key: it does not apply the signedBy "
                       "policy it was given")
    return True, ("it accepted the image GPG-signed with the trusted key and refused the one signed with another "
                  "key (%s)" % info["other_key"]["message"])


def probe(tool, path, tmp, kinds=("sigstore",)):
    version, release = version_of(path)
    info = {"path": path, "version": version, "package": package_of(path),
            "minimum_met": None if release is None else release >= MINIMUM[tool]}
    if "sigstore" in kinds:
        policy, images = write_probe(tempfile.mkdtemp(dir=tmp))
        info["signed"] = attempt(tool, path, policy, images["signed"], tmp)
        info["other_key"] = attempt(tool, path, policy, images["other-key"], tmp)
        info["supported"], info["reason"] = verdict(tool, info)
    else:
        info["supported"], info["reason"] = True, "sigstore verification was not checked"
    if "gpg" in kinds:
        policy, images = write_probe(tempfile.mkdtemp(dir=tmp), "gpg")
        gpg = {"signed": attempt(tool, path, policy, images["signed"], tmp),
               "other_key": attempt(tool, path, policy, images["other-key"], tmp)}
        gpg["supported"], gpg["reason"] = gpg_verdict(gpg)
        info["gpg"] = gpg
    return info


def main(argv):
    kinds = [arg[2:] for arg in argv if arg in ("--sigstore", "--gpg")] or ["sigstore"]
    argv = [arg for arg in argv if arg not in ("--sigstore", "--gpg")]
    tools = argv or ["skopeo", "podman"]
    unknown = [tool for tool in tools if tool not in MINIMUM]
    if unknown:
        print(json.dumps({"failed": True, "msg": "unknown tools %s (known: skopeo, podman)" % ", ".join(unknown)}))
        return 2
    result = {"tools": {}, "found": [], "missing": []}
    tmp = tempfile.mkdtemp(prefix="sigstore-probe-")
    try:
        for tool in tools:
            path = shutil.which(tool)
            if not path:
                result["missing"].append(tool)
                continue
            result["found"].append(tool)
            result["tools"][tool] = probe(tool, path, tmp, kinds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["supported"] = bool(result["found"]) and all(t["supported"] for t in result["tools"].values())
    if "gpg" in kinds:
        result["gpg_supported"] = bool(result["found"]) and all(t["gpg"]["supported"] for t in result["tools"].values())
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
