#!/usr/bin/env bash
# Installs the Label Studio server that the tests in tests/labelstudio/ run against, in a venv of
# its own: its pins (Django, pandas, an older redis client, …) conflict with Turnout's, so it never
# enters Turnout's uv environment. The venv is built from tests/labelstudio/requirements.lock (every
# file checked against its hash) and cached under the lock's hash, so a second run only checks.
#
#   bash scripts/labelstudio.sh            install if needed; print the label-studio executable
#   bash scripts/labelstudio.sh --installed print it only if already installed (exit 1 otherwise)
#   bash scripts/labelstudio.sh --relock   re-resolve requirements.in into requirements.lock
#
# The cache lives in $TURNOUT_LABEL_STUDIO_CACHE, else $XDG_CACHE_HOME/turnout/label-studio, else
# ~/.cache/turnout/label-studio. Messages go to stderr; stdout carries only the path.
set -euo pipefail
cd "$(dirname "$0")/.."

spec=tests/labelstudio/requirements.in
lock=tests/labelstudio/requirements.lock
python_version=3.11

if [ "${1:-}" = "--relock" ]; then
  exec uv pip compile --quiet --universal --python-version "$python_version" --generate-hashes \
    --custom-compile-command "bash scripts/labelstudio.sh --relock" "$spec" -o "$lock"
fi

cache_root="${TURNOUT_LABEL_STUDIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turnout/label-studio}"
key="$(cat "$lock" <(echo "python$python_version") | sha256sum | cut -c1-16)"
venv="$cache_root/$key"
executable="$venv/bin/label-studio"

if [ -f "$venv/.installed" ] && [ -x "$executable" ]; then
  echo "$executable"
  exit 0
fi
if [ "${1:-}" = "--installed" ]; then
  exit 1
fi

# One install at a time per cache (two test runs started together share it).
mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if [ -f "$venv/.installed" ] && [ -x "$executable" ]; then
  echo "$executable"
  exit 0
fi

echo "» installing Label Studio into $venv (from $lock)" >&2
started=$(date +%s)
# The marker is written last, so an interrupted install is never mistaken for a finished one.
rm -rf "$venv"
uv venv --quiet --python "$python_version" --python-preference only-system "$venv" >&2
uv pip sync --quiet --python "$venv/bin/python" --require-hashes "$lock" >&2
touch "$venv/.installed"
echo "» Label Studio installed in $(( $(date +%s) - started )) s" >&2
echo "$executable"
