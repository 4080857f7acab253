"""Benchmark: container mirrors in Pulp, managed three ways (``make bench``).

A mirror is a remote, a repository that syncs from it and a distribution that serves it, all
three named after the mirror. The ways:

  playbook loop     a playbook looping the single-resource modules over the mirrors
  mirrors task      one pulp_container_mirrors task (sync: false)
  pulp-cli script   a shell script: one ``pulp ... show`` per entity and, where missing, one
                    ``pulp ... create``, as a user would script it

Each way starts from a clean slate, creates the mirrors (timed) and re-runs unchanged (timed).
Another unchanged re-run goes through a counting reverse proxy in front of Pulp to count the
HTTP requests; it is not timed, so the proxy costs the timings nothing.

Only objects named bench-mirror-* and the registry namespace bench-mirrors are touched, and
they are deleted at the end. It is a benchmark, not a test: it exits 0 whether or not the
targets are met (non-zero only when it could not run), prints PASS or FAIL for each target
and writes the results to docs/benchmarks.md.
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
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import requests

from _bench import (RECAP, ROOT, BenchError, CountingProxy, collections_path, find_ansible_playbook, load_env,
                    machine_facts, progress, run, tail)

CLI_VENV = ROOT / "build" / "pulp-cli-venv"
# Pinned so that results stay comparable between runs; pulp-cli ships the container commands.
PULP_CLI_REQUIREMENT = "pulp-cli==0.41.*"
DOC = ROOT / "docs" / "benchmarks.md"

PREFIX = "bench-mirror-"
# The first segment of a base_path becomes a registry namespace in Pulp: one of our own.
NAMESPACE = "bench-mirrors"
UPSTREAM_REPOS = ("fixtures/app", "fixtures/other", "fixtures/unsigned")

API = "/pulp/api/v3/"
LOGIN_PATH = API + "login/"
ENDPOINTS = {
    "remote": "remotes/container/container/",
    "repository": "repositories/container/container/",
    "distribution": "distributions/container/container/",
}
NAMESPACES = "pulp_container/namespaces/"
TASK_FINAL_STATES = ("completed", "failed", "canceled", "skipped")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The targets of the issue.
MAX_REQUESTS_PER_ENTITY = 2
MAX_LOGINS_PER_MODULE_RUN = 1
MAX_MIRRORS_TO_CLI_RERUN = 0.1


# -- Pulp, for the benchmark's own bookkeeping -----------------------------------------------


class PulpAdmin:
    """Just enough of Pulp's REST API to reset the benchmark's objects and check them."""

    def __init__(self, url, username, password):
        self.base = url.rstrip("/")
        self.session = requests.Session()
        # Pulp hashes Basic credentials on every request (a fifth of a second here): log in once.
        response = self.session.post(self._url("login/"), auth=(username, password), timeout=60)
        if response.status_code in (404, 405):
            self.session.auth = (username, password)
        else:
            response.raise_for_status()
            self.session.headers["X-CSRFToken"] = self.session.cookies.get("csrftoken", "")

    def _url(self, href):
        return href if href.startswith("http") else self.base + (href if href.startswith("/") else API + href)

    def get(self, href, **params):
        response = self.session.get(self._url(href), params=params or None, timeout=60)
        response.raise_for_status()
        return response.json()

    def list(self, endpoint, **filters):
        page = self.get(endpoint, limit=200, **filters)
        found = list(page["results"])
        while page.get("next"):
            page = self.get(page["next"])
            found.extend(page["results"])
        return found

    def versions(self):
        return {v["component"]: v["version"] for v in self.get("status/")["versions"]}

    def delete(self, hrefs):
        """Delete all, then wait for all: one task round trip instead of one per object."""
        tasks = []
        for href in hrefs:
            response = self.session.delete(self._url(href), timeout=60)
            if response.status_code == 404:
                continue
            response.raise_for_status()
            if response.status_code == 202:
                tasks.append(response.json()["task"])
        deadline = time.monotonic() + 300
        for task in tasks:
            while True:
                state = self.get(task)["state"]
                if state in TASK_FINAL_STATES:
                    break
                if time.monotonic() > deadline:
                    raise BenchError("Pulp task %s still %s after 300 s" % (task, state))
                time.sleep(0.1)
            if state != "completed":
                raise BenchError("Pulp task %s ended %s while cleaning up" % (task, state))

    def clean(self):
        # Dependents first: a distribution names its repository, a repository its remote.
        for kind in ("distribution", "repository", "remote"):
            self.delete(o["pulp_href"] for o in self.list(ENDPOINTS[kind], name__startswith=PREFIX))
        self.delete(o["pulp_href"] for o in self.list(NAMESPACES, name=NAMESPACE))

    def check_mirrors(self, mirrors):
        """Fail unless every mirror's remote, repository and distribution exist and are linked."""
        found = {kind: {o["name"]: o for o in self.list(endpoint, name__startswith=PREFIX)}
                 for kind, endpoint in ENDPOINTS.items()}
        problems = []
        for mirror in mirrors:
            name = mirror["name"]
            remote = found["remote"].get(name)
            repository = found["repository"].get(name)
            distribution = found["distribution"].get(name)
            if not (remote and repository and distribution):
                problems.append("%s: missing %s" % (name, [k for k in ENDPOINTS if name not in found[k]]))
            elif (remote["url"], remote["upstream_name"]) != (mirror["url"], mirror["upstream_name"]) \
                    or repository["remote"] != remote["pulp_href"] \
                    or distribution["repository"] != repository["pulp_href"] \
                    or distribution["base_path"] != mirror["base_path"]:
                problems.append("%s: not linked as asked" % name)
        extra = set(found["remote"]) - {m["name"] for m in mirrors}
        if extra:
            problems.append("unexpected remotes: %s" % sorted(extra))
        if problems:
            raise BenchError("the mirrors are not what was asked for: " + "; ".join(problems[:5]))


