#!/usr/bin/env bash
# One command from a fresh clone to a running Turnout on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bash scripts/build-console.sh
exec uv run --frozen turnout serve "$@"
