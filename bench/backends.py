"""The Turnout configurations the benchmark runs: embedded, and PostgreSQL + Redis.

`embedded` is SQLite in a fresh data directory with in-process state. `pg-redis` uses the local
services: a fresh PostgreSQL database per Turnout start (`turnout_bench_<hex>`, dropped
afterwards) and one Redis database number, flushed before and after. Both give Turnout its own
data directory (its secret key file lives there).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

EMBEDDED, PG_REDIS = "embedded", "pg-redis"
CONFIGS = (EMBEDDED, PG_REDIS)
CONFIG_LABELS = {
    EMBEDDED: "SQLite in a fresh data dir + in-process state",
    PG_REDIS: "PostgreSQL (a fresh database) + Redis (one DB number, flushed)",
}
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/13"


class BackendUnavailable(RuntimeError):
    pass


async def _postgres(admin_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
    try:
        client.flushdb()
    finally:
        client.close()


def _turnout_database_url(admin_url: str, database: str) -> str:
    """The admin URL pointed at `database`, in SQLAlchemy's asyncpg dialect."""
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(("postgresql+asyncpg", parts.netloc, f"/{database}", "", ""))


@contextlib.contextmanager
def _pg_database(admin_url: str) -> Iterator[str]:
    database = f"turnout_bench_{secrets.token_hex(4)}"
    try:
        asyncio.run(_postgres(admin_url, f'CREATE DATABASE "{database}"'))
    except Exception as exc:  # asyncpg's and the socket's errors alike: the service is not there
        raise BackendUnavailable(f"PostgreSQL at {admin_url}: {exc}") from exc
    try:
        yield _turnout_database_url(admin_url, database)
    finally:
        asyncio.run(_postgres(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@contextlib.contextmanager
def _redis_db(url: str) -> Iterator[str]:
    try:
        _flush_redis(url)
    except Exception as exc:  # redis-py's connection errors: the service is not there
        raise BackendUnavailable(f"Redis at {url}: {exc}") from exc
    try:
        yield url
    finally:
        _flush_redis(url)


@contextlib.contextmanager
def turnout_env(config: str, data_dir: Path, postgres_admin_url: str = POSTGRES_ADMIN_URL,
                redis_url: str = REDIS_URL) -> Iterator[dict[str, str]]:
    """Turnout's environment for `config`, its services set up for it and cleaned afterwards.

    Raises BackendUnavailable (before yielding) when a service cannot be reached.
    """
    data_dir.mkdir(parents=True)
    env = {"TURNOUT_DATA_DIR": str(data_dir)}
    if config == EMBEDDED:
        yield env
        return
    if config != PG_REDIS:
        raise ValueError(f"unknown configuration {config!r}")
    with _redis_db(redis_url) as redis, _pg_database(postgres_admin_url) as database:
        yield {**env, "TURNOUT_DATABASE_URL": database, "TURNOUT_REDIS_URL": redis}