# -- counting reverse proxy ------------------------------------------------------------------


def is_login(request):
    return request.method == "POST" and urllib.parse.urlsplit(request.path).path == LOGIN_PATH


def writes(request):
    return request.method not in SAFE_METHODS and not is_login(request)


def describe(request):
    url = urllib.parse.urlsplit(request.path)
    # A name__in list of every mirror would drown the rest.
    query = "&".join("%s=%s" % (k, v if len(v) <= 40 else v[:30] + "...(%d chars)" % len(v))
                     for k, v in urllib.parse.parse_qsl(url.query))
    return "%s %s%s -> %s" % (request.method, url.path, "?" + query if query else "", request.status)


# -- the three ways --------------------------------------------------------------------------


LOOP_PLAYBOOK = """\
- name: Mirrors with the single-resource modules
  hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/signed.registry.pulp:
      pulp_url: "{{ pulp_url }}"
      username: "{{ pulp_username }}"
      password: "{{ pulp_password }}"
  tasks:
    - name: Remotes
      signed.registry.pulp_container_remote:
        name: "{{ item.name }}"
        url: "{{ item.url }}"
        upstream_name: "{{ item.upstream_name }}"
      loop: "{{ mirrors }}"
      loop_control: {label: "{{ item.name }}"}

    - name: Repositories
      signed.registry.pulp_container_repository:
        name: "{{ item.name }}"
        remote: "{{ item.name }}"
      loop: "{{ mirrors }}"
      loop_control: {label: "{{ item.name }}"}

    - name: Distributions
      signed.registry.pulp_container_distribution:
        name: "{{ item.name }}"
        base_path: "{{ item.base_path }}"
        repository: "{{ item.name }}"
      loop: "{{ mirrors }}"
      loop_control: {label: "{{ item.name }}"}
"""

MIRRORS_PLAYBOOK = """\
- name: Mirrors with one pulp_container_mirrors task
  hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/signed.registry.pulp:
      pulp_url: "{{ pulp_url }}"
      username: "{{ pulp_username }}"
      password: "{{ pulp_password }}"
  tasks:
    - name: All mirrors
      signed.registry.pulp_container_mirrors:
        mirrors: "{{ mirrors }}"
        sync: false
"""

CLI_SCRIPT_HEAD = """\
#!/usr/bin/env bash
# Container mirrors with pulp-cli, as a user would script them: look each entity up and create
# it where missing. Usage: mirrors.sh PULP_BASE_URL
set -euo pipefail
base_url=$1

pulp() { %(pulp)s --config %(config)s --base-url "$base_url" "$@"; }

ensure_mirror() {
  local name=$1 url=$2 upstream_name=$3 base_path=$4
  pulp container remote show --name "$name" >/dev/null 2>&1 ||
    pulp container remote create --name "$name" --url "$url" --upstream-name "$upstream_name" >/dev/null
  pulp container repository show --name "$name" >/dev/null 2>&1 ||
    pulp container repository create --name "$name" --remote "$name" >/dev/null
  pulp container distribution show --name "$name" >/dev/null 2>&1 ||
    pulp container distribution create --name "$name" --base-path "$base_path" --repository "$name" >/dev/null
}

"""


