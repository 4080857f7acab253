#!/usr/bin/env bash
# Install sigstore-capable container clients for the integration tests, without touching the
# system: cosign 2.5 and skopeo 1.18 from Debian 13 (trixie), on a Debian 12 (bookworm) host.
#
#   bash tests/env/clients.sh        # cold ~3.5 s (27 MB of .debs), ~0.05 s when already installed
#
# Result (SR_TOOLS_DIR, default <repo>/build/tools):
#   bin/cosign   -> trixie-root/usr/bin/cosign (needs only libc6 >= 2.34: runs on bookworm as is)
#   bin/skopeo   wrapper: trixie's skopeo through trixie's own ld-linux-x86-64.so.2 and libraries
#                (skopeo 1.18 needs glibc 2.38; bookworm has 2.36)
#   trixie-root/ the extracted trixie packages (see PACKAGES), .sr-clients records their versions
#   apt/         private apt configuration, lists and downloaded .debs
#
# Why: Debian 12's own skopeo 1.9 / podman 4.3 have sigstore compiled out, so they can neither
# verify nor sign cosign signatures.
#
# The packages are fetched with apt using a private configuration (trixie is never added to the
# system's apt sources), so apt checks them against trixie's signed Release file. Nothing runs as
# a package script: the .debs are only unpacked with dpkg-deb -x.
#
# skopeo needs no /etc/containers: always pass --policy FILE (without it, and without
# /etc/containers/policy.json, it fails with "Error loading trust policy: no policy.json file
# found ..."), and --registries.d DIR whose yaml says `use-sigstore-attachments: true` for the
# registry, or a sigstoreSigned policy finds no signature. Seen working against a plain-HTTP
# docker-registry on 127.0.0.1 (both clients send a TLS hello first, get an immediate HTTP 400
# from the Go server and fall back to HTTP: no stall there, unlike a gunicorn registry):
#   cosign verify --key K --insecure-ignore-tlog=true --allow-http-registry REF
#   cosign sign --key K --tlog-upload=false --allow-http-registry -y REF@DIGEST  (COSIGN_PASSWORD)
#   skopeo copy --policy P --registries.d D --src-tls-verify=false docker://REF dir:/tmp/x
#
# Variables: SR_TOOLS_DIR (install dir), SR_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# SR_CLIENTS_FORCE=1 (reinstall even if the installed versions are right).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
TOOLS_DIR=$(realpath -m "${SR_TOOLS_DIR:-$REPO_ROOT/build/tools}")
MIRROR=${SR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# Upstream versions we accept (glob on the Debian version). trixie is a stable release: point
# updates (+bN, +deb13uN) are fine, a new upstream minor version is not, until someone tests it.
COSIGN_WANT='2.5.*'
SKOPEO_WANT='1.18.*'
# skopeo's shared libraries, found with readelf -d (NEEDED) on skopeo and on each library:
#   skopeo -> libgpgme.so.11, libsqlite3.so.0, libc.so.6; libgpgme -> libassuan.so.9,
#   libgpg-error.so.0; libassuan -> libgpg-error.so.0; libsqlite3 -> libm.so.6 (libc6).
# install() checks with `ld.so --list` that every one of them resolves inside trixie-root.
PACKAGES=(cosign skopeo libc6 libgpgme11t64 libassuan9 libgpg-error0 libsqlite3-0)

ROOT=$TOOLS_DIR/trixie-root
BIN=$TOOLS_DIR/bin
APT_DIR=$TOOLS_DIR/apt
STAMP=$ROOT/.sr-clients
LOG=$TOOLS_DIR/logs/clients.log
LIBDIR=usr/lib/x86_64-linux-gnu # inside a root
# Changes whenever this recipe changes, so that an old install is redone.
RECIPE="suite=$SUITE cosign=$COSIGN_WANT skopeo=$SKOPEO_WANT packages=${PACKAGES[*]}"

_T0=${EPOCHREALTIME/,/.}
say() {
    local now=${EPOCHREALTIME/,/.}
    printf '[clients %6.1fs] %s\n' "$(awk -v a="$_T0" -v b="$now" 'BEGIN {print b - a}')" "$*"
}
die() {
    printf '[clients] ERROR: %s\n' "$*" >&2
    exit 1
}
show_log() {
    [[ -s $LOG ]] || return 0
    printf -- '----- last 30 lines of %s -----\n' "$LOG" >&2
    tail -n 30 "$LOG" >&2
    printf -- '----- end -----\n' >&2
}

# --- checks ------------------------------------------------------------------------------------

stamp_value() { # stamp_value KEY: a value recorded by the last successful install
    [[ -r $STAMP ]] || return 1
    local line
    while IFS= read -r line; do
        [[ $line == "$1="* ]] && { printf '%s\n' "${line#*=}"; return 0; }
    done <"$STAMP"
    return 1
}

skopeo_version() { # "1.18.0" from "skopeo version 1.18.0"
    local out
    out=$("$BIN/skopeo" --version 2>&1) || return 1
    [[ $out == "skopeo version "* ]] || return 1
    printf '%s\n' "${out#skopeo version }"
}

installed_ok() { # quiet: 0 if both clients are installed, runnable and the wanted versions
    [[ -x $BIN/cosign && -x $BIN/skopeo && -r $STAMP ]] || return 1
    [[ $(stamp_value recipe) == "$RECIPE" ]] || return 1
    # shellcheck disable=SC2053 # globs on purpose
    [[ $(stamp_value cosign) == $COSIGN_WANT ]] || return 1
    # Debian's cosign reports "GitVersion: devel": the package version comes from the stamp,
    # `cosign version` only proves that the binary runs.
    "$BIN/cosign" version >/dev/null 2>&1 || return 1
    local v
    v=$(skopeo_version) || return 1
    # shellcheck disable=SC2053
    [[ $v == $SKOPEO_WANT ]] || return 1
}

print_versions() {
    say "cosign $(stamp_value cosign) (Debian $SUITE) at $BIN/cosign; \`cosign version\`:"
    # the text after cosign's ASCII-art banner
    "$BIN/cosign" version 2>&1 | sed -n '/^GitVersion/,$p' | sed '/^[[:space:]]*$/d; s/^/    /'
    say "skopeo $(stamp_value skopeo) (Debian $SUITE) at $BIN/skopeo; \`skopeo --version\`:"
    "$BIN/skopeo" --version 2>&1 | sed 's/^/    /'
}

# --- install -----------------------------------------------------------------------------------

APT_OPTS=()
setup_apt() {
    mkdir -p "$APT_DIR"/{sources.list.d,preferences.d,lists/partial,cache/archives/partial,debs}
    [[ -r $KEYRING ]] || die "$KEYRING is missing (apt-get install debian-archive-keyring)"
    printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$MIRROR" "$SUITE" >"$APT_DIR/sources.list"
    : >"$APT_DIR/status" # no installed packages: apt-cache must not see the host's bookworm ones
    # Hooks from the host's apt.conf.d (appstream, packagekit) must not run for our private update.
    printf '%s\n' '#clear APT::Update::Pre-Invoke;' '#clear APT::Update::Post-Invoke;' \
        '#clear APT::Update::Post-Invoke-Success;' >"$APT_DIR/apt.conf"
    # Download as the caller: _apt cannot write into a root-owned build dir (apt then warns and
    # downloads as root anyway), and a non-root caller cannot switch to _apt.
    local sandbox
    sandbox=$(id -un)
    APT_OPTS=(
        -c "$APT_DIR/apt.conf"
        -o "Dir::Etc::SourceList=$APT_DIR/sources.list"
        -o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d"
        -o "Dir::Etc::Preferences=$APT_DIR/preferences"
        -o "Dir::Etc::PreferencesParts=$APT_DIR/preferences.d"
        -o "Dir::State::Lists=$APT_DIR/lists"
        -o "Dir::State::status=$APT_DIR/status"
        -o "Dir::Cache=$APT_DIR/cache"
        -o "APT::Sandbox::User=$sandbox"
        -o "APT::Architecture=amd64"
        -o "APT::Architectures=amd64"
        -o "Acquire::Languages=none"
        -q
    )
}

candidates() { # candidates PKG...: "PKG VERSION" lines, the versions apt would download
    apt-cache "${APT_OPTS[@]}" policy "$@" 2>>"$LOG" |
        awk '/^[^ ]+:$/ {p = substr($1, 1, length($1) - 1)} $1 == "Candidate:" {print p, $2}'
}

check_libs() { # check_libs ROOT: every library of skopeo resolves inside ROOT
    local root=$1 out
    out=$("$root/$LIBDIR/ld-linux-x86-64.so.2" --list --library-path "$root/$LIBDIR" \
        "$root/usr/bin/skopeo" 2>&1) || die "ld.so --list failed for skopeo: $out"
    if grep -q 'not found' <<<"$out"; then
        die "skopeo misses libraries (add their packages to PACKAGES): $(grep 'not found' <<<"$out" | tr -s ' \t\n' ' ')"
    fi
    local outside
    outside=$(awk -v r="$root/" '/=>/ && index($3, r) != 1 {print $1 " => " $3}' <<<"$out")
    [[ -z $outside ]] || die "skopeo would load host libraries (add their packages to PACKAGES): $outside"
}

install() {
    local arch
    arch=$(uname -m)
    [[ $arch == x86_64 ]] || die "only x86_64 is supported (this is $arch)"
    for tool in apt-get apt-cache dpkg-deb flock; do
        command -v "$tool" >/dev/null || die "$tool not found (this script expects Debian)"
    done
    setup_apt

    say "apt-get update ($SUITE from $MIRROR, private lists in $APT_DIR)"
    # --error-on=any: without it, apt-get update exits 0 when the mirror cannot be reached
    apt-get "${APT_OPTS[@]}" --error-on=any update >>"$LOG" 2>&1 ||
        { show_log; die "apt-get update for $SUITE from $MIRROR failed"; }

    local -A ver=()
    local p v
    while read -r p v; do ver[$p]=$v; done < <(candidates "${PACKAGES[@]}")
    for p in "${PACKAGES[@]}"; do
        [[ -n ${ver[$p]:-} && ${ver[$p]} != "(none)" ]] || die "package $p not found in $SUITE ($MIRROR)"
    done
    # shellcheck disable=SC2053
    [[ ${ver[cosign]} == $COSIGN_WANT ]] ||
        die "$SUITE has cosign ${ver[cosign]}, this script wants $COSIGN_WANT: test it and update COSIGN_WANT"
    # shellcheck disable=SC2053
    [[ ${ver[skopeo]} == $SKOPEO_WANT ]] ||
        die "$SUITE has skopeo ${ver[skopeo]}, this script wants $SKOPEO_WANT: test it and update SKOPEO_WANT"

    say "download: $(for p in "${PACKAGES[@]}"; do printf '%s=%s ' "$p" "${ver[$p]}"; done)"
    local specs=()
    for p in "${PACKAGES[@]}"; do specs+=("$p=${ver[$p]}"); done
    find "$APT_DIR/debs" -maxdepth 1 -name '*.deb' -delete
    (cd "$APT_DIR/debs" && apt-get "${APT_OPTS[@]}" download "${specs[@]}") >>"$LOG" 2>&1 ||
        { show_log; die "apt-get download failed"; }

    say "extract into $ROOT"
    # Leftovers of an interrupted run (we hold the lock: nobody else is extracting).
    rm -rf "$TOOLS_DIR"/.trixie-root.new.* "$ROOT.old"
    STAGE=$(mktemp -d "$TOOLS_DIR/.trixie-root.new.XXXXXX")
    local deb
    for deb in "$APT_DIR"/debs/*.deb; do
        dpkg-deb -x "$deb" "$STAGE" || die "dpkg-deb -x $deb failed"
    done
    [[ -x $STAGE/usr/bin/cosign && -x $STAGE/usr/bin/skopeo && -x $STAGE/$LIBDIR/ld-linux-x86-64.so.2 ]] ||
        die "the extracted packages lack usr/bin/cosign, usr/bin/skopeo or the dynamic loader"
    check_libs "$STAGE"
    {
        echo "# written by tests/env/clients.sh; Debian $SUITE package versions in this root"
        echo "recipe=$RECIPE"
        for p in "${PACKAGES[@]}"; do echo "$p=${ver[$p]}"; done
    } >"$STAGE/.sr-clients"

    # Swap the new root in (rename, so that a half-extracted root is never used).
    if [[ -e $ROOT ]]; then
        rm -rf "$ROOT.old"
        mv "$ROOT" "$ROOT.old"
    fi
    mv "$STAGE" "$ROOT"
    STAGE=
    rm -rf "$ROOT.old"
    # The new root has the stamp's final path only now: check the libraries there as well.
    check_libs "$ROOT"

    mkdir -p "$BIN"
    ln -sfn ../trixie-root/usr/bin/cosign "$BIN/cosign"
    local lib=$ROOT/$LIBDIR tmp
    tmp=$(mktemp "$BIN/.skopeo.XXXXXX")
    cat >"$tmp" <<EOF
#!/bin/sh
# Written by tests/env/clients.sh: Debian $SUITE's skopeo ${ver[skopeo]} needs glibc 2.38, so it
# runs through $SUITE's own dynamic loader and libraries (libc6 ${ver[libc6]}). The loader only
# applies to skopeo itself: programs it starts (gpg) use the host's libraries.
# No /etc/containers is needed when the caller passes --policy FILE (and --registries.d DIR).
exec $(printf %q "$lib/ld-linux-x86-64.so.2") --library-path $(printf %q "$lib") $(printf %q "$ROOT/usr/bin/skopeo") "\$@"
EOF
    chmod 0755 "$tmp"
    mv -f "$tmp" "$BIN/skopeo"
}

# --- main --------------------------------------------------------------------------------------

if [[ ${SR_CLIENTS_FORCE:-0} != 1 ]] && installed_ok; then
    say "cosign and skopeo already installed in $BIN"
    print_versions
    exit 0
fi

mkdir -p "$TOOLS_DIR/logs"
STAGE=
trap 'if [[ -n ${STAGE:-} ]]; then rm -rf "$STAGE"; fi' EXIT
exec 9>"$TOOLS_DIR/.clients.lock"
flock -w 600 9 || die "another clients.sh is still running on $TOOLS_DIR (lock $TOOLS_DIR/.clients.lock)"
# Somebody else may have finished the install while we waited for the lock.
if [[ ${SR_CLIENTS_FORCE:-0} != 1 ]] && installed_ok; then
    say "cosign and skopeo were installed meanwhile in $BIN"
    print_versions
    exit 0
fi
: >"$LOG"
say "installing cosign $COSIGN_WANT and skopeo $SKOPEO_WANT from Debian $SUITE into $TOOLS_DIR"
install
installed_ok || {
    "$BIN/skopeo" --version >&2 || true
    die "installed, but $BIN/cosign or $BIN/skopeo does not run or reports a wrong version"
}
say "done"
print_versions
