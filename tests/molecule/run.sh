#!/usr/bin/env bash
# Run a molecule scenario of extensions/molecule/ with everything it needs:
#
#   bash tests/molecule/run.sh SCENARIO [MOLECULE_COMMAND [ARGS...]]   # default command: test
#   bash tests/molecule/run.sh pulp_registry
#   bash tests/molecule/run.sh pulp_registry converge
#
# 1. tests/molecule/setup.sh: podman/runc, molecule venv, collections, base images (idempotent);
# 2. `make collection`: the collection copied to /tmp/signed.registry-<hash>/collections, where
#    ansible finds signed.registry (roles and modules);
# 3. molecule from the collection root, so that it uses extensions/molecule/ (and its config.yml),
#    with CONTAINERS_CONF and ANSIBLE_COLLECTIONS_PATH set;
# Services a scenario starts on the host (an upstream registry, ...) are its own business: it
# starts them in prepare and stops them by their recorded PID in cleanup, which molecule also
# runs when a step fails. Scenarios may run at the same time (each has its own ports and state).
#
# SR_MOLECULE_IMAGES="debian12 debian13" chooses the base images setup.sh prepares.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$REPO_ROOT/build

scenario=${1:?usage: run.sh SCENARIO [MOLECULE_COMMAND [ARGS...]]}
shift
[[ -f $REPO_ROOT/extensions/molecule/$scenario/molecule.yml ]] ||
    { echo "[molecule] no scenario $scenario in extensions/molecule/" >&2; exit 2; }
command=("$@")
((${#command[@]})) || command=(test)

start=$SECONDS
# shellcheck disable=SC2086
bash "$HERE/setup.sh" ${SR_MOLECULE_IMAGES:-}
make -s -C "$REPO_ROOT" collection
collections=/tmp/signed.registry-$(printf %s "$REPO_ROOT" | md5sum | cut -c1-8)/collections
[[ -f $collections/ansible_collections/signed/registry/galaxy.yml ]] ||
    { echo "[molecule] make collection did not produce $collections" >&2; exit 1; }

export CONTAINERS_CONF=$BUILD/molecule/containers.conf
export ANSIBLE_COLLECTIONS_PATH=$collections:$BUILD/molecule-collections
export PATH=$BUILD/molecule-venv/bin:$PATH
export MOLECULE_NO_LOG=false
export NO_COLOR=1 ANSIBLE_NOCOLOR=1 PY_COLORS=0
# Molecule's state (inventory, instance config) in the build tree, one folder per scenario.
export MOLECULE_EPHEMERAL_DIRECTORY=$BUILD/molecule/ephemeral/$scenario

cd "$REPO_ROOT"
echo "[molecule] molecule ${command[0]} -s $scenario ${command[*]:1}"
rc=0
molecule "${command[0]}" -s "$scenario" "${command[@]:1}" || rc=$?
echo "[molecule] $scenario: molecule ${command[0]} exited $rc after $((SECONDS - start)) s"
if [[ ${command[0]} == test ]]; then
    # The plain closing line CI reads.
    if ((rc == 0)); then echo "molecule: 1 passed, 0 failed"; else echo "molecule: 0 passed, 1 failed"; fi
fi
exit "$rc"
