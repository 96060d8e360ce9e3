#!/usr/bin/env bash
# Builds the admin console (frontend/) into src/turnout/console/dist, which Turnout serves at /.
# Installs the locked npm packages when package-lock.json is newer than node_modules, and
# builds only when a source is newer than the last build. Without npm it warns and goes on:
# Turnout then serves the API alone.
set -euo pipefail
cd "$(dirname "$0")/.."

built=src/turnout/console/dist/index.html
if ! command -v npm >/dev/null 2>&1; then
  echo "!! npm not found: the admin console is not built; Turnout serves the API only" >&2
  exit 0
fi
cd frontend
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "» installing the console's npm packages (package-lock.json)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
newer=$(find src public index.html vite.config.ts tsconfig.json package-lock.json \
  -newer "../$built" -print -quit 2>/dev/null || true)
if [ -f "../$built" ] && [ -z "$newer" ]; then
  echo "» admin console is up to date" >&2
  exit 0
fi
echo "» building the admin console" >&2
npx --no-install vite build --logLevel warn
