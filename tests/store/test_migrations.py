"""Migrations go up and down cleanly, and the models match what they build."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from turnout.store import migrate
from turnout.store.db import create_engine
from turnout.store.models import Base

EXPECTED_TABLES = {
    "tenants",
    "users",
    "api_keys",
    "provider_configs",
    "tenant_routing",
    "usage_logs",
    "model_registry",
    "provider_health",
    "audit_log",
    "jobs",
    "job_items",
    "files",
    "label_studio_connections",
    "annotation_projects",
    "predictions",
    "human_annotations",
    "region_outcomes",
    "calibrations",
}


def _postgres_url() -> str | None:
    url = os.environ.get("TURNOUT_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(params=["sqlite", "postgresql"])
async def scratch_url(request, tmp_path) -> AsyncIterator[str]:
    """An empty database of each kind, used only by this module."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not configured (set TURNOUT_TEST_DATABASE_URL)")
    name = f"turnout_migr_{secrets.token_hex(4)}"
    admin = create_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _tables(engine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    return names - {"alembic_version"}


async def test_upgrade_downgrade_upgrade(scratch_url):
    engine = create_engine(scratch_url)
    try:
        await migrate.upgrade(engine)
        assert await _tables(engine) == EXPECTED_TABLES
        await migrate.downgrade(engine, "base")
        assert await _tables(engine) == set()
        await migrate.upgrade(engine)
        assert await _tables(engine) == EXPECTED_TABLES
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(scratch_url):
    engine = create_engine(scratch_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == []


async def test_provider_config_index_on_tenant_and_enabled(scratch_url):
    engine = create_engine(scratch_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            indexes = await connection.run_sync(
                lambda c: inspect(c).get_indexes("provider_configs")
            )
    finally:
        await engine.dispose()
    assert ["tenant_id", "enabled"] in [index["column_names"] for index in indexes]


async def _job_tables(engine) -> dict[str, dict[str, object]]:
    def describe(connection) -> dict[str, dict[str, object]]:
        inspector = inspect(connection)
        return {
            table: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)
                ),
                "foreign_keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
                "unique": sorted(
                    tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
                ),
            }
            for table in ("jobs", "job_items")
        }

    async with engine.connect() as connection:
        return await connection.run_sync(describe)


async def test_job_tables_are_dropped_and_come_back_on_downgrade(scratch_url):
    engine = create_engine(scratch_url)
    try:
        await migrate.upgrade(engine, "0004")
        as_first_built = await _job_tables(engine)
        await migrate.upgrade(engine, "0005")
        assert not {"jobs", "job_items"} & await _tables(engine)
        await migrate.downgrade(engine, "0004")
        assert await _job_tables(engine) == as_first_built
    finally:
        await engine.dispose()


async def _last_test_columns(engine) -> list[str]:
    async with engine.connect() as connection:
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("provider_configs"))
    return [c["name"] for c in columns if c["name"].startswith("last_test_")]


async def test_provider_last_test_columns_come_and_go_with_0010(scratch_url):
    engine = create_engine(scratch_url)
    try:
        await migrate.upgrade(engine, "0010")
        assert len(await _last_test_columns(engine)) == 7
        await migrate.downgrade(engine, "0009")
        assert await _last_test_columns(engine) == []
        await migrate.upgrade(engine)
        assert len(await _last_test_columns(engine)) == 7
    finally:
        await engine.dispose()
