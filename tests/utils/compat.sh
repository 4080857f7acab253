#!/usr/bin/env bash
# Sanity and unit tests on other ansible-core releases, each on a Python it supports:
#
#   bash tests/utils/compat.sh 2.20:3.12 2.21:3.13      # (make compat)
#   bash tests/utils/compat.sh --venv-only 2.21:3.13    # only the venv (make integration-newest)
#
# One venv per release in build/venv-core-<release> (remade when requirements change), the
# interpreter from PATH or pyenv's versions. A missing interpreter is a failure, not a skip.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
collection=${SR_COLLECTION:?the collection copy to test (make compat sets it)}
status=0

python_for() { # python_for 3.12 -> path of a working python3.12 (a pyenv shim may be none)
    local candidate
    for candidate in $(command -v "python$1" 2>/dev/null || true) \
        $(find "${PYENV_ROOT:-$HOME/.pyenv}/versions" -maxdepth 3 -path "*/bin/python$1" 2>/dev/null | sort -rV); do
        if "$candidate" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$1'.split('.'))))" \
            >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    echo "[compat] no working python$1 on PATH or in pyenv's versions" >&2
    return 1
}

# --venv-only: make the venvs and stop (make integration-newest runs the integration targets in one).
venv_only=0
if [[ ${1:-} == --venv-only ]]; then
    venv_only=1
    shift
fi

for pair in "$@"; do
    core=${pair%%:*}
    version=${pair##*:}
    start=$SECONDS
    python=$(python_for "$version") || { status=1; continue; }
    venv=$root/build/venv-core-$core
    stamp=$(cat "$root/requirements.txt" "$root/requirements-keyless.txt" <(echo "$core $python") | sha256sum | cut -c1-16)
    if [[ ! -f $venv/.installed-$stamp ]]; then
        echo "[compat] ansible-core $core on $("$python" --version) in $venv"
        rm -rf "$venv"
        "$python" -m venv "$venv"
        PIP_CONSTRAINT='' "$venv/bin/pip" install --quiet --disable-pip-version-check \
            -r "$root/requirements.txt" -r "$root/requirements-keyless.txt" "ansible-core==$core.*" "pytest>=8" pyyaml
        touch "$venv/.installed-$stamp"
    fi
    ((venv_only)) && continue
    "$venv/bin/python" "$root/tests/utils/ansible_test_pip_bootstrap.py" >/dev/null
    interpreter_dir=$(dirname "$python")
    if (cd "$collection/../../.." && "$venv/bin/python" -m pytest -q -p no:cacheprovider \
            ansible_collections/signed/registry/tests/unit) &&
        (cd "$collection" && PATH="$venv/bin:$interpreter_dir:$PATH" ansible-test sanity --venv \
            --python "$version" --color no); then
        echo "[compat] ansible-core $core (Python $version): sanity and units passed in $((SECONDS - start)) s"
    else
        echo "[compat] ansible-core $core (Python $version): FAILED after $((SECONDS - start)) s"
        status=1
    fi
done
exit "$status"
