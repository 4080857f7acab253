"""Benchmark: verifying many keyless-signed images, one cosign_verify task against a cosign loop.

Small distinct images are pushed to the upstream test registry (plain HTTP) and signed keyless by
the private Sigstore of the tests (tests/utils/private_sigstore.py: Fulcio CA, CT log and Rekor
key of its own), then verified two ways with the same identity (issuer + e-mail subject) and root:

  module task     one signed.registry.cosign_verify task with all images (identities, trusted_root)
  cosign loop     ``for ref in ...; do cosign verify --offline --certificate-identity ...
                  --certificate-oidc-issuer ... $ref; done``, the root given as cosign reads it
                  (SIGSTORE_ROOT_FILE, SIGSTORE_REKOR_PUBLIC_KEY, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE)

Times are wall-clock seconds: of the whole ansible-playbook run (start-up included) and of the one
task; the cosign loop's is the whole script. Fastest of ``--repeat`` rounds, each on fresh images.
Not a test: exits 0 whether or not the target is met, prints PASS or FAIL and writes
build/bench-keyless.md for docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from _bench import (RECAP, ROOT, BenchError, collections_path, find_ansible_playbook, load_env, machine_facts, progress, run,
                    tail)
from bench_cosign import CALLBACKS, COSIGN, TASK, Upstream, push_images

sys.path.insert(0, str(ROOT / "tests" / "utils"))
import private_sigstore  # noqa: E402  pylint: disable=wrong-import-position

OUTPUT = ROOT / "build" / "bench-keyless.md"
SECTION = "## keyless verification"
SUBJECT = "bench@example.com"
ISSUER = "https://issuer.example"
MAX_RATIO = 0.5

PLAYBOOK = """\
- name: Verify keyless signatures with one cosign_verify task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Timed
      signed.registry.cosign_verify:
        images: "{{ images }}"
        identities: [{issuer: "%s", subject: "%s"}]
        trusted_root: "{{ root }}/trusted_root.json"
        plain_http: true
