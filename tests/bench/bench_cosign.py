"""Benchmark: cosign signing and verification of many images, three ways (``make bench-cosign``).

Small distinct images are pushed to the upstream test registry (plain HTTP), then signed and
verified with one cosign key:

  module tasks      one signed.registry.cosign_sign task with all images, then one
                    cosign_verify task with all of them (each its own ansible-playbook run);
                    the sign playbook is run a second time, unchanged
  cosign loop       a shell loop of ``cosign sign`` over the images, then one of ``cosign verify``
  command loop      a playbook looping ansible.builtin.command over cosign sign, then one looping
                    cosign verify: what users write today

Each way gets its own copy of the images, so each signs images that are not signed yet. All
ways sign and verify the same references, by digest (known before any timing). Times are the
wall clock of the whole run (ansible-playbook or the shell script, start-up included).

Where the time goes is measured too, untimed and afterwards: ansible-playbook start-up, a module
task with no images, the module's key decryption, and the registry requests per image of the
module and of cosign, counted through a reverse proxy on a few more images.

It is a benchmark, not a test: it exits 0 whether or not the targets are met (non-zero only when
it could not run), prints PASS or FAIL for each target and writes a markdown section to
build/bench-cosign.md (and stdout) for docs/benchmarks.md. The images stay in the registry under
bench-cosign-<time>/ (docker-registry keeps a repository in its catalog even once emptied).

The machine's other load only ever adds time: ``--repeat N`` runs every timed step N times, each
round on fresh images, and the table keeps the fastest run of each.
"""

import argparse
import collections
import datetime
import gzip
import hashlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from _bench import (RECAP, ROOT, BenchError, CountingProxy, collections_path, find_ansible_playbook, load_env,
                    machine_facts, progress, run, tail)

TOOLS = ROOT / "build" / "tools"
COSIGN = TOOLS / "bin" / "cosign"
# tests/env/clients.sh records the Debian package versions it installed here.
CLIENTS_STAMP = TOOLS / "trixie-root" / ".sr-clients"
OUTPUT = ROOT / "build" / "bench-cosign.md"
# What tests/env/up.sh runs on 127.0.0.1:5000 (Debian's docker-registry package).
REGISTRY_BINARY = "/usr/bin/docker-registry"
SECTION = "## cosign signing and verification"
# The task_times callback reports each task's time; the timed task of each playbook has this name.
CALLBACKS = ROOT / "tests" / "bench" / "callback_plugins"
TASK = "Timed"

PASSPHRASE = "bench-cosign-passphrase"
TAG = "v1"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

# The targets of the issue: time / cosign loop time.
MAX_SIGN_RATIO = 0.25
MAX_VERIFY_RATIO = 0.5

# What `cosign sign` and `cosign verify` need besides --key for a registry without TLS and
# without a transparency log (the module uses none either).
COSIGN_SIGN = ("--tlog-upload=false", "--allow-http-registry", "-y")
COSIGN_VERIFY = ("--insecure-ignore-tlog=true", "--allow-http-registry")


# -- images ----------------------------------------------------------------------------------


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def build_image(repository):
    """(manifest, [blobs]) of a one-layer image whose layer holds the repository's name, so
    that every image, and so every signature payload, differs."""
    buffer = io.BytesIO()
    content = ("bench image %s\n" % repository).encode()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("bench.txt")
        info.size = len(content)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(content))
    layer = gzip.compress(buffer.getvalue(), mtime=0)
    config = compact({"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": [sha256_digest(buffer.getvalue())]}})
    manifest = compact({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": sha256_digest(config)},
        "layers": [{"mediaType": OCI_LAYER, "size": len(layer), "digest": sha256_digest(layer)}],
    })
    return manifest, [layer, config]


