#!/usr/bin/env bash
# Runs every check: lint, types, then the whole suite twice — on PostgreSQL + Redis and on the
# embedded SQLite + in-process state — with combined coverage (at least 80 %).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

echo "» ruff" >&2
uv run --frozen ruff check src tests bench || exit 1
echo "» mypy" >&2
uv run --frozen mypy || exit 1
echo "» console" >&2
bash scripts/check-console.sh || exit 1

mapfile -t urls < <(bash scripts/services.sh)

# tests/labelstudio run against a real Label Studio, installed (or found cached) in a venv of its
# own. Once installed it is required: a Label Studio that then fails to start fails those tests.
echo "» Label Studio for tests/labelstudio (scripts/labelstudio.sh)" >&2
if label_studio="$(bash scripts/labelstudio.sh)"; then
  export TURNOUT_TEST_LABEL_STUDIO="$label_studio" TURNOUT_TEST_LABEL_STUDIO_REQUIRED=1
else
  echo "!! Label Studio could not be installed: the tests in tests/labelstudio are SKIPPED." >&2
fi

# tests/console/browser drive Debian's Chromium, installed here when missing. Wherever apt-get
# exists it is required: a failed install fails those tests (saying why) instead of skipping them.
echo "» Chromium for tests/console/browser (scripts/chromium.sh)" >&2
chromium="$(bash scripts/chromium.sh)"
case $? in
  0) export TURNOUT_TEST_CHROMIUM="$chromium" TURNOUT_TEST_CHROMIUM_REQUIRED=1 ;;
  2) echo "!! no apt-get to install Chromium: the tests in tests/console/browser are SKIPPED." >&2 ;;
  *) export TURNOUT_TEST_CHROMIUM_REQUIRED=1 ;;
esac
# Their screenshots of every console page in both languages are the run's artefact: CI collects
# artifacts/screenshots (docs/screenshots, what the README shows, is refreshed only on purpose).
export TURNOUT_SCREENSHOTS_DIR="${TURNOUT_SCREENSHOTS_DIR:-$PWD/artifacts/screenshots}"
mkdir -p "$TURNOUT_SCREENSHOTS_DIR" && rm -f "$TURNOUT_SCREENSHOTS_DIR"/*.png
pg_url="${urls[0]:-}"
redis_url="${urls[1]:-}"
export HYPOTHESIS_PROFILE=ci
rm -f .coverage .coverage.*
status=0

if [ -n "$pg_url" ] && [ -n "$redis_url" ]; then
  echo "» suite 1/2: PostgreSQL + Redis" >&2
  TURNOUT_TEST_DATABASE_URL="$pg_url" TURNOUT_TEST_REDIS_URL="$redis_url" \
    uv run --frozen pytest -p no:cacheprovider --cov --cov-report= "$@" || status=1
else
  echo "!! PostgreSQL or Redis unreachable and could not be started:" \
       "the PostgreSQL/Redis run is SKIPPED; only the embedded run follows." >&2
fi

echo "» suite 2/2: SQLite + in-process state" >&2
env -u TURNOUT_TEST_DATABASE_URL -u TURNOUT_TEST_REDIS_URL \
  uv run --frozen pytest -p no:cacheprovider --cov --cov-append --cov-report=term \
  --cov-fail-under=80 "$@" || status=1
exit $status
