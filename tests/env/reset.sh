#!/usr/bin/env bash
# Delete every Pulp container distribution, repository, remote and namespace (and cancel leftover
# tasks) so that an integration target starts from a clean server. Takes about a second.
#   reset.sh [--orphans]   see pulp_reset.py
# The upstream registry is not touched: its seeded images are read-only fixtures.
set -Eeuo pipefail
SR_ENV_SCRIPT=reset
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -s $STATE_DIR/env.json ]] || die "no $STATE_DIR/env.json: run tests/env/up.sh first"
python=${SR_PYTHON:-python3}
# Like up.sh: a bare system python3 has no requests, the Pulp venv always does.
"$python" -c 'import requests' 2>/dev/null || python=$PULP_VENV/bin/python
exec "$python" "$ENV_HERE/pulp_reset.py" --env "$STATE_DIR/env.json" "$@"
