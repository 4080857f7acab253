"""Benchmark: auditing a registry, one registry_audit task against one cosign_verify task.

Set-up (not timed): ``--repositories`` repositories of ``--tags`` small distinct images each are
pushed to the upstream test registry, signed with one key (cosign_sign), and mirrored into the
local Pulp (pulp_container_mirrors, public distributions). Then, on Pulp's registry:

  registry_audit    one task over every repository (every tag: manifest, .sig, .att, .sbom and
                    referrers read and verified), the same key trusted
  cosign_verify     one task over every image by tag (the signatures only), the same key

The audit is also run over a quarter and a half of the repositories, to show how its cost grows
with the number of tags. Times are wall-clock seconds of the one task (task_times callback) and of
the whole ansible-playbook run; fastest of ``--repeat`` rounds. Not a test: prints PASS or FAIL
against the target (audit at most 1.5 x cosign_verify) and writes build/bench-audit.md.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from _bench import (RECAP, BenchError, CountingProxy, collections_path, find_ansible_playbook, load_env, machine_facts, progress,
                    run, tail)
from bench_cosign import CALLBACKS, OCI_MANIFEST, TASK, Counted, Upstream, build_image, sha256_digest

OUTPUT = Path(__file__).resolve().parents[2] / "build" / "bench-audit.md"
SECTION = "## registry audit"
PASSPHRASE = "bench-audit-passphrase"
MAX_RATIO = 1.5

SETUP = """\
- name: Sign the images and mirror them into Pulp
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A key
      signed.registry.cosign_key:
        path: "{{ work }}/org.key"
        passphrase: "%(passphrase)s"
    - name: Sign every image upstream
      signed.registry.cosign_sign:
        images: "{{ upstream_images }}"
        key: "{{ work }}/org.key"
        passphrase: "%(passphrase)s"
        plain_http: true
    - name: Mirror every repository into Pulp, public
      signed.registry.pulp_container_mirrors:
        pulp_url: "{{ pulp_url }}"
        username: "{{ pulp_username }}"
        password: "{{ pulp_password }}"
        mirrors: "{{ mirrors }}"
""" % {"passphrase": PASSPHRASE}

CLEANUP = """\
- name: Remove the mirrors
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Remove
      signed.registry.pulp_container_mirrors:
        pulp_url: "{{ pulp_url }}"
        username: "{{ pulp_username }}"
        password: "{{ pulp_password }}"
        mirrors: "{{ mirrors | map('combine', {'state': 'absent'}) }}"
        sync: false
"""

TIMED = {
    "audit": """\
- name: Audit
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Timed
      signed.registry.registry_audit:
        repositories: "{{ repositories }}"
        public_keys: ["{{ work }}/org.pub"]
        plain_http: true
      register: audit
    - name: Every image verified
      ansible.builtin.assert:
        that: audit.summary.totals.verified == audit.summary.totals.images
""",
    "verify": """\
- name: Verify
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Timed
      signed.registry.cosign_verify:
        images: "{{ images }}"
        public_keys: ["{{ work }}/org.pub"]
        plain_http: true
