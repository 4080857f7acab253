# shellcheck shell=bash
# Shared by up.sh, down.sh and reset.sh (sourced, never run on its own).
#
# Rules this file enforces for every script:
# - all state lives under STATE_DIR, so --purge is a single rm of a directory we created;
# - a process is only ever signalled through the PID/process group we recorded when we started
#   it, after checking that the PID still belongs to that process (its start time), so a reused
#   PID can never make us kill somebody else's process.

# shellcheck disable=SC2034 # the settings below are used by the scripts that source this file
ENV_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$ENV_HERE/../.." && pwd)
STATE_DIR=$(realpath -m "${SR_ENV_DIR:-$REPO_ROOT/build/env}")
PULP_VENV=$(realpath -m "${SR_PULP_VENV:-$REPO_ROOT/build/pulp-venv}")
PULP_REQUIREMENTS=$ENV_HERE/pulp-requirements.txt

PID_DIR=$STATE_DIR/pids
LOG_DIR=$STATE_DIR/logs
RUN_DIR=$STATE_DIR/run
# Marker that says "this directory was made by up.sh": --purge refuses to delete anything else.
STATE_MARKER=$STATE_DIR/.sr-test-env
# Pulp's container signing service: its GPG home (the worker's GNUPGHOME), key and name.
SIGNING_DIR=$STATE_DIR/signing
SIGNING_HOME=$SIGNING_DIR/gnupg
SIGNING_SERVICE=sr-container-signing
SIGNING_SCRIPT=$REPO_ROOT/roles/pulp_registry/files/container-sign.sh

# SR_ENV_PORT_OFFSET shifts every port, so that a second environment (another checkout, a
# chroot) can run beside the default one. Tests read the URLs from env.json either way.
PORT_OFFSET=${SR_ENV_PORT_OFFSET:-0}
PG_PORT=$((55432 + PORT_OFFSET))
CONTENT_PORT=$((24816 + PORT_OFFSET))
API_HTTP_PORT=$((24817 + PORT_OFFSET))
API_TLS_PORT=$((24818 + PORT_OFFSET))
API_TOKEN_PORT=$((24819 + PORT_OFFSET))
REGISTRY_PORT=$((5000 + PORT_OFFSET))

# Processes started with setsid; stopped in reverse order.
SERVICES=(registry content worker api-http api-tls api-token)

_T0=${EPOCHREALTIME/,/.}

say() { # progress line with seconds since the script started
    local now=${EPOCHREALTIME/,/.}
    printf '[%s %6.1fs] %s\n' "${SR_ENV_SCRIPT:-env}" "$(awk -v a="$_T0" -v b="$now" 'BEGIN {print b - a}')" "$*"
}

die() {
    printf '[%s] ERROR: %s\n' "${SR_ENV_SCRIPT:-env}" "$*" >&2
    exit 1
}

show_log() { # show_log FILE [LINES]: the tail of a log, for failure reports
    local f=$1 n=${2:-40}
    [[ -s $f ]] || return 0
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2
    printf -- '----- end of %s -----\n' "$f" >&2
}

# Serialise up/down/reset of one state dir. The lock file sits beside STATE_DIR so that
# --purge can delete the whole directory while holding it.
take_lock() {
    mkdir -p "$(dirname "$STATE_DIR")"
    exec 9>"$STATE_DIR.lock"
    flock -w 600 9 || die "another up/down is still running on $STATE_DIR (lock $STATE_DIR.lock)"
}

# --- processes -------------------------------------------------------------------------------

proc_starttime() { # field 22 of /proc/PID/stat (clock ticks since boot); fails if PID is gone
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # the command name may contain spaces and parentheses
    # shellcheck disable=SC2086
    set -- $stat
    echo "${20}"
}

recorded_pid() { # recorded_pid NAME: print the recorded PID (= PGID) if the file exists
    local f=$PID_DIR/$1.pid
    [[ -s $f ]] || return 1
    local pid
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    echo "$pid"
}

service_alive() { # true if NAME's recorded PID is alive and is still the process we started
    local pid want got
    pid=$(recorded_pid "$1") || return 1
    want=$(cat "$PID_DIR/$1.start" 2>/dev/null) || return 1
    got=$(proc_starttime "$pid") || return 1
    [[ $want == "$got" ]] || return 1
    # A zombie (exited, parent has not reaped it yet) is not alive.
    [[ $(ps -o stat= -p "$pid" 2>/dev/null) != Z* ]]
}

