#!/usr/bin/env bash
# The README's promise, checked: the commands run on a bare Debian 12 machine with only `make`
# installed. In a throwaway podman container from the bare Debian 12 image of the molecule
# scenarios (debootstrap minbase, localhost/sr-molecule-debian12, built by
# tests/molecule/setup.sh), with a copy of this work tree (without build/ and .git):
#   1. apt-get install make, nothing else;
#   2. make bootstrap; then every command tests/host-packages.txt names must be on PATH, no
#      service may run (policy-rc.d), and a second bootstrap must be a no-op under a second;
#   3. make collection and make venv, for real (rsync, python3-venv, pip from PyPI).
# Exits non-zero with the reason on any failure; removes exactly the container it started.
#
#   bash tests/utils/bare_machine.sh      # `make bare-check`; part of `make test`
#
# The container shares the host's network (apt needs the Debian mirror, pip PyPI). Downloaded
# .debs and pip's cache are kept in build/bare-check/ between runs (only downloads are saved:
# every run starts from the bare image). Proxy and CA settings of the caller are passed in.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$REPO_ROOT/build
CACHE=$BUILD/bare-check
IMAGE=localhost/sr-molecule-debian12:latest
export CONTAINERS_CONF=$BUILD/molecule/containers.conf

start=$SECONDS
say() { printf '[bare-check %4ds] %s\n' "$((SECONDS - start))" "$*"; }
fail() {
    printf '[bare-check] FAILED after %d s: %s\n' "$((SECONDS - start))" "$*" >&2
    exit 1
}

CONTAINER=
cleanup() {
    local rc=$?
    if [[ -n $CONTAINER ]]; then
        podman rm --force --time 0 -- "$CONTAINER" >/dev/null 2>&1 ||
            printf '[bare-check] could not remove container %s\n' "$CONTAINER" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v podman >/dev/null || fail "podman not found (make bootstrap installs it)"
# The image (idempotent: about a second when it is there).
bash "$REPO_ROOT/tests/molecule/setup.sh" debian12 >"$BUILD/bare-check.setup.log" 2>&1 ||
    { tail -n 30 "$BUILD/bare-check.setup.log" >&2; fail "tests/molecule/setup.sh debian12"; }
podman image exists "$IMAGE" || fail "no image $IMAGE after tests/molecule/setup.sh debian12"

mkdir -p "$CACHE/apt-archives/partial" "$CACHE/pip"
envs=()
for var in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL \
    PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_CERT PIP_DEFAULT_TIMEOUT SSL_CERT_FILE \
    SSL_CERT_DIR REQUESTS_CA_BUNDLE; do
    [[ -n ${!var:-} ]] && envs+=(--env "$var")
done
# The host's /etc/pip.conf (a mirror, a CA) applies to this machine's pip, so to the copy's too.
mounts=(--volume "$CACHE/apt-archives:/var/cache/apt/archives" --volume "$CACHE/pip:/root/.cache/pip")
[[ -r /etc/pip.conf ]] && mounts+=(--volume /etc/pip.conf:/etc/pip.conf:ro)

CONTAINER=sr-bare-check-$$-$(date +%s)
say "container $CONTAINER from $IMAGE"
podman run --detach --name "$CONTAINER" --network host --pull never "${envs[@]}" "${mounts[@]}" \
    "$IMAGE" sleep infinity >/dev/null || fail "podman run $IMAGE"

tar -C "$REPO_ROOT" --exclude=./build --exclude=./.git --exclude=./tests/output \
    --exclude=__pycache__ -cf - . |
    podman exec -i "$CONTAINER" sh -c 'mkdir -p /src && tar -C /src -xf -' ||
    fail "copying the work tree into the container"
say "work tree copied to /src"

# The checks, inside. Their own output is prefixed by a phase line; failures say what is wrong.
rc=0
podman exec -i --workdir /src "$CONTAINER" bash -s <<'INSIDE' || rc=$?
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
t0=$SECONDS
say() { printf '[bare-check inside %4ds] %s\n' "$((SECONDS - t0))" "$*"; }
fail() { printf '[bare-check] FAILED: %s\n' "$*" >&2; exit 1; }
quiet() { # run quietly; show the output only when it fails
    local log
    log=$(mktemp)
    "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; fail "$*"; }
}

listed_commands() { # "COMMAND PACKAGE" for every command of tests/host-packages.txt
    sed 's/#.*//' tests/host-packages.txt | awk 'NF > 1 {for (i = 2; i <= NF; i++) print $i, $1}'
}

present=()
while read -r cmd pkg; do command -v "$cmd" >/dev/null && present+=("$cmd"); done < <(listed_commands)
say "before: listed commands already present in the bare image: ${present[*]:-none}"

say "apt-get install make (the one prerequisite)"
quiet apt-get update -q
quiet apt-get install -y -q --no-install-recommends make

say "make bootstrap"
make bootstrap || fail "make bootstrap"

missing=()
while read -r cmd pkg; do
    command -v "$cmd" >/dev/null || missing+=("$cmd (package $pkg)")
done < <(listed_commands)
((${#missing[@]} == 0)) || fail "after make bootstrap, not on PATH: ${missing[*]}"
say "all $(listed_commands | wc -l) commands of tests/host-packages.txt are on PATH"

[[ ! -e /usr/sbin/policy-rc.d ]] || fail "tests/bootstrap.sh left /usr/sbin/policy-rc.d behind"
started=$(ps -eo comm= | grep -E '^(postgres|docker-registry)$' | sort -u | tr '\n' ' ' || true)
[[ -z $started ]] || fail "services started from package scripts: $started"

t=$EPOCHREALTIME
make -s bootstrap || fail "make bootstrap (second run)"
ms=$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN {printf "%d", (b - a) * 1000}')
((ms < 1000)) || fail "a second make bootstrap took $ms ms (want well under a second)"
say "second make bootstrap: nothing to do, $ms ms"

say "make collection"
make collection || fail "make collection"
ls /tmp/signed.registry-*/collections/ansible_collections/signed/registry/galaxy.yml >/dev/null 2>&1 ||
    fail "make collection left no collection under /tmp/signed.registry-*/collections"
say "make venv"
make venv || fail "make venv"
build/venv/bin/ansible-galaxy --version >/dev/null 2>&1 || fail "build/venv/bin/ansible-galaxy does not run"
say "passed"
INSIDE
((rc == 0)) || fail "inside the container (exit $rc): see above"
say "passed: make bootstrap, collection and venv work on a bare Debian 12 machine ($((SECONDS - start)) s)"
