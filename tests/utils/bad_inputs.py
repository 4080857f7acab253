# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the modules with bad inputs against the test services and write docs/bad-inputs.md.

Each case is one real module run (ansible ad hoc, JSON callback) against the Pulp and registry
that `make env-up` started; the table shows what the user gets: failed or not, changed or not,
and the message. Cases that point at a file check that the file is byte for byte what it was.
A case that does not fail where it must makes this script exit non-zero.

    make bad-inputs        # or: build/venv/bin/python tests/utils/bad_inputs.py
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from _bench import ROOT, BenchError, collections_path, load_env, run  # noqa: E402

OUT = ROOT / "docs" / "bad-inputs.md"


def run_module(module, args, collections, work):
    """One ad hoc run of signed.registry.<module>; its result dict (from ``ansible --tree``)."""
    ansible = str(Path(sys.executable).parent / "ansible")
    tree = work / "tree"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0")
    done = subprocess.run([ansible, "localhost", "-c", "local", "-m", "signed.registry." + module,
                           "-a", json.dumps(args), "--tree", str(tree)], env=env, capture_output=True, text=True,
                          check=False)
    try:
        result = json.loads((tree / "localhost").read_text())
    except (IOError, OSError, ValueError):
        raise BenchError("no result from %s: %s %s" % (module, done.stdout[-2000:], done.stderr[-2000:]))
    # The tree keeps the module's result without Ansible's verdict: ad hoc exits 2 for a failed host.
    result["failed"] = done.returncode != 0
    return result


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).exists() else None


def cases(env, work):
    pulp = {"pulp_url": env["pulp_url"], "username": env["username"], "password": env["password"]}
    registry = {"registry_username": env["username"], "registry_password": env["password"],
                "ca_cert": env["ca_cert"]}
    tls_host = env["pulp_tls_url"].split("://", 1)[1]
    bad_policy = work / "policy.json"
    bad_policy.write_text('{"default": [{"type": "insecureAcceptAnything"}], "transports": {"docker": ')
    garbage_key = work / "garbage.key"
    garbage_key.write_text("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nnot base64\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
    regd = work / "registries.d"
    regd.mkdir(exist_ok=True)
    seed_image = "%s/fixtures/app:v1" % env["upstream_registry"]
    dangling = work / "linked-policy.json"
    dangling.symlink_to(work / "nowhere" / "policy.json")
    return [
        ("pulp_container_remote", "a URL Pulp cannot sync from", dict(pulp, name="bad", url="ftp://example.com", upstream_name="library/app"), None),
        ("pulp_container_distribution", "an absolute base path",
         dict(pulp, name="bad", base_path="/library/app"), None),
        ("pulp_container_repository", "a negative number of versions to keep",
         dict(pulp, name="bad", retain_repo_versions=-1), None),
        ("pulp_container_sync", "a repository that does not exist", dict(pulp, repository="no-such-repo"), None),
        ("pulp_container_repository", "a wrong password",
         dict(pulp, password="wrong", name="bad"), None),
        ("pulp_container_repository", "a Pulp that does not answer",
         dict(pulp, pulp_url="http://127.0.0.1:9", name="bad", request_timeout=3), None),
        ("pulp_container_sign", "signing a repository that does not exist",
         dict(pulp, repository="no-such-repo", signing_service="nope"), None),
        ("cosign_key", "a key file that is not a cosign key (kept as it is)",
         dict(path=str(garbage_key), passphrase="not-the-passphrase"), garbage_key),
        ("cosign_sign", "an image reference with a bad digest",
         dict(images=["%s/app@sha256:1234" % tls_host], key=str(garbage_key), passphrase="not-the-passphrase"), None),
        ("cosign_verify", "a public key that is not PEM",
         dict(registry, images=[seed_image], public_keys=["not a key"], plain_http=True), None),
        ("cosign_verify", "an image that does not exist",
         dict(images=["%s/fixtures/nope:v1" % env["upstream_registry"]], public_keys=[env["seed_public_key"]],
              plain_http=True), None),
        ("atomic_verify", "a GPG key that is not OpenPGP",
         dict(images=[seed_image], public_keys=["-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----"],
              plain_http=True), None),
        ("containers_policy", "an existing policy.json that is not valid JSON (kept as it is)",
         dict(path=str(bad_policy), scope="registry.example.com", requirements=[{"type": "reject"}]), bad_policy),
        ("containers_policy", "a requirement type containers/image does not know",
         dict(path=str(work / "new-policy.json"), scope="registry.example.com", requirements=[{"type": "signedByMe"}]),
         work / "new-policy.json"),
        ("containers_policy", "a sigstoreSigned requirement without a key",
         dict(path=str(work / "new-policy.json"), scope="registry.example.com", requirements=[{"type": "sigstoreSigned"}]),
         work / "new-policy.json"),
        ("containers_registries_d", "a lookaside that is not a URL",
         dict(path=str(regd / "x.yaml"), scope="registry.example.com", lookaside="/var/lib/sigstore"), regd / "x.yaml"),
        ("pulp_container_remote", "credentials inside the URL (never echoed)",
         dict(pulp, name="bad", url="https://robot:s3cret@registry.example.com", upstream_name="library/app"), None),
        ("cosign_verify", "one registry_username for images on two registries",
         dict(registry, images=[seed_image, "registry.example.com/app:v1"], public_keys=[env["seed_public_key"]],
              plain_http=True), None),
        ("cosign_verify", "an image pinned by a digest the registry does not have",
         dict(images=["%s/fixtures/app@sha256:%s" % (env["upstream_registry"], "0" * 64)],
              public_keys=[env["seed_public_key"]], plain_http=True), None),
        ("cosign_verify", "HTTPS to a registry that speaks plain HTTP",
         dict(images=[seed_image], public_keys=[env["seed_public_key"]]), None),
        ("cosign_key", "an empty passphrase, not said to be meant",
         dict(path=str(work / "empty.key"), passphrase=""), work / "empty.key"),
        ("containers_policy", "a policy.json that is a dangling symbolic link",
         dict(path=str(dangling), scope="registry.example.com", requirements=[{"type": "reject"}]), dangling),
    ]


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def main():
    env = load_env()
    collections = collections_path("cosign_verify.py")
    rows, problems = [], []
    with tempfile.TemporaryDirectory(prefix="sr-bad-inputs-") as tmp:
        work = Path(tmp)
        for module, what, args, watched in cases(env, work):
            before = digest(watched) if watched else None
            result = run_module(module, args, collections, work)
            untouched = "" if not watched else ("yes" if digest(watched) == before else "**no**")
            failed = bool(result.get("failed"))
            if not failed or result.get("changed") or untouched == "**no**":
                problems.append("%s (%s): failed=%s changed=%s untouched=%s" % (
                    module, what, failed, result.get("changed"), untouched))
            rows.append("| `%s` | %s | %s | %s | %s |" % (
                module, cell(what), "failed" if failed else "**ok**", untouched or "-", cell(result.get("msg", ""))))
    text = "\n".join([
        "# Bad inputs and what they get",
        "",
        "Written by `tests/utils/bad_inputs.py` (`make bad-inputs`) from real module runs against the test",
        "services (`make env-up`). Every one fails before anything is written: no change is reported, and a",
        "file that was there is byte for byte what it was (the fourth column).",
        "",
        "| module | input | outcome | file untouched | message |",
        "|---|---|---|---|---|",
    ] + rows + [""])
    OUT.write_text(text)
    print(text)
    if problems:
        raise BenchError("cases that did not fail cleanly:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    run(main, "bad_inputs")