class Upstream:
    """The plain-HTTP registry, pushed to directly through the distribution API."""

    def __init__(self, url, registry):
        self.base = url.rstrip("/")
        self.registry = registry
        self._local = threading.local()

    @property
    def session(self):
        # Sessions are not thread-safe; the pushes run in a pool.
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            # A proxy from the environment must not see loopback traffic.
            self._local.session.trust_env = False
        return self._local.session

    def _check(self, response, *ok):
        if response.status_code not in ok:
            raise BenchError("%s %s: HTTP %d: %s" % (response.request.method, response.url, response.status_code,
                                                     response.text[:300]))
        return response

    def ping(self):
        try:
            self._check(self.session.get(self.base + "/v2/", timeout=10), 200)
        except requests.RequestException as exc:
            raise BenchError("the registry at %s does not answer (%s): run 'make env-up'" % (self.base, exc)) from exc

    def push_blob(self, repository, data):
        started = self._check(self.session.post("%s/v2/%s/blobs/uploads/" % (self.base, repository), timeout=30), 202)
        location = urllib.parse.urljoin(self.base + "/", started.headers["Location"])
        separator = "&" if "?" in location else "?"
        self._check(self.session.put(location + separator + "digest=" + sha256_digest(data), data=data,
                                     headers={"Content-Type": "application/octet-stream"}, timeout=30), 201)

    def push_image(self, repository, tag):
        """Push a fresh image; returns its manifest digest."""
        manifest, blobs = build_image(repository)
        for blob in blobs:
            self.push_blob(repository, blob)
        response = self._check(self.session.put("%s/v2/%s/manifests/%s" % (self.base, repository, tag), data=manifest,
                                                headers={"Content-Type": OCI_MANIFEST}, timeout=30), 201)
        digest = sha256_digest(manifest)
        if response.headers.get("Docker-Content-Digest") not in (None, digest):
            raise BenchError("the registry stored %s:%s as %s, not %s" % (
                repository, tag, response.headers["Docker-Content-Digest"], digest))
        return digest


