#!/usr/bin/env bash
# Bring up the integration test environment on 127.0.0.1 (see tests/env/README.md):
#   PostgreSQL (own cluster, :55432) - Pulp content app (:24816), worker, and three API processes
#   (:24817 HTTP + Basic auth, :24818 TLS + Basic auth, :24819 TLS + token auth) - an upstream
#   docker-registry (:5000) seeded with small signed and unsigned images.
# Writes $SR_ENV_DIR/env.json and integration_config.yml. Stop with tests/env/down.sh.
#
# Unattended: no prompts, no systemd, safe to re-run (returns in about a second when already up).
set -Eeuo pipefail
SR_ENV_SCRIPT=up
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Python for the Pulp venv: Debian's own 3.11 (pulpcore needs >= 3.11), not whatever pyenv or
# a CI image puts first on PATH, so the server is the same everywhere.
PULP_PYTHON=${SR_PULP_PYTHON:-/usr/bin/python3}
SEED_PYTHON=${SR_PYTHON:-python3}

PG_HOST=127.0.0.1
PULP_URL=http://127.0.0.1:$API_HTTP_PORT
PULP_TLS_URL=https://127.0.0.1:$API_TLS_PORT
PULP_TOKEN_URL=https://127.0.0.1:$API_TOKEN_PORT
CONTENT_ORIGIN=http://127.0.0.1:$CONTENT_PORT
UPSTREAM_URL=http://127.0.0.1:$REGISTRY_PORT

CURL=(curl --silent --show-error --noproxy '*' --max-time 10)

# Helper jobs (pip, seeding) must not outlive a failed run. The services are children too, but
# they are meant to outlive us, so only these PIDs are listed here.
HELPER_JOBS=()
stop_helpers() {
    local pid running
    running=" $(jobs -r -p | tr '\n' ' ') " # only jobs not yet reaped: their PIDs are still ours
    for pid in "${HELPER_JOBS[@]}"; do
        [[ $running == *" $pid "* ]] || continue
        # shellcheck disable=SC2046 # the job's subshell and the command it waits for (pip)
        kill -TERM $(ps -o pid= --ppid "$pid") "$pid" 2>/dev/null || true
    done
}
trap 'rc=$?; ((rc == 0)) || stop_helpers' EXIT

CURRENT_LOG=
on_error() {
    local rc=$? line=$1
    trap - ERR
    printf '[up] FAILED (exit %s, line %s)\n' "$rc" "$line" >&2
    [[ -n $CURRENT_LOG ]] && show_log "$CURRENT_LOG"
    exit "$rc"
}
trap 'on_error $LINENO' ERR

fail_with_log() { # fail_with_log LOG MESSAGE...
    local log=$1
    shift
    trap - ERR
    printf '[up] FAILED: %s\n' "$*" >&2
    show_log "$log"
    printf '[up] logs: %s; stop what did start with tests/env/down.sh\n' "$LOG_DIR" >&2
    exit 1
}

# --- 1. system packages ----------------------------------------------------------------------

# tests/host-packages.txt lists them (PostgreSQL, docker-registry, skopeo and gnupg for the signing
# service, openssl, curl, procps, python3-venv); tests/bootstrap.sh installs what is missing.
# (It shows apt's log itself when apt fails.)
ensure_packages() { bash "$REPO_ROOT/tests/bootstrap.sh"; }

# --- 2. PostgreSQL ---------------------------------------------------------------------------

prepare_pg_dir() {
    [[ -e $STATE_DIR/pg ]] && return 0
    mkdir -p "$STATE_DIR/pg"
    ((EUID == 0)) || return 0
    chown postgres:postgres "$STATE_DIR/pg"
    if ! runuser -u postgres -- test -w "$STATE_DIR/pg"; then
        # postgres cannot walk down to the state dir: keep the cluster in /var/tmp instead.
        local alt
        alt=/var/tmp/sr-test-env-pg-$(printf '%s' "$STATE_DIR" | sha256sum | cut -c1-12)
        rmdir "$STATE_DIR/pg"
        mkdir -p "$alt"
        chown postgres:postgres "$alt"
        ln -s "$alt" "$STATE_DIR/pg"
    fi
}