""" % (ISSUER, SUBJECT)


def sign_all(upstream, root, references):
    """Sign every image keyless (set-up, not timed)."""
    def sign(reference):
        name, digest = reference.split("@")
        repository = name.split("/", 1)[1]
        payload, layer = private_sigstore.keyless_layer(str(root), name, digest, SUBJECT, ISSUER)
        private_sigstore.push_signature(upstream.base, repository, digest, payload, layer)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(sign, references))


class Ways:
    def __init__(self, work, root, collections, ansible_playbook):
        self.work, self.root, self.ansible_playbook = work, root, ansible_playbook
        (work / "verify.yml").write_text(PLAYBOOK)
        self.ansible_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
                                ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS), ANSIBLE_CALLBACKS_ENABLED="task_times",
                                SR_TASK_TIMES=str(work / "task-times.json"),
                                PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))))
        self.cosign_env = dict(os.environ, SIGSTORE_ROOT_FILE=str(root / "fulcio.pem"),
                               SIGSTORE_REKOR_PUBLIC_KEY=str(root / "rekor.pub"),
                               SIGSTORE_CT_LOG_PUBLIC_KEY_FILE=str(root / "ctlog.pub"))
        arguments = (str(COSIGN), "verify", "--offline", "--allow-http-registry",
                     "--certificate-identity", SUBJECT, "--certificate-oidc-issuer", ISSUER)
        command = " ".join(shlex.quote(a) for a in arguments)
        (work / "cosign-verify.sh").write_text("set -euo pipefail\nfor ref in $(cat \"$1\"); do\n  %s \"$ref\" >/dev/null\ndone\n"
                                               % command)

    def module(self, images):
        variables = self.work / "vars.json"
        variables.write_text(json.dumps({"images": images, "root": str(self.root)}))
        start = time.perf_counter()
        proc = subprocess.run([self.ansible_playbook, "-i", "localhost,", "-c", "local", "-e",
                               "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % variables,
                               str(self.work / "verify.yml")], cwd=self.work, env=self.ansible_env,
                              capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        recap = RECAP.search(proc.stdout)
        if proc.returncode != 0 or not recap or recap.group(4) != "0":
            raise BenchError("the cosign_verify playbook failed (exit %d):\n%s" % (proc.returncode, tail(proc.stdout)))
        return elapsed, json.loads((self.work / "task-times.json").read_text())[TASK]

    def cosign(self, images):
        refs = self.work / "refs.txt"
        refs.write_text("".join(ref + "\n" for ref in images))
        start = time.perf_counter()
        proc = subprocess.run(["bash", str(self.work / "cosign-verify.sh"), str(refs)], cwd=self.work,
                              env=self.cosign_env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise BenchError("the cosign verify loop failed (exit %d):\n%s" % (proc.returncode, tail(proc.stderr)))
        return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    log = progress()

    started = datetime.datetime.now().astimezone()
    facts = machine_facts()
    env = load_env()
    upstream = Upstream(env["upstream_url"], env["upstream_registry"])
    upstream.ping()
    if not COSIGN.exists():
        raise BenchError("no cosign at %s: run 'make env-up'" % COSIGN)
    collections = collections_path("cosign_verify.py")
    ansible_playbook = find_ansible_playbook()
    namespace = "bench-keyless-%s" % started.strftime("%Y%m%d-%H%M%S")
    runs = {"module": [], "task": [], "cosign": []}
    with tempfile.TemporaryDirectory(prefix="bench-keyless-") as tmp:
        work = Path(tmp)
        root = work / "root"
        private_sigstore.init(str(root))
        ways = Ways(work, root, collections, ansible_playbook)
        for round_ in range(1, args.repeat + 1):
            log("round %d of %d: pushing and signing keyless %d images per way" % (round_, args.repeat, args.images))
            module_images = push_images(upstream, "%s/r%d/module" % (namespace, round_), args.images)
            cosign_images = push_images(upstream, "%s/r%d/cosign" % (namespace, round_), args.images)
            sign_all(upstream, root, module_images + cosign_images)
            log("cosign loop: verifying")
            runs["cosign"].append(ways.cosign(cosign_images))
            log("module task: verifying")
            whole, task = ways.module(module_images)
            runs["module"].append(whole)
            runs["task"].append(task)

    best = dict((way, min(times)) for way, times in runs.items())
    ratio = best["task"] / best["cosign"]
    passed = ratio <= MAX_RATIO
    lines = [
        SECTION, "",
        "Written by `make bench` (`tests/bench/bench_keyless.py`). %d small distinct images on the plain-HTTP "
        "docker-registry, each signed keyless (legacy `.sig`: Fulcio-style certificate with an embedded SCT, Rekor "
        "SET) by the tests' private Sigstore, verified offline with one identity (issuer and e-mail subject): one "
        "`cosign_verify` task (`identities`, `trusted_root`) against a shell loop of `cosign verify --offline "
        "--certificate-identity ... --certificate-oidc-issuer ...` with the same root. Fastest of %d rounds, each "
        "on fresh images." % (args.images, args.repeat), "",
        "- date: %s; machine: %d CPUs (%s), %.1f GiB RAM, Python %s; load average %.1f at the start"
        % (started.strftime("%Y-%m-%d %H:%M %Z"), facts["cpus"], facts["cpu"], facts["ram_gib"], facts["python"],
           facts["load"]), "",
        "| way | whole run s | task s | per image s | task / cosign loop |",
        "|---|---:|---:|---:|---:|",
        "| cosign_verify task | %.2f | %.2f | %.3f | %.3f |" % (best["module"], best["task"], best["task"] / args.images, ratio),
        "| cosign verify loop | %.2f | %.2f | %.3f | 1 |" % (best["cosign"], best["cosign"], best["cosign"] / args.images),
        "",
        "- **%s**: verifying %d keyless images in one task takes at most 1/2 of the cosign loop's time (task %.2f s "
        "vs %.2f s: %.3f; the whole ansible-playbook run, start-up included, %.2f s: %.3f)"
        % ("PASS" if passed else "FAIL", args.images, best["task"], best["cosign"], ratio, best["module"],
           best["module"] / best["cosign"]),
        "- every run, s: cosign_verify task %s; whole runs %s; cosign loop %s" % tuple(
            ", ".join("%.2f" % t for t in runs[way]) for way in ("task", "module", "cosign")),
    ]
    text = "\n".join(lines) + "\n"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print("\n" + text)
    log("done")


if __name__ == "__main__":
    run(main, "bench_keyless", lost=requests.RequestException, lost_what="the registry")
