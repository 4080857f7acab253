"""Return the test Pulp to a clean state: no container distributions, repositories, remotes or
namespaces, and no queued or running tasks.

Usage: pulp_reset.py [--env ENV_JSON] [--orphans]
  --env      env.json written by tests/env/up.sh (default: $SR_ENV_DIR/env.json, else
             <repo>/build/env/env.json)
  --orphans  also delete orphaned content and artifacts (slower; content left over from earlier
             tests is otherwise invisible to repository-level checks anyway)

Speed matters (integration targets call this before they start): it logs in once and uses the
session cookie, because Basic auth costs about 0.25 s of password hashing per request on the
server, then fires all deletes before waiting for the tasks.
Needs: requests.
"""

import argparse
import json
import os
import sys
import time

import requests

FINAL_STATES = {"completed", "failed", "canceled", "skipped"}
OK_RACES = {("DELETE", 404), ("PATCH", 409)}

# Deleted in this order: distributions first, because they point at repositories.
STAGES = [
    ["distributions/container/container/", "distributions/container/pull-through/"],
    [
        "repositories/container/container/",
        "repositories/container/container-push/",
        "remotes/container/container/",
        "remotes/container/pull-through/",
        "pulp_container/namespaces/",
    ],
]


class Pulp:
    def __init__(self, env):
        self.base = env["pulp_url"].rstrip("/")
        self.api = self.base + "/pulp/api/v3/"
        self.s = requests.Session()
        self.s.trust_env = False  # 127.0.0.1 only: never through a proxy
        resp = self.s.post(self.api + "login/", auth=(env["username"], env["password"]), timeout=30)
        if resp.status_code not in (200, 201):
            sys.exit(f"login to {self.api} failed: HTTP {resp.status_code} {resp.text[:300]}")
        self.s.headers["X-CSRFToken"] = self.s.cookies.get("csrftoken", "")

    def url(self, href):
        return href if href.startswith("http") else self.base + href

    def request(self, method, href, **kw):
        resp = self.s.request(method, self.url(href), timeout=60, **kw)
        # 404 on DELETE / 409 on cancel: someone else (or the task itself) got there first.
        if resp.status_code >= 400 and (method, resp.status_code) not in OK_RACES:
            sys.exit(f"{method} {href}: HTTP {resp.status_code} {resp.text[:300]}")
        return resp

    def list(self, endpoint, **params):
        url, params = self.api + endpoint, dict(params, limit=1000, fields="pulp_href")
        while url:
            page = self.request("GET", url, params=params).json()
            yield from (item["pulp_href"] for item in page["results"])
            url, params = page.get("next"), None

    def wait(self, task_hrefs, timeout=120):
        deadline = time.monotonic() + timeout
        failed = []
        for href in task_hrefs:
            while True:
                task = self.request("GET", href).json()
                if task["state"] in FINAL_STATES:
                    if task["state"] == "failed":
                        failed.append(f"{task.get('name')}: {task.get('error')}")
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"timed out waiting for task {href} ({task['state']})")
                time.sleep(0.05)
        return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    here = os.path.dirname(os.path.abspath(__file__))
    state = os.environ.get("SR_ENV_DIR") or os.path.join(here, "..", "..", "build", "env")
    parser.add_argument("--env", default=os.path.join(state, "env.json"))
    parser.add_argument("--orphans", action="store_true")
    args = parser.parse_args()
    with open(args.env) as fh:
        pulp = Pulp(json.load(fh))

    # A sync or push task left by an earlier test would hold locks on what we delete.
    active = list(pulp.list("tasks/", state__in="waiting,running"))
    for href in active:
        pulp.request("PATCH", href, json={"state": "canceled"})
    pulp.wait(active)

    counts, failures = {}, []
    for stage in STAGES:
        tasks = []
        for endpoint in stage:
            for href in list(pulp.list(endpoint)):
                resp = pulp.request("DELETE", href)
                counts[endpoint] = counts.get(endpoint, 0) + 1
                if resp.status_code == 202:
                    tasks.append(resp.json()["task"])
        failures += pulp.wait(tasks)

    if args.orphans:
        resp = pulp.request(
            "POST", pulp.api + "orphans/cleanup/", json={"orphan_protection_time": 0}
        )
        failures += pulp.wait([resp.json()["task"]])

    if failures:
        sys.exit("reset tasks failed:\n  " + "\n  ".join(failures))
    summary = ", ".join(f"{n} {e.rstrip('/')}" for e, n in counts.items()) or "nothing to delete"
    print(f"pulp reset: {summary}" + (", orphans cleaned" if args.orphans else ""))


if __name__ == "__main__":
    main()
