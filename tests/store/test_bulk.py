"""Bulk inserts store exactly what the ORM stores, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from turnout.container import Services
from turnout.store.bulk import BulkInsert
from turnout.store.models import UsageLog
from turnout.store.types import new_id

COLUMNS = [c.key for c in UsageLog.__table__.columns]


def usage_row(tenant_id: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": new_id(),
        "tenant_id": tenant_id,
        "request_id": "req-" + new_id(),
        "provider_type": "openai",
        "model": "gpt-4o-mini",
        "prompt_tokens": 3,
        "completion_tokens": 5,
        "total_tokens": 8,
        "cost": 0.000123,
        "latency_ms": 12.5,
        "attempts": 2,
        "status": "ok",
        "cached": True,
        "created_at": datetime(2026, 11, 25, 13, 45, 1, 123456, tzinfo=UTC),
    }
    row.update(values)
    return row


async def stored(services: Services, *ids: str) -> dict[str, dict[str, object]]:
    async with services.sessions() as session:
        rows = (await session.execute(select(UsageLog).where(UsageLog.id.in_(ids)))).scalars()
        return {row.id: {key: getattr(row, key) for key in COLUMNS} for row in rows}


async def test_bulk_rows_read_back_like_rows_added_through_the_orm(services, tenant) -> None:
    by_orm = usage_row(tenant.id, api_key_id=None, error_code="UPSTREAM_TIMEOUT", cached=False)
    by_bulk = usage_row(tenant.id, id=new_id(), api_key_id=None, error_code="UPSTREAM_TIMEOUT",
                        cached=False, request_id=by_orm["request_id"])
    async with services.sessions() as session:
        session.add(UsageLog(**by_orm))
        await session.flush()
        await BulkInsert(UsageLog.__table__)(await session.connection(), [by_bulk])
        await session.commit()

    rows = await stored(services, str(by_orm["id"]), str(by_bulk["id"]))
    orm_row, bulk_row = rows.pop(str(by_orm["id"])), rows.pop(str(by_bulk["id"]))
    assert {k: v for k, v in bulk_row.items() if k != "id"} == {
        k: v for k, v in orm_row.items() if k != "id"
    }
    assert bulk_row["cached"] is False and bulk_row["error_code"] == "UPSTREAM_TIMEOUT"


async def test_times_in_other_zones_are_stored_in_utc_and_compare_in_queries(
    services, tenant
) -> None:
    shanghai = timezone(timedelta(hours=8))
    row = usage_row(tenant.id, created_at=datetime(2026, 11, 25, 21, 0, 0, 5, tzinfo=shanghai))
    async with services.sessions() as session:
        await BulkInsert(UsageLog.__table__)(await session.connection(), [row])
        await session.commit()
        found = (
            await session.execute(
                select(UsageLog.created_at).where(
                    UsageLog.created_at >= datetime(2026, 11, 25, 13, 0, 0, tzinfo=UTC),
                    UsageLog.created_at < datetime(2026, 11, 25, 13, 0, 1, tzinfo=UTC),
                )
            )
        ).scalar_one()
    assert found == datetime(2026, 11, 25, 13, 0, 0, 5, tzinfo=UTC)


async def test_scalar_defaults_fill_missing_columns(services, tenant) -> None:
    row = usage_row(tenant.id)
    for key in ("operation", "prompt_tokens", "cached"):
        row.pop(key, None)
    async with services.sessions() as session:
        await BulkInsert(UsageLog.__table__)(await session.connection(), [row])
        await session.commit()
    values = (await stored(services, str(row["id"])))[str(row["id"])]
    assert (values["operation"], values["prompt_tokens"], values["cached"]) == (
        "generate", 0, False
    )


async def test_a_row_without_a_generated_column_is_refused_before_anything_is_written(
    services, tenant
) -> None:
    good, bad = usage_row(tenant.id), usage_row(tenant.id)
    del bad["id"]
    async with services.sessions() as session:
        with pytest.raises(ValueError, match="id"):
            await BulkInsert(UsageLog.__table__)(await session.connection(), [good, bad])
    assert await stored(services, str(good["id"])) == {}


async def test_many_rows_in_one_call(services, tenant) -> None:
    rows = [usage_row(tenant.id, prompt_tokens=n) for n in range(1500)]
    async with services.sessions() as session:
        await BulkInsert(UsageLog.__table__)(await session.connection(), rows)
        await session.commit()
    values = await stored(services, *(str(r["id"]) for r in rows))
    assert sorted(v["prompt_tokens"] for v in values.values()) == list(range(1500))