""",
}


def push_all(upstream, namespace, repositories, tags):
    """{repository: [(tag, digest)]} of fresh distinct images (set-up, not timed)."""
    def push(item):
        repository, tag = item
        manifest, blobs = build_image("%s:%s" % (repository, tag))
        for blob in blobs:
            upstream.push_blob(repository, blob)
        upstream.session.put("%s/v2/%s/manifests/%s" % (upstream.base, repository, tag), data=manifest,
                             headers={"Content-Type": OCI_MANIFEST}, timeout=30).raise_for_status()
        return repository, tag, sha256_digest(manifest)
    items = [("%s/repo-%02d" % (namespace, r), "t%03d" % t) for r in range(repositories) for t in range(tags)]
    pushed = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for repository, tag, digest in pool.map(push, items):
            pushed.setdefault(repository, []).append((tag, digest))
    return pushed


class Playbooks:
    def __init__(self, work, collections, ansible_playbook, env):
        self.work, self.ansible_playbook, self.env = work, ansible_playbook, env
        self.ansible_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
                                ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS), ANSIBLE_CALLBACKS_ENABLED="task_times",
                                SR_TASK_TIMES=str(work / "task-times.json"),
                                PATH=os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))))

    def run(self, name, text, variables):
        (self.work / (name + ".yml")).write_text(text)
        variables = dict(variables, work=str(self.work), pulp_url=self.env["pulp_url"],
                         pulp_username=self.env["username"], pulp_password=self.env["password"])
        (self.work / (name + ".json")).write_text(json.dumps(variables))
        start = time.perf_counter()
        proc = subprocess.run([self.ansible_playbook, "-i", "localhost,", "-c", "local", "-e",
                               "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % (self.work / (name + ".json")),
                               str(self.work / (name + ".yml"))], cwd=self.work, env=self.ansible_env,
                              capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        recap = RECAP.search(proc.stdout)
        if proc.returncode != 0 or not recap or recap.group(4) != "0":
            raise BenchError("the %s playbook failed (exit %d):\n%s" % (name, proc.returncode, tail(proc.stdout)))
        times = json.loads((self.work / "task-times.json").read_text()) if (self.work / "task-times.json").exists() else {}
        return elapsed, times.get(TASK)


COUNTED_REPOSITORIES = 2


def count_requests(books, pulp_url, pushed, log):
    """The registry requests per image of each way, through a counting proxy in front of Pulp
    (untimed: the proxy adds its own cost), over the first COUNTED_REPOSITORIES repositories."""
    names = sorted(pushed)[:COUNTED_REPOSITORIES]
    images = sum(len(pushed[name]) for name in names)
    log("counting the registry requests of both ways over %d images" % images)
    counted = []
    with CountingProxy(pulp_url) as proxy:
        proxy.take()
        books.run("audit", TIMED["audit"], {"repositories": ["%s/%s" % (proxy.registry, name) for name in names]})
        counted.append(Counted("registry_audit", images, proxy.take()))
        images_by_tag = ["%s/%s:%s" % (proxy.registry, name, tag) for name in names for tag, _digest in pushed[name]]
        books.run("verify", TIMED["verify"], {"images": images_by_tag})
        counted.append(Counted("cosign_verify", images, proxy.take()))
    return counted


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repositories", type=int, default=50)
    parser.add_argument("--tags", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    log = progress()

    started = datetime.datetime.now().astimezone()
    facts = machine_facts()
    env = load_env()
    upstream = Upstream(env["upstream_url"], env["upstream_registry"])
    upstream.ping()
    pulp_host = env["pulp_url"].split("://", 1)[1].rstrip("/")
    namespace = "bench-audit-%s" % started.strftime("%Y%m%d-%H%M%S")
    count = args.repositories * args.tags
    counted = []
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        work = Path(tmp)
        books = Playbooks(work, collections_path("registry_audit.py"), find_ansible_playbook(), env)
        log("pushing %d images in %d repositories upstream" % (count, args.repositories))
        pushed = push_all(upstream, namespace, args.repositories, args.tags)
        mirrors = [{"name": repository.replace("/", "-"), "url": env["upstream_url"], "upstream_name": repository,
                    "base_path": repository} for repository in sorted(pushed)]
        upstream_images = ["%s/%s@%s" % (upstream.registry, r, d) for r, tagged in sorted(pushed.items()) for _t, d in tagged]
        log("signing them and mirroring them into Pulp (set-up, not timed)")
        setup_time = books.run("setup", SETUP, {"upstream_images": upstream_images, "mirrors": mirrors})[0]
        log("set-up took %.0f s" % setup_time)
        repositories = ["%s/%s" % (pulp_host, r) for r in sorted(pushed)]
        images = ["%s/%s:%s" % (pulp_host, r, t) for r, tagged in sorted(pushed.items()) for t, _d in tagged]
        runs = {"verify": [], "audit": []}
        growth = {}
        try:
            for round_ in range(1, args.repeat + 1):
                log("round %d of %d: cosign_verify over %d images" % (round_, args.repeat, count))
                runs["verify"].append(books.run("verify", TIMED["verify"], {"images": images}))
                log("round %d of %d: registry_audit over %d repositories" % (round_, args.repeat, len(repositories)))
                runs["audit"].append(books.run("audit", TIMED["audit"], {"repositories": repositories}))
            for share in (4, 2):
                part = repositories[:max(1, len(repositories) // share)]
                log("registry_audit over %d repositories" % len(part))
                growth[len(part) * args.tags] = books.run("audit", TIMED["audit"], {"repositories": part})[1]
            growth[count] = min(task for _whole, task in runs["audit"])
            counted = count_requests(books, env["pulp_url"], pushed, log)
        finally:
            log("removing the Pulp mirrors")
            books.run("cleanup", CLEANUP, {"mirrors": mirrors})

    best = dict((way, min(runs[way], key=lambda r: r[1])) for way in runs)
    ratio = best["audit"][1] / best["verify"][1]
    passed = ratio <= MAX_RATIO
    lines = [
        SECTION, "",
        "Written by `make bench` (`tests/bench/bench_audit.py`). %d small distinct images in %d repositories, signed "
        "with one key upstream and mirrored into the local Pulp (public distributions, plain HTTP); one "
        "`registry_audit` task over the repositories against one `cosign_verify` task over the same images by tag, "
        "the same key trusted. Fastest of %d rounds." % (count, args.repositories, args.repeat), "",
        "- date: %s; machine: %d CPUs (%s), %.1f GiB RAM, Python %s; load average %.1f at the start"
        % (started.strftime("%Y-%m-%d %H:%M %Z"), facts["cpus"], facts["cpu"], facts["ram_gib"], facts["python"],
           facts["load"]), "",
        "| way | whole run s | task s | per image ms | task / cosign_verify |",
        "|---|---:|---:|---:|---:|",
        "| registry_audit | %.2f | %.2f | %.1f | %.2f |" % (best["audit"][0], best["audit"][1], 1000 * best["audit"][1] / count, ratio),
        "| cosign_verify | %.2f | %.2f | %.1f | 1 |" % (best["verify"][0], best["verify"][1], 1000 * best["verify"][1] / count),
        "",
        "- **%s**: the audit of %d tags takes at most %.1f x a cosign_verify task over the same images (%.2f s vs %.2f s: %.2f)"
        % ("PASS" if passed else "FAIL", count, MAX_RATIO, best["audit"][1], best["verify"][1], ratio),
        "- growth with the number of tags (audit task s, and ms per tag): %s" % "; ".join(
            "%d tags %.2f s (%.1f ms)" % (tags, seconds, 1000 * seconds / tags) for tags, seconds in sorted(growth.items())),
        "- registry requests per image (counted through a proxy in front of Pulp, %d images): %s"
        % (counted[0].images, "; ".join("%s %.2f (%s)" % (c.label, c.requests_per_image, c.summary()) for c in counted)),
        "- the audit lists each repository's tags once, then reads per tag its manifest and the attachment tags the list "
        "holds (here `.sig` and its payload); cosign_verify asks for the `.sig` tag and the referrers of every image",
    ]
    text = "\n".join(lines) + "\n"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print("\n" + text)
    log("done")


if __name__ == "__main__":
    run(main, "bench_audit", lost=requests.RequestException, lost_what="the registry")
