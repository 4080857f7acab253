# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time the pulp_registry role: a first run and an unchanged re-run on one Debian 13 host, over
SSH with pipelining (how a site deployment reaches its hosts), and the same re-run over molecule's
podman connection for comparison.

The host is the molecule scenario `pulp_registry`'s sr-debian13 container (host network; S3
storage on the object store that the scenario's prepare starts), with openssh-server added and
listening on 127.0.0.1:2299 only; the playbook is the scenario's converge.yml with its inventory
and variables (signing service included). sr-debian12 gets the previous Pulp release from
prepare and is left alone. The re-runs must
change nothing, or the script fails. Writes build/bench-pulp-registry.md (and stdout); the
containers are removed at the end unless --keep.
"""

import argparse
import os
import subprocess
import time

from _bench import ROOT, BenchError, converge_recap, machine_facts, molecule_runner, run, tail

HOST = "sr-debian13"
SSH_PORT = 2299
BUILD = ROOT / "build"
SCENARIO_DIR = ROOT / "extensions" / "molecule" / "pulp_registry"
EPHEMERAL = BUILD / "molecule" / "ephemeral" / "pulp_registry"
KEY_DIR = BUILD / "bench" / "pulp_registry-ssh"
VENV_BIN = BUILD / "molecule-venv" / "bin"


def podman_exec(*argv, stdin=None):
    env = dict(os.environ, CONTAINERS_CONF=str(BUILD / "molecule" / "containers.conf"))
    done = subprocess.run(["podman", "exec", "-i", HOST] + list(argv), input=stdin, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError("podman exec %s %s failed:\n%s" % (HOST, " ".join(argv), tail(done.stdout + done.stderr)))
    return done.stdout


def ssh_key():
    key = KEY_DIR / "id_ed25519"
    if not key.exists():
        KEY_DIR.mkdir(parents=True, exist_ok=True)
        os.chmod(KEY_DIR, 0o700)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench_pulp_registry", "-f", str(key)],
                       check=True)
    return key


def start_sshd(key):
    """openssh-server in the container, on 127.0.0.1 only (the container shares the host's network):
    its configuration is in place before the package starts the server."""
    podman_exec("sh", "-c", "mkdir -p /etc/ssh/sshd_config.d && cat > /etc/ssh/sshd_config.d/bench.conf",
                stdin="Port %d\nListenAddress 127.0.0.1\nPasswordAuthentication no\n"
                      "PermitRootLogin prohibit-password\n" % SSH_PORT)
    podman_exec("sh", "-c", "install -d -m 0700 /root/.ssh && cat > /root/.ssh/authorized_keys && "
                            "chmod 0600 /root/.ssh/authorized_keys",
                stdin=key.with_suffix(".pub").read_text())
    podman_exec("apt-get", "update", "-q")
    podman_exec("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--no-install-recommends",
                "openssh-server")
    podman_exec("systemctl", "restart", "ssh")


def playbook(name, *extra, env_extra=None):
    """ansible-playbook with the scenario's inventory (as molecule wrote it) and environment."""
    collections = "/tmp/signed.registry-%s/collections" % subprocess.run(
        ["bash", "-c", "printf %s \"$1\" | md5sum | cut -c1-8", "-", str(ROOT)],
        capture_output=True, text=True, check=True).stdout.strip()
    env = dict(os.environ, ANSIBLE_CONFIG=str(EPHEMERAL / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH="%s:%s" % (collections, BUILD / "molecule-collections"),
               MOLECULE_PROJECT_DIRECTORY=str(ROOT), MOLECULE_EPHEMERAL_DIRECTORY=str(EPHEMERAL),
               CONTAINERS_CONF=str(BUILD / "molecule" / "containers.conf"), ANSIBLE_NOCOLOR="1", **(env_extra or {}))
    start = time.monotonic()
    done = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(EPHEMERAL / "inventory"),
                           str(SCENARIO_DIR / name)] + list(extra), cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise BenchError("ansible-playbook %s failed:\n%s" % (name, tail(done.stdout + done.stderr, 60)))
    return seconds, done.stdout


def converge_over_ssh(key):
    ssh = ["--limit", HOST,
           "-e", "ansible_connection=ssh", "-e", "ansible_host=127.0.0.1", "-e", "ansible_port=%d" % SSH_PORT,
           "-e", "ansible_user=root", "-e", "ansible_ssh_private_key_file=%s" % key,
           "-e", "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"]
    return playbook("converge.yml", *ssh, env_extra={"ANSIBLE_PIPELINING": "True"})


def unchanged(label, output):
    ok, changed = converge_recap(output)[HOST]
    if changed:
        raise BenchError("the %s re-run changed %d task(s)" % (label, changed))
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    args = parser.parse_args()
    facts = machine_facts()
    molecule = molecule_runner("pulp_registry")
    key = ssh_key()
    molecule("destroy")
    try:
        # create runs prepare too: the upstream registry, the object store, the signing key.
        molecule("create")
        start_sshd(key)
        first, _output = converge_over_ssh(key)
        again, output = converge_over_ssh(key)
        tasks = unchanged("SSH", output)
        podman, output = playbook("converge.yml", "--limit", HOST)
        unchanged("podman", output)
    finally:
        if not args.keep:
            # destroy runs the scenario's cleanup first: it stops what prepare started.
            molecule("destroy")
    lines = [
        "## The pulp_registry role: first run and unchanged re-run",
        "",
        "`python tests/bench/bench_pulp_registry.py`: the role (molecule scenario `pulp_registry`'s converge.yml,",
        "signing service and S3 storage included) on one Debian 13 podman container, reached over SSH with pipelining on",
        "127.0.0.1, then the unchanged re-run once more over molecule's podman connection (no pipelining:",
        "each module costs several `podman exec`s). ansible-playbook's own start is in every number.",
        "",
        "| run | seconds |",
        "|---|---|",
        "| first run over SSH (PostgreSQL, Pulp from PyPI, migrations, TLS, units, signing service) | %.1f |" % first,
        "| unchanged re-run over SSH (%d tasks ok, 0 changed) | %.1f |" % (tasks, again),
        "| unchanged re-run over the podman connection | %.1f |" % podman,
        "",
        "Re-run / first run over SSH: **%.3f**; the issue's target for the re-run is under 60 s. Podman re-run /"
        " SSH re-run: %.2f. Machine: %s, %d CPUs, %.1f GiB RAM, load %.2f at the start." % (
            again / first, podman / again, facts["cpu"], facts["cpus"], facts["ram_gib"], facts["load"]),
        "",
    ]
    text = "\n".join(lines)
    BUILD.mkdir(exist_ok=True)
    (BUILD / "bench-pulp-registry.md").write_text(text)
    print(text)


if __name__ == "__main__":
    run(main, "bench_pulp_registry")