ensure_postgres() {
    local bin dir sock
    bin=$(pg_bindir) || die "PostgreSQL binaries not found under /usr/lib/postgresql"
    prepare_pg_dir
    dir=$(pg_dir)
    sock=$dir/run
    # A unix socket path must fit in 107 bytes.
    ((${#sock} + 20 < 107)) || die "socket dir path too long for PostgreSQL: $sock (set SR_ENV_DIR)"
    CURRENT_LOG=$dir/initdb.log
    if [[ ! -s $dir/data/PG_VERSION ]]; then
        say "initdb $dir/data"
        rm -rf "$dir/data"
        as_pg "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --no-locale \
            --auth-local=trust --auth-host=scram-sha-256 >"$CURRENT_LOG" 2>&1
    fi
    as_pg mkdir -p "$sock"
    # Rewritten on every start so a change here reaches existing clusters. fsync & co. are off:
    # this database is disposable and Pulp's migrations run several times faster without them.
    as_pg tee "$dir/data/sr-test-env.conf" >/dev/null <<EOF
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    grep -q "^include_if_exists = 'sr-test-env.conf'" "$dir/data/postgresql.conf" ||
        echo "include_if_exists = 'sr-test-env.conf'" | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
    ln -sfn "$dir/postgres.log" "$LOG_DIR/postgres.log"
    if ! pg_running; then
        port_busy "$PG_PORT" && die "port $PG_PORT is already in use by another process"
        CURRENT_LOG=$dir/postgres.log
        # pg_ctl detaches the postmaster itself (own session); down.sh stops it through
        # postmaster.pid with pg_ctl stop. fd 9 (our lock) must not leak into it.
        as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null 9>&- ||
            fail_with_log "$dir/postgres.log" "PostgreSQL did not start"
    fi
    local psql=("$bin/psql" -h "$sock" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
    local pw
    pw=$(<"$STATE_DIR/secrets/db_password")
    if [[ -z $(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'pulp'") ]]; then
        as_pg "${psql[@]}" -c "CREATE ROLE pulp LOGIN PASSWORD '$pw'" >/dev/null
    else
        as_pg "${psql[@]}" -c "ALTER ROLE pulp PASSWORD '$pw'" >/dev/null
    fi
    if [[ -z $(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'pulp'") ]]; then
        as_pg "${psql[@]}" -c "CREATE DATABASE pulp OWNER pulp" >/dev/null
    fi
    CURRENT_LOG=
}

# --- 3. Pulp venv ----------------------------------------------------------------------------

requirements_hash() { sha256sum "$PULP_REQUIREMENTS" | cut -c1-64; }

venv_ok() {
    [[ -x $PULP_VENV/bin/pulpcore-manager &&
        $(cat "$PULP_VENV/.sr-requirements.sha256" 2>/dev/null) == "$(requirements_hash)" ]]
}

ensure_venv() { # runs in the background; output goes to logs/pip.log
    venv_ok && return 0
    if [[ -e $PULP_VENV && ! -e $PULP_VENV/pyvenv.cfg ]]; then
        echo "$PULP_VENV exists and is not a venv; refusing to replace it"
        return 1
    fi
    "$PULP_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        { echo "$PULP_PYTHON is older than 3.11 (pulpcore needs >= 3.11)"; return 1; }
    rm -rf "$PULP_VENV"
    "$PULP_PYTHON" -m venv "$PULP_VENV"
    # The requirements file is a complete lock: a machine-wide pip constraint file must not
    # bend it (PIP_CONSTRAINT= empties pip's global.constraint setting).
    PIP_CONSTRAINT='' "$PULP_VENV/bin/pip" install --no-input --disable-pip-version-check \
        -r "$PULP_REQUIREMENTS"
    requirements_hash >"$PULP_VENV/.sr-requirements.sha256"
}

# --- 4. secrets, keys, certificates ----------------------------------------------------------

secret_file() { # secret_file PATH COMMAND...: create PATH (0600) from COMMAND's output once
    local path=$1
    shift
    [[ -s $path ]] && return 0
    (umask 077 && "$@" >"$path.tmp" && mv "$path.tmp" "$path")
}

ensure_secrets() {
    local s=$STATE_DIR/secrets
    mkdir -p "$s"
    chmod 700 "$s"
    secret_file "$s/admin_password" openssl rand -hex 16
    secret_file "$s/db_password" openssl rand -hex 16
    secret_file "$s/secret_key" openssl rand -hex 32
    # A Fernet key is 32 random bytes in urlsafe base64 (44 characters with padding).
    secret_file "$s/database_fields.symmetric.key" \
        sh -c "openssl rand -base64 32 | tr '+/' '-_'"
    # ES256 key pair with which the token server signs registry tokens.
    secret_file "$s/token_private.pem" \
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256
    [[ -s $s/token_public.pem ]] || openssl pkey -in "$s/token_private.pem" -pubout -out "$s/token_public.pem"
}

ensure_tls() {
    local d=$STATE_DIR
    [[ -s $d/ca.pem && -s $d/server.pem && -s $d/server.key ]] && return 0
    (
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -subj "/CN=sr test env CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
        # Go clients (skopeo, cosign) ignore the CN: the names must be in the SAN.
        printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
            "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" >"$d/server.ext"
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
            -CAcreateserial -days 3650 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
        rm -f "$d/server.csr" "$d/server.ext" "$d/ca.srl"
        chmod 644 "$d/ca.pem" "$d/server.pem"
    )
}

write_settings() {
    local s=$STATE_DIR/secrets p=$STATE_DIR/pulp
    mkdir -p "$p/media" "$p/static" "$p/tmp" "$p/upload-tmp"
    (
        umask 077
        cat >"$p/settings.py.tmp" <<EOF
# Generated by tests/env/up.sh on every start; edits are lost.
SECRET_KEY = "$(<"$s/secret_key")"
DB_ENCRYPTION_KEY = "$s/database_fields.symmetric.key"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "pulp",
        "USER": "pulp",
        "PASSWORD": "$(<"$s/db_password")",
        "HOST": "$PG_HOST",
        "PORT": $PG_PORT,
    }
}
MEDIA_ROOT = "$p/media"
STATIC_ROOT = "$p/static"
WORKING_DIRECTORY = "$p/tmp"
FILE_UPLOAD_TEMP_DIR = "$p/upload-tmp"
STORAGES = {
    "default": {
        "BACKEND": "pulpcore.app.models.storage.FileSystem",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CONTENT_ORIGIN = "$CONTENT_ORIGIN"
ALLOWED_HOSTS = ["*"]
ANALYTICS = False
# Token auth is on by default; the processes on :$API_HTTP_PORT and :$API_TLS_PORT turn it off
# with PULP_TOKEN_AUTH_DISABLED=true in their environment.
TOKEN_SERVER = "$PULP_TOKEN_URL/token/"
TOKEN_SIGNATURE_ALGORITHM = "ES256"
PUBLIC_KEY_PATH = "$s/token_public.pem"
PRIVATE_KEY_PATH = "$s/token_private.pem"
EOF
        mv "$p/settings.py.tmp" "$p/settings.py"
    )
}

# --- signing service --------------------------------------------------------------------------

ensure_signing_key() { # a passphrase-less GPG key for Pulp's signing service, made once
    [[ -s $SIGNING_DIR/fingerprint && -s $SIGNING_DIR/public.asc ]] && return 0
    mkdir -p "$SIGNING_HOME"
    chmod 700 "$SIGNING_DIR" "$SIGNING_HOME"
    GNUPGHOME=$SIGNING_HOME gpg --batch --quiet --passphrase '' --quick-gen-key \
        "sr test signing service <signing@example.com>" ed25519 sign 10y 2>>"$LOG_DIR/signing.log"
    local fpr
    fpr=$(GNUPGHOME=$SIGNING_HOME gpg --batch --with-colons --list-secret-keys signing@example.com 2>>"$LOG_DIR/signing.log" |
        awk -F: '/^fpr/ {print $10; exit}')
    [[ -n $fpr ]] || fail_with_log "$LOG_DIR/signing.log" "creating the signing service's GPG key"
    GNUPGHOME=$SIGNING_HOME gpg --batch --armor --export "$fpr" >"$SIGNING_DIR/public.asc"
    printf '%s\n' "$fpr" >"$SIGNING_DIR/fingerprint"
}

ensure_signing_service() { # registered once; the database outlives restarts
    local names
    names=$(manage list-signing-services 2>>"$LOG_DIR/signing.log") ||
        fail_with_log "$LOG_DIR/signing.log" "pulpcore-manager list-signing-services"
    grep -qxF "$SIGNING_SERVICE" <<<"$names" && return 0
    # Pulp checks the service by signing a test manifest and verifying the signature.
    manage add-signing-service "$SIGNING_SERVICE" "$SIGNING_SCRIPT" "$(<"$SIGNING_DIR/fingerprint")" \
        --class container:ManifestSigningService >>"$LOG_DIR/signing.log" 2>&1 ||
        fail_with_log "$LOG_DIR/signing.log" "pulpcore-manager add-signing-service $SIGNING_SERVICE"
}

# --- 5. processes ----------------------------------------------------------------------------

# Environment of every Pulp process: built from scratch, because dynaconf turns every PULP_*
# variable of the caller into a setting (a stray PULP_TOKEN_AUTH_DISABLED would silently change
# the token-auth process), and proxies must not apply to 127.0.0.1.
pulp_env() {
    local e=(PATH="$PULP_VENV/bin:/usr/local/bin:/usr/bin:/bin" HOME="$STATE_DIR/pulp"
        LANG=C.UTF-8 PULP_SETTINGS="$STATE_DIR/pulp/settings.py" PYTHONUNBUFFERED=1
        GNUPGHOME="$SIGNING_HOME")
    local v
    for v in SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE TZ; do
        [[ -n ${!v:-} ]] && e+=("$v=${!v}")
    done
    printf '%s\0' "${e[@]}"
}

manage() { # pulpcore-manager with the Pulp environment
    local e
    mapfile -d '' e < <(pulp_env)
    (cd "$STATE_DIR/pulp" && env -i "${e[@]}" "$PULP_VENV/bin/pulpcore-manager" "$@")
}

# launch NAME ENV... -- COMMAND...: start COMMAND in its own session (so its PID is also its
# process group, which down.sh signals as a whole) and record PID + start time.
launch() {
    local name=$1
    shift
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    local pidf=$PID_DIR/$name.pid log=$LOG_DIR/$name.log
    rm -f "$pidf" "$PID_DIR/$name.start"
    printf '\n===== %s: starting %s\n' "$(date -Is)" "$*" >>"$log"
    # The child writes its own PID before exec'ing, so the file holds the session leader even
    # if setsid had to fork. It also closes every inherited descriptor above 2: a CI runner
    # waits for all holders of its pipes to exit, and our lock (fd 9) must not outlive us.
    # Every step execs, so no intermediate shell lingers as the parent.
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
    (
        cd "$STATE_DIR/pulp"
        exec env -i "${envs[@]}" setsid bash -c '
            pidf=$1; shift
            for fd in /proc/$$/fd/*; do
                fd=${fd##*/}
                if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
            done
            echo $$ >"$pidf.tmp" && mv "$pidf.tmp" "$pidf"
            exec "$@"' launch "$pidf" "$@" </dev/null >>"$log" 2>&1 9>&-
    ) &
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -s $pidf ]] && break
        sleep 0.02
    done
    [[ -s $pidf ]] || fail_with_log "$log" "$name did not start"
    proc_starttime "$(<"$pidf")" >"$PID_DIR/$name.start" || fail_with_log "$log" "$name exited at once"
}

start_registry() {
    local d=$STATE_DIR/registry
    mkdir -p "$d/data"
    cat >"$d/config.yml" <<EOF
# Generated by tests/env/up.sh.
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $d/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
EOF
    port_busy "$REGISTRY_PORT" && die "port $REGISTRY_PORT is already in use by another process"
    launch registry PATH=/usr/bin:/bin HOME="$d" -- /usr/bin/docker-registry serve "$d/config.yml"
}

start_pulp() {
    local e p
    for p in $CONTENT_PORT $API_HTTP_PORT $API_TLS_PORT $API_TOKEN_PORT; do
        port_busy "$p" && die "port $p is already in use by another process"
    done
    mapfile -d '' e < <(pulp_env)
    local tls="GUNICORN_CMD_ARGS=--certfile=$STATE_DIR/server.pem --keyfile=$STATE_DIR/server.key"
    mkdir -p "$RUN_DIR"
    rm -f "$RUN_DIR"/*.ctl
    # Every gunicorn gets its own control socket: by default they would share one path and
    # take it from each other.
    launch content "${e[@]}" -- pulpcore-content -b "127.0.0.1:$CONTENT_PORT" -w 1 \
        --control-socket "$RUN_DIR/content.ctl"
    launch worker "${e[@]}" -- pulpcore-worker
    launch api-http "${e[@]}" PULP_TOKEN_AUTH_DISABLED=true -- \
        pulpcore-api -b "127.0.0.1:$API_HTTP_PORT" -w 1 --control-socket "$RUN_DIR/api-http.ctl"
    launch api-tls "${e[@]}" PULP_TOKEN_AUTH_DISABLED=true "$tls" -- \
        pulpcore-api -b "127.0.0.1:$API_TLS_PORT" -w 1 --control-socket "$RUN_DIR/api-tls.ctl"
    launch api-token "${e[@]}" "$tls" -- \
        pulpcore-api -b "127.0.0.1:$API_TOKEN_PORT" -w 1 --control-socket "$RUN_DIR/api-token.ctl"
}

all_alive_or_fail() { # every service started so far is still running
    local name
    for name in "${SERVICES[@]}"; do
        [[ -e $PID_DIR/$name.pid ]] || continue
        service_alive "$name" || fail_with_log "$LOG_DIR/$name.log" "$name exited"
    done
}

# Succeeds once the status lists OUR worker and content app as online. Records of processes
# from before a restart stay "online" until their heartbeat times out, so match the names
# ("<pid>@<host>") against the PIDs we started.
status_ready() {
    local body worker content
    worker=$(recorded_pid worker) || return 1
    content=$(recorded_pid content) || return 1
    body=$("${CURL[@]}" --max-time 2 "$PULP_URL/pulp/api/v3/status/" 2>/dev/null) || return 1
    "$PULP_VENV/bin/python" -c '
import json, sys
status, worker, content_pids = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3].split()
def pids(key):
    return {app["name"].split("@")[0] for app in status.get(key) or []}
sys.exit(not (worker in pids("online_workers") and pids("online_content_apps") & set(content_pids)))
' "$body" "$worker" "$(ps -eo pid=,pgid= | awk -v g="$content" '$2 == g {print $1}')" 2>/dev/null
}

wait_until() { # wait_until TIMEOUT DESCRIPTION COMMAND...
    local timeout=$1 what=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        all_alive_or_fail
        if ((SECONDS >= deadline)); then
            local name
            for name in "${SERVICES[@]}"; do show_log "$LOG_DIR/$name.log" 15; done
            die "timed out after ${timeout}s waiting for $what"
        fi
        sleep 0.25
    done
}

http_code() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || true; }

answers() { [[ $(http_code --cacert "$STATE_DIR/ca.pem" "$1") == 200 ]]; } # answers URL

# Proves each API process got the auth mode meant for it (the per-process env override).
check_registry_auth() {
    local user=admin pw code hdr token ca=$STATE_DIR/ca.pem
    pw=$(<"$STATE_DIR/secrets/admin_password")
    code=$(http_code -u "$user:$pw" "$PULP_URL/v2/")
    [[ $code == 200 ]] || die "GET $PULP_URL/v2/ with Basic auth: HTTP $code (want 200)"
    code=$(http_code --cacert "$ca" -u "$user:$pw" "$PULP_TLS_URL/v2/")
    [[ $code == 200 ]] || die "GET $PULP_TLS_URL/v2/ with Basic auth: HTTP $code (want 200)"
    hdr=$("${CURL[@]}" --cacert "$ca" -o /dev/null -D - "$PULP_TOKEN_URL/v2/" | tr -d '\r')
    grep -q '^HTTP/[0-9.]* 401' <<<"$hdr" ||
        die "GET $PULP_TOKEN_URL/v2/ without auth: want 401, got: $(head -n 1 <<<"$hdr")"
    grep -qi "^www-authenticate: Bearer realm=\"$PULP_TOKEN_URL/token/\"" <<<"$hdr" ||
        die "GET $PULP_TOKEN_URL/v2/: no Bearer challenge for $PULP_TOKEN_URL/token/"
    token=$("${CURL[@]}" --cacert "$ca" -u "$user:$pw" \
        "$PULP_TOKEN_URL/token/?service=127.0.0.1:$API_TOKEN_PORT" |
        "$PULP_VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])')
    code=$(http_code --cacert "$ca" -H "Authorization: Bearer $token" "$PULP_TOKEN_URL/v2/")
    [[ $code == 200 ]] || die "GET $PULP_TOKEN_URL/v2/ with a bearer token: HTTP $code (want 200)"
}

pick_seed_python() {
    if "$SEED_PYTHON" -c 'import requests, cryptography' 2>/dev/null; then
        echo "$SEED_PYTHON"
    else
        # A fresh machine's python3 lacks requests; the Pulp venv has both.
        echo "$PULP_VENV/bin/python"
    fi
}

write_env_files() {
    local pids=() name
    for name in "${SERVICES[@]}"; do pids+=(--pid "$name=$(recorded_pid "$name")"); done
    pids+=(--pid "postgres=$(pg_postmaster_pid)")
    local versions
    versions=$("$PULP_VENV/bin/python" -c '
import json
from importlib.metadata import version
print(json.dumps({"pulpcore": version("pulpcore"), "pulp_container": version("pulp-container")}))')
    "$PULP_VENV/bin/python" "$ENV_HERE/write_env.py" --state-dir "$STATE_DIR" \
        --seed-json "$STATE_DIR/seed-images.json" --pulp-url "$PULP_URL" \
        --pulp-tls-url "$PULP_TLS_URL" --pulp-token-url "$PULP_TOKEN_URL" \
        --content-origin "$CONTENT_ORIGIN" --upstream-url "$UPSTREAM_URL" \
        --postgres "$PG_HOST:$PG_PORT" --pulp-venv "$PULP_VENV" --versions "$versions" \
        --signing-service "$SIGNING_SERVICE" --signing-key "$SIGNING_DIR/public.asc" \
        --signing-fingerprint "$(<"$SIGNING_DIR/fingerprint")" "${pids[@]}"
}

report_memory() {
    local name pid kb total=0 parts=()
    for name in "${SERVICES[@]}"; do
        pid=$(recorded_pid "$name") || continue
        kb=$(pss_kb_of_group "$pid")
        total=$((total + kb))
        parts+=("$name $((kb / 1024))M")
    done
    if pid=$(pg_postmaster_pid); then
        kb=$(pss_kb_of_group "$pid")
        total=$((total + kb))
        parts+=("postgres $((kb / 1024))M")
    fi
    say "memory (PSS): $((total / 1024)) MB total: ${parts[*]}"
}

# Everything running and answering as recorded: then up.sh has nothing to do.
already_up() {
    [[ -s $STATE_DIR/env.json ]] || return 1
    # Started before the signing service existed: the worker lacks its GNUPGHOME.
    [[ -s $SIGNING_DIR/fingerprint ]] || return 1
    local name
    for name in "${SERVICES[@]}"; do service_alive "$name" || return 1; done
    pg_running || return 1
    venv_ok || return 1
    status_ready || return 1
    answers "$UPSTREAM_URL/v2/"
}

anything_recorded() {
    compgen -G "$PID_DIR/*.pid" >/dev/null || pg_running
}

main() {
    take_lock
    if already_up; then
        # Rewritten anyway: the variables the tests read may have grown since the env started.
        write_env_files
        say "already up ($PULP_URL, env: $STATE_DIR/env.json)"
        return 0
    fi
    mkdir -p "$STATE_DIR" "$PID_DIR" "$LOG_DIR" "$RUN_DIR"
    touch "$STATE_MARKER"
    if anything_recorded; then
        say "found a stale or partial environment: stopping it first"
        stop_services
        pg_stop
        rm -f "$STATE_DIR/env.json" "$STATE_DIR/integration_config.yml"
    fi

    ensure_packages
    say "packages present"

    # The venv install is the slowest step and needs nothing else: run it alongside the rest.
    local venv_job seed_job
    if venv_ok; then
        say "reusing Pulp venv $PULP_VENV"
        venv_job=
    else
        say "creating Pulp venv $PULP_VENV (pip install, in the background)"
        ensure_venv >"$LOG_DIR/pip.log" 2>&1 &
        venv_job=$!
        HELPER_JOBS+=("$venv_job")
    fi

    ensure_secrets
    ensure_tls
    write_settings
    ensure_postgres
    say "PostgreSQL up on $PG_HOST:$PG_PORT"

    start_registry
    wait_until 30 "docker-registry on :$REGISTRY_PORT" answers "$UPSTREAM_URL/v2/"
    say "upstream registry up on $UPSTREAM_URL"

    if [[ -n $venv_job ]]; then
        wait "$venv_job" || fail_with_log "$LOG_DIR/pip.log" "installing Pulp into $PULP_VENV"
        say "Pulp venv ready"
    fi

    # Seeding only talks to the registry: overlap it with the migrations.
    local seed_python
    seed_python=$(pick_seed_python)
    "$seed_python" "$ENV_HERE/seed.py" --registry "$UPSTREAM_URL" --state-dir "$STATE_DIR" \
        >"$STATE_DIR/seed-images.json.tmp" 2>"$LOG_DIR/seed.log" &
    seed_job=$!
    HELPER_JOBS+=("$seed_job")

    CURRENT_LOG=$LOG_DIR/migrate.log
    say "pulpcore-manager migrate"
    manage migrate --noinput >"$CURRENT_LOG" 2>&1
    manage reset-admin-password --password "$(<"$STATE_DIR/secrets/admin_password")" \
        >>"$CURRENT_LOG" 2>&1
    CURRENT_LOG=
    say "database migrated, admin password set"
    ensure_signing_key
    ensure_signing_service
    say "signing service $SIGNING_SERVICE registered (key $(<"$SIGNING_DIR/fingerprint"))"

    start_pulp
    say "started content, worker, api-http, api-tls, api-token"
    wait_until 120 "Pulp status (online worker and content app)" status_ready
    wait_until 60 "TLS API on :$API_TLS_PORT" answers "$PULP_TLS_URL/pulp/api/v3/status/"
    wait_until 60 "token API on :$API_TOKEN_PORT" answers "$PULP_TOKEN_URL/pulp/api/v3/status/"
    say "Pulp ready: worker and content app online"
    check_registry_auth
    say "registry auth checked: Basic on :$API_HTTP_PORT/:$API_TLS_PORT, Bearer on :$API_TOKEN_PORT"

    wait "$seed_job" || fail_with_log "$LOG_DIR/seed.log" "seeding $UPSTREAM_URL"
    mv "$STATE_DIR/seed-images.json.tmp" "$STATE_DIR/seed-images.json"
    say "upstream seeded ($(grep -c '"repo"' "$STATE_DIR/seed-images.json") images)"

    write_env_files
    report_memory
    say "up: $PULP_URL (admin / $STATE_DIR/secrets/admin_password), env: $STATE_DIR/env.json"
}

main "$@"
