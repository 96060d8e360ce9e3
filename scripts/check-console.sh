#!/usr/bin/env bash
# The console's checks: its API client still matches Turnout's OpenAPI document (a backend
# change that breaks the console fails here), it type-checks, its component tests pass, and it
# builds.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
  echo "!! npm not found: the console cannot be checked" >&2
  exit 1
fi
cd frontend
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "» console: API client against the OpenAPI document" >&2
npm run --silent check:api
echo "» console: types" >&2
npm run --silent typecheck
echo "» console: component tests" >&2
npx --no-install vitest run
cd ..
bash scripts/build-console.sh