def push_images(upstream, namespace, count):
    """References by digest of ``count`` fresh images under ``namespace``, pushed concurrently
    (the set-up is not what is measured)."""
    repositories = ["%s/img-%02d" % (namespace, i) for i in range(count)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        digests = list(pool.map(lambda repository: upstream.push_image(repository, TAG), repositories))
    return ["%s/%s@%s" % (upstream.registry, repository, digest) for repository, digest in zip(repositories, digests)]


# -- counting reverse proxy ------------------------------------------------------------------


# Per connection, or describing a body that is re-sent whole.
# Longer than any request to a local registry takes: a gap this long between two requests is
# time spent elsewhere (sleeping, starting a process, decrypting a key).
PAUSE = 0.02
REQUEST_PATH = re.compile(r"^/v2/(.+?)/(manifests|blobs|tags|referrers)/(.*)$")


def classify(path):
    """What a registry request path asks for, without the names and digests that differ per image."""
    path = urllib.parse.urlsplit(path).path
    match = REQUEST_PATH.match(path)
    if not match:
        return path
    _repository, kind, rest = match.groups()
    if kind == "manifests":
        if rest.startswith("sha256-"):
            return "%s tag" % rest.rsplit(".", 1)[-1] if "." in rest else "referrers tag"
        return "manifest by digest" if rest.startswith("sha256:") else "manifest by tag"
    if kind == "blobs":
        return "blob upload" if rest.startswith("uploads") else "blob"
    return kind


@dataclass
class Counted:
    """The requests of one run over ``images`` images, as the registry saw them."""

    label: str
    images: int
    requests: list
    kinds: collections.Counter = field(init=False)
    pauses: list = field(init=False)

    def __post_init__(self):
        self.kinds = collections.Counter()
        for request in self.requests:
            failed = " (%d)" % request.status if request.status >= 400 else ""
            self.kinds["%s %s%s" % (request.method, classify(request.path), failed)] += 1
        times = sorted(request.at for request in self.requests)
        self.pauses = [later - earlier for earlier, later in zip(times, times[1:]) if later - earlier > PAUSE]

    @property
    def requests_per_image(self):
        return sum(self.kinds.values()) / self.images

    def summary(self):
        return ", ".join("%s x%s" % (key, _number(count / self.images))
                         for key, count in sorted(self.kinds.items(), key=lambda item: (-item[1], item[0])))


def _number(value):
    return ("%.2f" % value).rstrip("0").rstrip(".")


# -- the ways --------------------------------------------------------------------------------


PLAYBOOKS = {
    "module-sign": """\
- name: Sign with one cosign_sign task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Timed
      signed.registry.cosign_sign:
        images: "{{ images }}"
        key: "{{ key }}"
        passphrase: "{{ passphrase }}"
        plain_http: true
""",
    "module-verify": """\
- name: Verify with one cosign_verify task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Timed
      signed.registry.cosign_verify:
        images: "{{ images }}"
        public_keys: ["{{ public_key }}"]
        plain_http: true
""",
    "command-sign": """\
- name: Sign with cosign, one command per image
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Timed
      ansible.builtin.command:
        argv: ["{{ cosign }}", sign, --key, "{{ key }}", --tlog-upload=false, --allow-http-registry, -y, "{{ item }}"]
      environment:
        COSIGN_PASSWORD: "{{ passphrase }}"
      loop: "{{ images }}"
      changed_when: true
""",
    "command-verify": """\
- name: Verify with cosign, one command per image
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Timed
      ansible.builtin.command:
        argv: ["{{ cosign }}", verify, --key, "{{ public_key }}", --insecure-ignore-tlog=true, --allow-http-registry, "{{ item }}"]
      loop: "{{ images }}"
      changed_when: false
""",
    "empty": """\
- name: Next to nothing, to time ansible-playbook itself
  hosts: localhost
  gather_facts: false
  tasks:
    # Runs on the controller, without a module run: there must be a task for the play recap.
    - name: Nothing
      ansible.builtin.debug:
        msg: start-up only
""",
}

LOOP_SCRIPT = """\
# cosign %(action)s over the images listed in $1, one command per image, as a user scripts it.
set -euo pipefail
for ref in $(cat "$1"); do
  %(command)s "$ref"
done
"""


class Runner:
    """Runs the playbooks and the shell loops written into ``work``; each run returns its wall time."""

    def __init__(self, work, collections, ansible_playbook, key, public_key):
        self.work = work
        self.ansible_playbook = ansible_playbook
        self.key = key
        self.public_key = public_key
        self.ansible_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
                                ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCAL_TEMP=str(work / "ansible-local"),
                                ANSIBLE_REMOTE_TEMP=str(work / "ansible-remote"),
                                PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
                                ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS), ANSIBLE_CALLBACKS_ENABLED="task_times",
                                SR_TASK_TIMES=str(work / "task-times.json"))
        self.cosign_env = dict(os.environ, COSIGN_PASSWORD=PASSPHRASE)
        for name, text in PLAYBOOKS.items():
            (work / (name + ".yml")).write_text(text)
        for action, key_file, flags in (("sign", key, COSIGN_SIGN), ("verify", public_key, COSIGN_VERIFY)):
            command = " ".join(shlex.quote(a) for a in (str(COSIGN), action, "--key", str(key_file)) + flags)
            (work / ("cosign-%s.sh" % action)).write_text(LOOP_SCRIPT % {"action": action, "command": command})
        self.last_changed = None
        self.last_task_time = None

    def playbook(self, name, images, label=None):
        """Run playbook ``name`` over ``images``; the recap's changed count is kept in last_changed,
        the wall time of its one timed task (``TASK``) in last_task_time."""
        variables = self.work / ("vars-%s.json" % name)
        variables.write_text(json.dumps({"images": images, "key": str(self.key), "public_key": str(self.public_key),
                                         "passphrase": PASSPHRASE, "cosign": str(COSIGN)}))
        command = [self.ansible_playbook, "-i", "localhost,", "-c", "local", "-e",
                   "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % variables, str(self.work / (name + ".yml"))]
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=self.work, env=self.ansible_env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        recap = RECAP.search(proc.stdout)
        if proc.returncode != 0 or not recap or recap.group(4) != "0":
            raise BenchError("%s failed (exit %d):\n%s\n%s" % (label or name, proc.returncode, tail(proc.stdout),
                                                               tail(proc.stderr, 10)))
        self.last_changed = int(recap.group(2))
        self.last_task_time = json.loads(Path(self.ansible_env["SR_TASK_TIMES"]).read_text()).get(TASK)
        return elapsed

    def cosign_loop(self, action, images):
        refs = self.work / ("refs-%s.txt" % action)
        refs.write_text("".join(ref + "\n" for ref in images))
        start = time.perf_counter()
        proc = subprocess.run(["bash", str(self.work / ("cosign-%s.sh" % action)), str(refs)], cwd=self.work,
                              env=self.cosign_env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise BenchError("the cosign %s loop failed (exit %d):\n%s" % (action, proc.returncode, tail(proc.stderr)))
        return elapsed

    def cosign(self, *arguments):
        proc = subprocess.run([str(COSIGN)] + list(arguments), cwd=self.work, env=self.cosign_env,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BenchError("cosign %s failed (exit %d):\n%s" % (arguments[0], proc.returncode, tail(proc.stderr)))
        return proc.stdout


# -- setup -----------------------------------------------------------------------------------


def make_key_pair(work):
    if not COSIGN.exists():
        raise BenchError("no cosign at %s: run 'make env-up' (it installs cosign into build/tools)" % COSIGN)
    proc = subprocess.run([str(COSIGN), "generate-key-pair"], cwd=work, env=dict(os.environ, COSIGN_PASSWORD=PASSPHRASE),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BenchError("cosign generate-key-pair failed (exit %d):\n%s" % (proc.returncode, tail(proc.stderr)))
    return work / "cosign.key", work / "cosign.pub"


def key_decryption_time(collections, key):
    """Seconds the module's own code takes to decrypt the cosign key (scrypt), in this process."""
    sys.path.insert(0, collections)
    try:
        from ansible_collections.signed.registry.plugins.module_utils._cosign import load_signing_key
    except ImportError as exc:
        return None, str(exc)
    finally:
        sys.path.remove(collections)
    data = key.read_bytes()
    times = []
    for _attempt in range(3):
        start = time.perf_counter()
        load_signing_key(data, PASSPHRASE, "key")
        times.append(time.perf_counter() - start)
    return min(times), None


def versions(ansible_playbook):
    proc = subprocess.run([ansible_playbook, "--version"], capture_output=True, text=True, check=False)
    first = proc.stdout.splitlines()[0] if proc.stdout else "?"
    found = {"ansible": first.replace("ansible-playbook [core ", "ansible-core ").rstrip("]"), "cosign": "cosign"}
    if CLIENTS_STAMP.exists():
        for line in CLIENTS_STAMP.read_text().splitlines():
            if line.startswith("cosign="):
                found["cosign"] = "cosign %s (Debian)" % line.split("=", 1)[1]
    found["registry"] = "docker-registry"
    if Path(REGISTRY_BINARY).exists():
        proc = subprocess.run([REGISTRY_BINARY, "--version"], capture_output=True, text=True, check=False)
        if proc.stdout.strip():
            found["registry"] += " " + proc.stdout.split()[-1]
    return found


# -- the benchmark ---------------------------------------------------------------------------


ACTIONS = ("sign", "verify", "resign")
ACTION_LABELS = {"sign": "sign", "verify": "verify", "resign": "unchanged sign"}


@dataclass
class Timings:
    """Wall times of every timed run, and what the profile found."""

    runs: dict = field(default_factory=lambda: collections.defaultdict(list))  # (way, action) -> seconds
    # The timed task alone, without ansible-playbook's start-up; a shell loop's is its whole run.
    tasks: dict = field(default_factory=lambda: collections.defaultdict(list))
    startup: float = 0.0
    sign_floor: float = 0.0
    verify_floor: float = 0.0
    verify_floor_task: float = 0.0
    key_decryption: float = None
    key_decryption_problem: str = None
    counted: list = field(default_factory=list)

    def best(self, way, action):
        # Other load on the machine only ever adds time: the fastest run is the least disturbed.
        return min(self.runs[way, action])

    def best_task(self, way, action):
        return min(self.tasks[way, action])

    def add(self, way, action, elapsed, task_time=None):
        self.runs[way, action].append(elapsed)
        self.tasks[way, action].append(elapsed if task_time is None else task_time)


def run_ways(runner, sets, timings, log):
    count = len(sets["cosign"])

    def playbook(way, action, name):
        timings.add(way, action, runner.playbook(name, sets[way]), runner.last_task_time)

    log("cosign loop: signing %d images" % count)
    timings.add("cosign", "sign", runner.cosign_loop("sign", sets["cosign"]))
    log("cosign loop: verifying %d images" % count)
    timings.add("cosign", "verify", runner.cosign_loop("verify", sets["cosign"]))

    log("module tasks: signing %d images" % count)
    playbook("module", "sign", "module-sign")
    if runner.last_changed != 1:
        raise BenchError("the cosign_sign task did not report a change on unsigned images")
    log("module tasks: verifying %d images" % count)
    playbook("module", "verify", "module-verify")
    log("module tasks: signing again, unchanged")
    playbook("module", "resign", "module-sign")
    if runner.last_changed != 0:
        raise BenchError("the unchanged cosign_sign re-run reported a change")

    log("command loop: signing %d images" % count)
    playbook("command", "sign", "command-sign")
    log("command loop: verifying %d images" % count)
    playbook("command", "verify", "command-verify")


def cross_check(runner, sets, log):
    """cosign must accept what the module signed, and the module what cosign signed: otherwise
    the ways did not do the same work."""
    log("cross-checking: cosign verifies a module signature, the module a cosign signature")
    runner.cosign("verify", "--key", str(runner.public_key), *COSIGN_VERIFY, sets["module"][0])
    runner.playbook("module-verify", [sets["cosign"][0], sets["command"][0]], label="cross-check")


def profile(runner, upstream, namespace, count, collections, timings, log):
    """Untimed: where the module's time goes."""
    log("profile: ansible-playbook start-up and module tasks with no images")
    timings.startup = min(runner.playbook("empty", []) for _attempt in range(2))
    timings.sign_floor = min(runner.playbook("module-sign", []) for _attempt in range(2))
    timings.verify_floor = min(runner.playbook("module-verify", []) for _attempt in range(2))
    timings.verify_floor_task = min((runner.playbook("module-verify", []), runner.last_task_time)[1]
                                    for _attempt in range(2))
    timings.key_decryption, timings.key_decryption_problem = key_decryption_time(collections, runner.key)

    log("profile: counting the registry requests of %d more images per way" % count)
    with CountingProxy(upstream.base) as proxy:
        module = [ref.replace(upstream.registry, proxy.registry, 1)
                  for ref in push_images(upstream, namespace + "/count-module", count)]
        cosign = [ref.replace(upstream.registry, proxy.registry, 1)
                  for ref in push_images(upstream, namespace + "/count-cosign", count)]
        proxy.take()
        for label, call in (("cosign_sign task", lambda: runner.playbook("module-sign", module)),
                            ("cosign_sign task, unchanged", lambda: runner.playbook("module-sign", module)),
                            ("cosign_verify task", lambda: runner.playbook("module-verify", module)),
                            ("cosign sign", lambda: runner.cosign_loop("sign", cosign)),
                            ("cosign verify", lambda: runner.cosign_loop("verify", cosign))):
            call()
            timings.counted.append(Counted(label, count, proxy.take()))


WAYS = (("module", "cosign_sign / cosign_verify tasks"), ("cosign", "cosign shell loop"),
        ("command", "playbook, ansible.builtin.command loop"))
HEADERS = ("way", "sign s", "sign task s", "verify s", "verify task s", "sign / cosign loop",
           "verify / cosign loop")


def rows(timings):
    cosign_sign, cosign_verify = timings.best("cosign", "sign"), timings.best("cosign", "verify")
    found = []
    for way, label in WAYS:
        sign, verify = timings.best_task(way, "sign"), timings.best_task(way, "verify")
        found.append((label, "%.2f" % timings.best(way, "sign"), "%.2f" % sign, "%.2f" % timings.best(way, "verify"),
                      "%.2f" % verify, "%.3f" % (sign / cosign_sign), "%.3f" % (verify / cosign_verify)))
        if way == "module":
            resign = timings.best_task(way, "resign")
            found.append(("cosign_sign task, unchanged re-run", "%.2f" % timings.best(way, "resign"), "%.2f" % resign,
                          "", "", "%.3f" % (resign / cosign_sign), ""))
    return found


def targets(timings):
    found = []
    for action, doing, module, limit in (("sign", "signing", "cosign_sign", MAX_SIGN_RATIO),
                                         ("verify", "verifying", "cosign_verify", MAX_VERIFY_RATIO)):
        task, run, loop = (timings.best_task("module", action), timings.best("module", action),
                           timings.best("cosign", action))
        found.append(("%s with one %s task: at most 1/%d of the cosign loop's time" % (
            doing, module, round(1 / limit)),
            task / loop <= limit, "task %.2f s vs %.2f s: %.3f; whole ansible-playbook run %.2f s: %.3f"
            % (task, loop, task / loop, run, run / loop)))
    return found


def notes(timings, count):
    per_image = dict(((way, action), timings.best(way, action) / count) for way, _label in WAYS for action in ACTIONS[:2])
    found = [
        "per image: cosign loop %.3f s to sign, %.3f s to verify; command loop %.3f s, %.3f s; module tasks %.3f s, %.3f s"
        % tuple(per_image[way, action] for way in ("cosign", "command", "module") for action in ACTIONS[:2]),
        "ansible-playbook start-up (a play with one debug task): %.2f s; a cosign_sign task with no images: %.2f s "
        "(start-up, one module run, key decryption); a cosign_verify task with no images: %.2f s, of which the "
        "task (the module's Python start-up and imports) %.2f s"
        % (timings.startup, timings.sign_floor, timings.verify_floor, timings.verify_floor_task),
    ]
    if timings.key_decryption is not None:
        found.append("key decryption (scrypt, the module's load_signing_key, in-process): %.3f s" % timings.key_decryption)
    else:
        found.append("key decryption could not be timed: %s" % timings.key_decryption_problem)
    for counted in timings.counted:
        line = "%s: %s requests per image (%s)" % (counted.label, _number(counted.requests_per_image), counted.summary())
        line += "; %d pauses of over %d ms between two requests (sleeps, process start-ups, key decryption), %.3f s per image" % (
            len(counted.pauses), PAUSE * 1000, sum(counted.pauses) / counted.images)
        found.append(line)
    if any(len(runs) > 1 for runs in timings.runs.values()):
        found.append("every run, s (the table shows the fastest): " + "; ".join(
            "%s, %s: %s" % (label, ACTION_LABELS[action], ", ".join("%.2f" % t for t in timings.runs[way, action]))
            for way, label in WAYS for action in ACTIONS if timings.runs.get((way, action))))
    return found


def print_report(timings, count):
    cells = [HEADERS] + rows(timings)
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    print("\n%d images, signed then verified with one cosign key" % count)
    for i, line in enumerate(cells):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("(wall-clock seconds of the whole run and of the timed task; ratios are task time / cosign loop time,"
          " lower is faster)\n")
    for note in notes(timings, count):
        print(note)
    print()
    for text, passed, detail in targets(timings):
        print("%s  %s\n      %s" % ("PASS" if passed else "FAIL", text, detail))


def markdown(timings, count, repeat, counted_images, facts, found_versions, started):
    lines = [
        SECTION,
        "",
        "Written by `make bench-cosign` (`tests/bench/bench_cosign.py`); run it again to refresh this section.",
        "",
        "%d small distinct images (one tiny layer each) on a plain-HTTP %s, signed and then verified with one "
        "cosign key, three ways, each on its own copy of the images (so each signs unsigned images):" % (
            count, found_versions["registry"]),
        "",
        "- **cosign_sign / cosign_verify tasks**: one `signed.registry.cosign_sign` task with all images "
        "(`plain_http: true`), then one `cosign_verify` task; the sign playbook also runs a second time, unchanged;",
        "- **cosign shell loop**: `for ref in ...; do cosign sign --key cosign.key --tlog-upload=false "
        "--allow-http-registry -y $ref; done`, then the same with `cosign verify --key cosign.pub "
        "--insecure-ignore-tlog=true --allow-http-registry`;",
        "- **playbook, ansible.builtin.command loop**: `cosign sign` and then `cosign verify` looped over the images "
        "with `ansible.builtin.command`, as users write it today.",
        "",
        "Every way gets the images by digest. Times are wall-clock seconds: *sign s* and *verify s* of a whole run "
        "(ansible-playbook or the shell script, start-up included), *task s* of the one task that signs or verifies "
        "(the module run with its Python start-up, or the whole command loop, without ansible-playbook's own "
        "start-up, which a playbook pays once however many tasks it has); %s. Ratios are task time / cosign loop "
        "time: lower is faster." % (
            "the fastest of %d rounds, each on fresh images" % repeat if repeat > 1 else "one run each"),
        "",
        "- date: %s" % started.strftime("%Y-%m-%d %H:%M %Z"),
        "- machine: %d CPUs (%s), %.1f GiB RAM, Python %s; load average %.1f when the benchmark started"
        % (facts["cpus"], facts["cpu"], facts["ram_gib"], facts["python"], facts["load"]),
        "- clients: %s; %s" % (found_versions["ansible"], found_versions["cosign"]),
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(timings)]
    lines += ["", "### Targets", ""]
    lines += ["- **%s**: %s (%s)" % ("PASS" if passed else "FAIL", text, detail) for text, passed, detail in targets(timings)]
    lines += ["", "### Where the time goes", "",
              "Measured after the timed runs. Requests were counted on %d more images per way through a counting "
              "reverse proxy in front of the registry." % counted_images, ""]
    lines += ["- " + note for note in notes(timings, count)]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=int, default=100, help="how many images each way signs (default: 100)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of timed runs, each on fresh images; the fastest run of each counts (default: 3)")
    parser.add_argument("--count-images", type=int, default=10,
                        help="how many images the request count uses per way (default: 10)")
    args = parser.parse_args()
    if min(args.images, args.repeat, args.count_images) < 1:
        parser.error("--images, --repeat and --count-images must be at least 1")

    log = progress()

    started = datetime.datetime.now().astimezone()
    # Before anything of ours runs: what else loads the machine.
    facts = machine_facts()
    env = load_env()
    upstream = Upstream(env["upstream_url"], env["upstream_registry"])
    upstream.ping()
    collections = collections_path("cosign_sign.py")
    ansible_playbook = find_ansible_playbook()
    namespace = "bench-cosign-%s" % started.strftime("%Y%m%d-%H%M%S")

    timings = Timings()
    with tempfile.TemporaryDirectory(prefix="bench-cosign-") as tmp:
        work = Path(tmp)
        key, public_key = make_key_pair(work)
        runner = Runner(work, collections, ansible_playbook, key, public_key)
        # Neither cosign's nor Ansible's first-time cost (page cache, .pyc files) belongs in the timings.
        runner.cosign("version")
        runner.playbook("empty", [])
        for round_ in range(1, args.repeat + 1):
            prefix = "%s/r%d" % (namespace, round_) if args.repeat > 1 else namespace
            log("round %d of %d: pushing %d images for each way under %s/%s"
                % (round_, args.repeat, args.images, upstream.registry, prefix))
            sets = {way: push_images(upstream, "%s/%s" % (prefix, way), args.images) for way, _label in WAYS}
            run_ways(runner, sets, timings, log)
            if round_ == 1:
                cross_check(runner, sets, log)
        profile(runner, upstream, namespace, args.count_images, collections, timings, log)

    print_report(timings, args.images)
    text = markdown(timings, args.images, args.repeat, args.count_images, facts, versions(ansible_playbook), started)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print("\n" + text)
    print("written to %s" % OUTPUT.relative_to(ROOT))
    log("done")


if __name__ == "__main__":
    run(main, "bench_cosign", lost=requests.RequestException, lost_what="the registry")