class Way:
    """One way to manage the mirrors; run(url) makes them so and returns the wall time."""

    label = ""
    changed_tasks = None  # as the play recap counts them; None where there is no recap

    def run(self, pulp_url):
        raise NotImplementedError


class PlaybookWay(Way):
    def __init__(self, label, playbook, workdir, env, ansible_playbook):
        self.label = label
        self.playbook = playbook
        self.workdir = workdir
        self.env = env
        self.ansible_playbook = ansible_playbook

    def run(self, pulp_url, extra_vars=()):
        command = [self.ansible_playbook, "-i", "localhost,", "-c", "local", str(self.playbook),
                   "-e", "@vars.json", "-e", "pulp_url=%s" % pulp_url]
        for extra in extra_vars:
            command += ["-e", extra]
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=self.workdir, env=self.env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        recap = RECAP.search(proc.stdout)
        if proc.returncode != 0 or not recap or recap.group(4) != "0":
            raise BenchError("%s failed (exit %d):\n%s\n%s"
                             % (self.label, proc.returncode, tail(proc.stdout), tail(proc.stderr, 10)))
        self.changed_tasks = int(recap.group(2))
        return elapsed


class CliWay(Way):
    label = "pulp-cli script"

    def __init__(self, script, workdir, env, pulp_cli, config):
        self.script = script
        self.workdir = workdir
        self.env = env
        self.pulp_cli = pulp_cli
        self.config = config

    def warm_up(self, pulp_url):
        proc = subprocess.run([str(self.pulp_cli), "--config", str(self.config), "--base-url", pulp_url, "status"],
                              env=self.env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BenchError("pulp-cli cannot reach Pulp at %s:\n%s" % (pulp_url, tail(proc.stderr)))

    def run(self, pulp_url):
        start = time.perf_counter()
        proc = subprocess.run(["bash", str(self.script), pulp_url], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise BenchError("the pulp-cli script failed (exit %d):\n%s" % (proc.returncode, tail(proc.stderr)))
        return elapsed


@dataclass
class Result:
    way: str
    create: float
    rerun: float
    requests: list = field(default_factory=list)
    changed_tasks: int = 0

    @property
    def logins(self):
        return sum(is_login(r) for r in self.requests)

    @property
    def unchanged_problem(self):
        """Why the re-run was not the unchanged run it should be, or None."""
        found = [r for r in self.requests if writes(r)]
        if found:
            return "the re-run wrote to Pulp: " + "; ".join(map(describe, found[:5]))
        if self.changed_tasks:
            return "the re-run reported %d changed task(s)" % self.changed_tasks
        return None


def module_runs(requests_):
    """The requests of an unchanged playbook re-run, split into module runs.

    Every module run logs in first and the runs are sequential (one host, one loop at a time),
    so each login starts the next run.
    """
    runs = []
    for request in requests_:
        if is_login(request) or not runs:
            runs.append([])
        runs[-1].append(request)
    return runs


# -- setup -----------------------------------------------------------------------------------


def pulp_env():
    env = load_env()
    try:
        requests.get(env["pulp_url"] + API + "status/", timeout=10).raise_for_status()
    except requests.RequestException as exc:
        raise BenchError("Pulp at %s does not answer (%s): run 'make env-up'" % (env["pulp_url"], exc)) from exc
    return env


def install_pulp_cli():
    pulp = CLI_VENV / "bin" / "pulp"
    if not pulp.exists():
        print("installing %s into %s" % (PULP_CLI_REQUIREMENT, CLI_VENV), flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(CLI_VENV)], check=True)
        # The machine-wide pip constraint file is for other projects; it must not pin this venv.
        pip_env = dict(os.environ, PIP_CONSTRAINT="")
        subprocess.run([str(CLI_VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                        PULP_CLI_REQUIREMENT], env=pip_env, check=True)
    return pulp


def make_mirrors(count, upstream_url):
    return [{"name": "%s%02d" % (PREFIX, i),
             "url": upstream_url,
             "upstream_name": UPSTREAM_REPOS[i % len(UPSTREAM_REPOS)],
             "base_path": "%s/%s%02d" % (NAMESPACE, PREFIX, i)}
            for i in range(count)]


def write_cli_script(path, pulp, config, mirrors):
    lines = [CLI_SCRIPT_HEAD % {"pulp": shlex.quote(str(pulp)), "config": shlex.quote(str(config))}]
    for mirror in mirrors:
        args = (mirror[k] for k in ("name", "url", "upstream_name", "base_path"))
        lines.append("ensure_mirror %s\n" % " ".join(shlex.quote(a) for a in args))
    path.write_text("".join(lines))


def program_version(command, env=None):
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return proc.stdout.splitlines()[0].strip() if proc.stdout else "?"


# -- the benchmark ---------------------------------------------------------------------------


def measure(way, pulp, proxy, mirrors, log):
    log("%s: clean slate" % way.label)
    pulp.clean()
    log("%s: creating %d mirrors" % (way.label, len(mirrors)))
    create = way.run(pulp.base)
    pulp.check_mirrors(mirrors)
    log("%s: re-running unchanged" % way.label)
    rerun = way.run(pulp.base)
    changed_tasks = way.changed_tasks or 0
    log("%s: counting the requests of another unchanged re-run" % way.label)
    proxy.take()
    way.run(proxy.url)
    result = Result(way.label, create, rerun, proxy.take(), changed_tasks)
    if result.unchanged_problem:
        log("%s: WARNING: %s" % (way.label, result.unchanged_problem))
    return result


@dataclass
class Report:
    rows: list
    targets: list  # (text, passed, detail)
    breakdown: list  # per single-resource module: its unchanged runs
    notes: list


def analyse(results, mirrors):
    entities = 3 * len(mirrors)
    cli = results["cli"]
    rows = [{
        "way": r.way,
        "create": r.create,
        "rerun": r.rerun,
        "requests": len(r.requests),
        "per_entity": (len(r.requests) - r.logins) / entities,
        "logins": r.logins,
        "rerun_ratio": r.rerun / cli.rerun,
        "create_ratio": r.create / cli.create,
    } for r in results.values()]

    # The playbook runs its three loops in order, so the runs come module by module.
    runs = module_runs(results["loop"].requests)
    breakdown = []
    if len(runs) == entities:
        for index, module in enumerate(("pulp_container_remote", "pulp_container_repository",
                                        "pulp_container_distribution")):
            own = runs[index * len(mirrors):(index + 1) * len(mirrors)]
            breakdown.append({
                "module": module,
                "runs": len(own),
                "max_requests": max(sum(not is_login(r) for r in run) for run in own),
                "max_logins": max(sum(is_login(r) for r in run) for run in own),
                "example": [describe(r) for r in own[0]],
            })
    max_requests = max(sum(not is_login(r) for r in run) for run in runs)
    logins_per_run = results["loop"].logins / entities
    ratio = results["mirrors"].rerun / cli.rerun
    targets = [
        ("single-resource module re-run: at most %d HTTP requests per entity plus %d login per module run"
         % (MAX_REQUESTS_PER_ENTITY, MAX_LOGINS_PER_MODULE_RUN),
         len(runs) == entities and max_requests <= MAX_REQUESTS_PER_ENTITY
         and logins_per_run <= MAX_LOGINS_PER_MODULE_RUN and not results["loop"].unchanged_problem,
         "%d module runs for %d entities, at most %d requests each besides the login, %.2f logins per run"
         % (len(runs), entities, max_requests, logins_per_run)),
        ("unchanged pulp_container_mirrors re-run: at most 1/%d of the pulp-cli script's time"
         % round(1 / MAX_MIRRORS_TO_CLI_RERUN),
         ratio <= MAX_MIRRORS_TO_CLI_RERUN and not results["mirrors"].unchanged_problem,
         "%.2f s vs %.2f s: %.3f, %.0fx faster" % (results["mirrors"].rerun, cli.rerun, ratio, 1 / ratio)),
    ]
    notes = ["WARNING: %s: %s" % (r.way, r.unchanged_problem) for r in results.values() if r.unchanged_problem]
    notes += [
        "single-resource modules: %.2f s per module run in the unchanged re-run" % (results["loop"].rerun / entities),
        "pulp-cli: %.2f s per command in the re-run (%d `show`), %.2f s in the create run (%d `show` + %d `create`)"
        % (cli.rerun / entities, entities, cli.create / (2 * entities), entities, entities),
        "pulp_container_mirrors re-run requests: " + "; ".join("`%s`" % describe(r) for r in results["mirrors"].requests),
    ]
    for r in results.values():
        logins = [q.seconds for q in r.requests if is_login(q)]
        others = [q.seconds for q in r.requests if not is_login(q)]
        notes.append("%s, time Pulp took to answer in the counted re-run: %s%d other requests %.2f s (%.3f s each)"
                     % (r.way, "%d login(s) %.2f s (%.3f s each), " % (len(logins), sum(logins), sum(logins) / len(logins))
                        if logins else "", len(others), sum(others), sum(others) / max(len(others), 1)))
    return Report(rows, targets, breakdown, notes)


HEADERS = ("way", "create s", "re-run s", "re-run requests", "requests/entity", "logins",
           "re-run / pulp-cli", "create / pulp-cli")


def row_cells(row):
    return (row["way"], "%.1f" % row["create"], "%.2f" % row["rerun"], str(row["requests"]), "%.2f" % row["per_entity"],
            str(row["logins"]), "%.3f" % row["rerun_ratio"], "%.3f" % row["create_ratio"])


def print_report(report, mirrors):
    cells = [HEADERS] + [row_cells(r) for r in report.rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    print("\n%d mirrors = %d entities (remote, repository, distribution each)" % (len(mirrors), 3 * len(mirrors)))
    for i, line in enumerate(cells):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(line, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("(requests/entity leaves out logins; ratios are time / pulp-cli time, lower is faster)\n")
    for entry in report.breakdown:
        print("%s: %d runs, at most %d request(s) + %d login each; one run: %s"
              % (entry["module"], entry["runs"], entry["max_requests"], entry["max_logins"], "; ".join(entry["example"])))
    for note in report.notes:
        print(note)
    print()
    for text, passed, detail in report.targets:
        print("%s  %s\n      %s" % ("PASS" if passed else "FAIL", text, detail))


def markdown(report, mirrors, facts, versions, started):
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`tests/bench/bench_pulp.py`); run it again to refresh this page.",
        "",
        "%d container mirrors (a remote, a repository that syncs from it and a distribution that serves it: "
        "%d entities), created from a clean slate and then re-run unchanged, three ways:" % (len(mirrors), 3 * len(mirrors)),
        "",
        "- **playbook, single-resource modules**: three tasks looping `pulp_container_remote`, "
        "`pulp_container_repository` and `pulp_container_distribution` over the mirrors (one module run per entity);",
        "- **pulp_container_mirrors task**: one task with all mirrors, `sync: false`;",
        "- **pulp-cli script**: a shell script with one `pulp container ... show` per entity and, where missing, "
        "one `pulp container ... create`, as a user would script it.",
        "",
        "Times are wall-clock seconds of one direct run each (ansible-playbook or the script, start-up included). "
        "Requests were counted on a separate unchanged re-run through a counting reverse proxy in front of Pulp; "
        "requests/entity leaves out logins (`POST %s`). Ratios are time / pulp-cli time: lower is faster." % LOGIN_PATH,
        "",
        "- date: %s" % started.strftime("%Y-%m-%d %H:%M %Z"),
        "- machine: %d CPUs (%s), %.1f GiB RAM, Python %s; load average %.1f at the start, %.1f at the end"
        % (facts["cpus"], facts.get("cpu", "?"), facts["ram_gib"], facts["python"], facts["load_start"],
           facts["load_end"]),
        "- Pulp: %s" % ", ".join("%s %s" % (k, v) for k, v in sorted(versions["pulp"].items())),
        "- clients: %s; %s" % (versions["ansible"], versions["pulp_cli"]),
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(row_cells(r)) + " |" for r in report.rows]
    lines += ["", "## Targets", ""]
    lines += ["- **%s** %s (%s)" % ("PASS" if passed else "FAIL", text, detail) for text, passed, detail in report.targets]
    lines += ["", "## Notes", ""]
    lines += ["- " + note for note in report.notes]
    if report.breakdown:
        lines += ["", "## Requests of the unchanged single-resource module runs", "",
                  "| module | runs | requests besides the login (max) | logins (max) | one run |",
                  "|---|---:|---:|---:|---|"]
        lines += ["| %s | %d | %d | %d | %s |" % (e["module"], e["runs"], e["max_requests"], e["max_logins"],
                                                  "<br>".join("`%s`" % s for s in e["example"]))
                  for e in report.breakdown]
    return "\n".join(lines) + "\n"


def prepare_ways(work, env, pulp_cli, ansible_playbook, mirrors):
    """The three ways, with their playbooks, script and settings written into ``work``."""
    (work / "vars.json").write_text(json.dumps({
        "pulp_username": env["username"], "pulp_password": env["password"], "mirrors": mirrors}))
    (work / "loop.yml").write_text(LOOP_PLAYBOOK)
    (work / "mirrors.yml").write_text(MIRRORS_PLAYBOOK)
    ansible_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path("pulp_container_mirrors.py"), ANSIBLE_NOCOLOR="1",
                       ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCAL_TEMP=str(work / "ansible-local"),
                       ANSIBLE_REMOTE_TEMP=str(work / "ansible-remote"))
    # pulp-cli reads its settings and caches Pulp's API schema under the XDG dirs: ours, not the user's.
    cli_env = dict(os.environ, XDG_CONFIG_HOME=str(work / "config"), XDG_CACHE_HOME=str(work / "cache"))
    config = work / "pulp-cli.toml"
    config.write_text("[cli]\nusername = %s\npassword = %s\n" % (json.dumps(env["username"]), json.dumps(env["password"])))
    write_cli_script(work / "mirrors.sh", pulp_cli, config, mirrors)
    return {
        "loop": PlaybookWay("playbook, single-resource modules", work / "loop.yml", work, ansible_env, ansible_playbook),
        "mirrors": PlaybookWay("pulp_container_mirrors task", work / "mirrors.yml", work, ansible_env, ansible_playbook),
        "cli": CliWay(work / "mirrors.sh", work, cli_env, pulp_cli, config),
    }


def warm_up(ways, urls):
    """A user's pulp-cli has Pulp's schema cached (one per base URL), a user's Ansible its files
    in the page cache: neither first-time cost belongs in the timings."""
    for url in urls:
        ways["cli"].warm_up(url)
    ways["loop"].run(urls[0], extra_vars=['{"mirrors": []}'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mirrors", type=int, default=20, help="how many mirrors (default: 20)")
    parser.add_argument("--no-doc", action="store_true", help="do not write %s" % DOC.relative_to(ROOT))
    args = parser.parse_args()
    if args.mirrors < 1:
        parser.error("--mirrors must be at least 1")

    log = progress()

    started = datetime.datetime.now().astimezone()
    load_start = os.getloadavg()[0]
    env = pulp_env()
    pulp = PulpAdmin(env["pulp_url"], env["username"], env["password"])
    mirrors = make_mirrors(args.mirrors, env["upstream_url"])
    ansible_playbook = find_ansible_playbook()
    pulp_cli = install_pulp_cli()

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-pulp-") as tmp, CountingProxy(env["pulp_url"]) as proxy:
        ways = prepare_ways(Path(tmp), env, pulp_cli, ansible_playbook, mirrors)
        warm_up(ways, [pulp.base, proxy.url])
        try:
            for key, way in ways.items():
                results[key] = measure(way, pulp, proxy, mirrors, log)
        finally:
            log("deleting the benchmark's objects")
            try:
                pulp.clean()
            except (BenchError, requests.RequestException) as exc:
                # Said, not raised: the error that stopped the benchmark matters more.
                print("bench_pulp: could not delete the %s* objects: %s" % (PREFIX, exc), file=sys.stderr)

    versions = {
        "pulp": pulp.versions(),
        "ansible": program_version([ansible_playbook, "--version"]).replace("ansible-playbook [core ", "ansible-core ").rstrip("]"),
        "pulp_cli": "pulp-cli " + program_version([str(pulp_cli), "--version"]).rsplit(" ", 1)[-1],
    }
    report = analyse(results, mirrors)
    facts = dict(machine_facts(), load_start=load_start, load_end=os.getloadavg()[0])
    print_report(report, mirrors)
    print("load average: %.1f at the start, %.1f at the end (%d CPUs)" % (load_start, facts["load_end"], facts["cpus"]))
    if not args.no_doc:
        DOC.write_text(markdown(report, mirrors, facts, versions, started))
        print("\nwritten to %s" % DOC.relative_to(ROOT))
    log("done")


if __name__ == "__main__":
    run(main, "bench_pulp", lost=requests.RequestException, lost_what="Pulp")
