# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time playbooks/site.yml: the first run and an unchanged re-run, on the quick start's podman
containers (the molecule scenario `site`).

Writes build/bench-site.md (and stdout) for docs/benchmarks.md. The re-run must change nothing
(every host's PLAY RECAP with changed=0), or the script fails: a re-run that changes something is
not the unchanged re-run this measures. The containers are removed at the end unless --keep.
"""

import argparse

from _bench import ROOT, BenchError, converge_recap, machine_facts, molecule_runner, run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    args = parser.parse_args()
    facts = machine_facts()
    molecule = molecule_runner("site")
    molecule("destroy")
    try:
        molecule("create")
        molecule("prepare")
        first, _output = molecule("converge")
        again, output = molecule("converge")
        recap = converge_recap(output)
        changed = dict((host, c) for host, (_ok, c) in recap.items() if c)
        if changed:
            raise BenchError("the re-run of site.yml changed something: %s" % changed)
    finally:
        if not args.keep:
            molecule("destroy")
    tasks = sum(ok for ok, _changed in recap.values())
    lines = [
        "## playbooks/site.yml: first run and unchanged re-run",
        "",
        "`python tests/bench/bench_site.py`: the quick start's two Debian 13 podman containers (registry and",
        "client), `molecule converge` run twice. Each time includes molecule's own start (a few seconds).",
        "",
        "| run | seconds | tasks ok (both hosts) | changed |",
        "|---|---|---|---|",
        "| first (Pulp installed, mirrors synced, verified, signed, clients configured, proof) | %.1f | | |" % first,
        "| unchanged re-run (the registry role, mirrors synced and verified again, the client role, four podman pulls) | %.1f | %d | 0 |" % (again, tasks),
        "",
        "Re-run / first run: **%.3f**. Machine: %s, %d CPUs, %.1f GiB RAM, load %.2f at the start." % (
            again / first, facts["cpu"], facts["cpus"], facts["ram_gib"], facts["load"]),
        "",
    ]
    text = "\n".join(lines)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "bench-site.md").write_text(text)
    print(text)


if __name__ == "__main__":
    run(main, "bench_site")