group_has_live_members() { # any non-zombie process in process group $1
    ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {found = 1} END {exit !found}'
}

# Group of the process we started is still (partly) around: either the leader itself, or - when
# the leader died first - orphaned members. The kernel does not hand out a PID while a process
# group of that number exists, so a live group with a dead leader can only be ours.
group_alive() {
    local pid
    pid=$(recorded_pid "$1") || return 1
    if service_alive "$1"; then return 0; fi
    # The leader's PID now belongs to an unrelated process (start time differs): not our group.
    if [[ -d /proc/$pid && $(ps -o stat= -p "$pid" 2>/dev/null) != Z* ]]; then return 1; fi
    group_has_live_members "$pid"
}

stop_services() { # TERM every recorded group, wait up to 10 s for all of them, then KILL
    local name pid pending=() deadline
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
        name=${SERVICES[i]}
        pid=$(recorded_pid "$name") || { rm -f "$PID_DIR/$name".{pid,start}; continue; }
        if group_alive "$name"; then
            kill -TERM -- "-$pid" 2>/dev/null || true
            pending+=("$name")
        else
            rm -f "$PID_DIR/$name".{pid,start}
        fi
    done
    deadline=$((SECONDS + 10))
    while ((${#pending[@]})) && ((SECONDS < deadline)); do
        local still=()
        for name in "${pending[@]}"; do
            if group_alive "$name"; then still+=("$name"); else rm -f "$PID_DIR/$name".{pid,start}; fi
        done
        pending=("${still[@]}")
        ((${#pending[@]})) && sleep 0.1
    done
    for name in "${pending[@]}"; do
        say "$name did not stop after TERM within 10 s: KILL"
        if pid=$(recorded_pid "$name"); then kill -KILL -- "-$pid" 2>/dev/null || true; fi
        rm -f "$PID_DIR/$name".{pid,start}
    done
}

# --- PostgreSQL ------------------------------------------------------------------------------

pg_bindir() {
    local v
    v=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
    [[ -n $v && -x /usr/lib/postgresql/$v/bin/pg_ctl ]] || return 1
    echo "/usr/lib/postgresql/$v/bin"
}

# The cluster's directory. It is STATE_DIR/pg, unless the postgres user could not reach that
# (e.g. the repo lives under a 0700 home directory): then STATE_DIR/pg is a symlink to a
# directory in /var/tmp, and everything must use the resolved path, because postgres itself
# cannot walk through STATE_DIR.
pg_dir() { readlink -f "$STATE_DIR/pg"; }

as_pg() { # run a command as the cluster owner (initdb refuses to run as root)
    if ((EUID == 0)); then
        (cd "$(pg_dir)" && runuser -u postgres -- "$@")
    else
        (cd "$(pg_dir)" && "$@")
    fi
}

pg_running() {
    local bin
    bin=$(pg_bindir) || return 1
    [[ -s $(pg_dir)/data/PG_VERSION ]] || return 1
    as_pg "$bin/pg_ctl" -D "$(pg_dir)/data" status >/dev/null 2>&1
}

pg_stop() {
    local bin
    bin=$(pg_bindir) || return 0
    [[ -e $STATE_DIR/pg && -s $(pg_dir)/data/PG_VERSION ]] || return 0
    if pg_running; then
        as_pg "$bin/pg_ctl" -D "$(pg_dir)/data" stop -m fast -w -t 30 >/dev/null
    fi
}

pg_postmaster_pid() { head -n 1 "$(pg_dir)/data/postmaster.pid" 2>/dev/null; }

# --- misc ------------------------------------------------------------------------------------

port_busy() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# Memory actually attributable to our processes: PSS (shared pages split between sharers), so
# the gunicorn masters and their forked workers are not counted twice as RSS would.
pss_kb_of_group() { # pss_kb_of_group PGID
    local total=0 pid kb
    for pid in $(ps -eo pid=,pgid= | awk -v g="$1" '$2 == g {print $1}'); do
        kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null) || kb=0
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

stop_signing_agent() { # the gpg-agent that signing started in the signing home, if any
    [[ -d $SIGNING_HOME ]] || return 0
    GNUPGHOME=$SIGNING_HOME gpgconf --kill gpg-agent 2>/dev/null || true
}
