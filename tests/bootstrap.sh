#!/usr/bin/env bash
# Install the Debian packages of tests/host-packages.txt that are missing (`make bootstrap`; every
# entry target of the Makefile depends on it, so whichever command runs first installs them).
#
#   bash tests/bootstrap.sh      # ~0.05 s when nothing is missing; apt-get otherwise
#
# Run as root, or as a user with passwordless sudo. Prints what it installs; apt's output goes to
# build/bootstrap-apt.log (shown when apt fails).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/.." && pwd)
LIST=$HERE/host-packages.txt
LOG=$REPO_ROOT/build/bootstrap-apt.log
# One install at a time on this machine, whichever checkout it comes from (apt has its own lock,
# the policy-rc.d below does not).
LOCK=${TMPDIR:-/tmp}/signed.registry-bootstrap.lock

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

packages() { # the first column of the list
    local line
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%%#*}
        read -r line _ <<<"$line" || true
        [[ -n $line ]] && printf '%s\n' "$line"
    done <"$LIST"
}

missing() { # the packages of the list that dpkg does not have installed (one dpkg-query call)
    local -A ok=()
    local pkg status
    while read -r pkg status; do
        [[ $status == installed ]] && ok[$pkg]=1
    done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
    for pkg in "${PACKAGES[@]}"; do
        [[ -n ${ok[$pkg]:-} ]] || printf '%s\n' "$pkg"
    done
}

command -v dpkg-query >/dev/null || die "dpkg-query not found: this script expects Debian 12"
mapfile -t PACKAGES < <(packages)
((${#PACKAGES[@]})) || die "no packages in $LIST"
mapfile -t MISSING < <(missing)
((${#MISSING[@]})) || exit 0

SUDO=()
((EUID == 0)) || SUDO=(sudo -n)
exec 9>"$LOCK"
flock -w 900 9 || die "another bootstrap is still running (lock $LOCK)"
mapfile -t MISSING < <(missing) # somebody may have installed them while we waited
((${#MISSING[@]})) || exit 0

start=$SECONDS
say "apt-get install ${MISSING[*]} (log: $LOG)"
mkdir -p "$(dirname "$LOG")"
: >"$LOG"
# Without systemd, package scripts start services through /etc/init.d: the system PostgreSQL
# cluster on :5432 and a docker-registry on :5000, which would take the test environment's port.
# No service may start from a package script here: a policy-rc.d that answers 101 ("not
# allowed") is Debian's switch to prevent that; only add one for the install if the machine has
# none.
policy=/usr/sbin/policy-rc.d added_policy=
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, from tests/bootstrap.sh\nexit 101\n' |
        "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    added_policy=1
fi
rc=0
{
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o DPkg::Lock::Timeout=600 --no-install-recommends "${MISSING[@]}"
} >>"$LOG" 2>&1 </dev/null || rc=$?
[[ -z $added_policy ]] || "${SUDO[@]}" rm -f "$policy"
if ((rc != 0)); then
    tail -n 30 "$LOG" >&2
    die "apt-get install ${MISSING[*]} failed (exit $rc; log: $LOG)"
fi
mapfile -t MISSING < <(missing)
((${#MISSING[@]} == 0)) || die "still not installed after apt-get: ${MISSING[*]} (log: $LOG)"
say "installed in $((SECONDS - start)) s"
