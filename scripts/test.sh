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

mapfile -t urls < <(bash scripts/services.sh)
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
