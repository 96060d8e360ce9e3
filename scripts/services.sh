#!/usr/bin/env bash
# Makes sure the local PostgreSQL and Redis answer; starts them where they are installed but down.
# Prints the URLs to use on stdout (empty line when a service could not be had).
set -uo pipefail

PG_URL="${TURNOUT_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
REDIS_URL="${TURNOUT_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"

pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_up && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "» starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >&2 || true
  for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
fi
if ! redis_up && command -v redis-server >/dev/null; then
  echo "» starting Redis" >&2
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2 || true
  for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
fi

if pg_up; then echo "$PG_URL"; else echo ""; fi
if redis_up; then echo "$REDIS_URL"; else echo ""; fi
