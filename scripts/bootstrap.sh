#!/usr/bin/env bash
# Installs what Turnout needs on a fresh machine: uv, then the locked Python environment.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "» installing uv" >&2
  python3 -m pip install --quiet --disable-pip-version-check "uv==0.13.8" \
    || python3 -m pip install --quiet --user --disable-pip-version-check "uv==0.13.8"
  export PATH="$HOME/.local/bin:$PATH"
fi
echo "» installing Python dependencies (uv.lock)" >&2
uv sync --frozen --quiet
