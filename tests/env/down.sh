#!/usr/bin/env bash
# Stop what tests/env/up.sh started: each recorded process group (TERM, up to 10 s, then KILL)
# and the private PostgreSQL cluster (pg_ctl stop, through its postmaster.pid). Nothing is ever
# looked up or killed by name.
#
#   down.sh           stop; keep data, keys and the Pulp venv (next up.sh is quick)
#   down.sh --purge   also delete the state dir ($SR_ENV_DIR, default build/env); the venv stays
set -Eeuo pipefail
SR_ENV_SCRIPT=down
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=
case ${1:-} in
    --purge) purge=1 ;;
    "") ;;
    *) die "usage: $0 [--purge]" ;;
esac

take_lock
if [[ -d $STATE_DIR ]]; then
    stop_services
    say "Pulp and registry processes stopped"
    pg_stop
    say "PostgreSQL stopped"
    stop_signing_agent
    rm -f "$STATE_DIR/env.json" "$STATE_DIR/integration_config.yml"
fi

if [[ -n $purge && -e $STATE_DIR ]]; then
    # Only ever delete a directory up.sh created.
    [[ -e $STATE_MARKER ]] || die "$STATE_DIR has no $(basename "$STATE_MARKER") marker; not deleting it"
    if [[ -L $STATE_DIR/pg ]]; then
        rm -rf -- "$(readlink -f "$STATE_DIR/pg")"
    fi
    rm -rf -- "$STATE_DIR"
    rm -f "$STATE_DIR.lock"
    say "deleted $STATE_DIR"
fi
