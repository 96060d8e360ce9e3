"""The usage report is aggregated by the database and says what a row-by-row count would say."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from statistics import quantiles
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.gateway.usage_report import usage_report
from turnout.store.bulk import BulkInsert
from turnout.store.models import UsageLog
from turnout.store.types import new_id

UNTIL = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=5)
PROVIDERS = [None, "prov-a", "prov-b"]
MODELS = [None, "gpt-4o-mini", "qwen-plus", "none"]


def _row(tenant_id: str, **values: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "request_id": new_id(),
        "provider_id": "prov-a",
        "model": "gpt-4o-mini",
        "total_tokens": 10,
        "cost": 0.0001,
        "latency_ms": 100.0,
        "status": "ok",
        "cached": False,
        "created_at": UNTIL - timedelta(hours=1),
    } | values


def _reference(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The report counted row by row in Python, as it was computed before the database did it."""
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: defaultdict(list) for name in ("by_provider", "by_model", "by_day")
    }
    for row in rows:
        groups["by_provider"][row["provider_id"] or "none"].append(row)
        groups["by_model"][row["model"] or "none"].append(row)
        groups["by_day"][row["created_at"].astimezone(UTC).date().isoformat()].append(row)
    return {
        "totals": _bucket(rows),
        **{
            name: [{"key": key, **_bucket(members)} for key, members in sorted(buckets.items())]
            for name, buckets in groups.items()
        },
    }


def _bucket(rows: list[dict[str, Any]]) -> dict[str, Any]:
    requests = len(rows)
    errors = sum(r["status"] != "ok" for r in rows)
    hits = sum(bool(r["cached"]) for r in rows)
    latencies = sorted(r["latency_ms"] for r in rows)
    if not latencies:
        percentiles = {"p50": None, "p95": None, "p99": None}
    elif len(latencies) == 1:
        percentiles = dict.fromkeys(("p50", "p95", "p99"), latencies[0])
    else:
        cuts = quantiles(latencies, n=100, method="inclusive")
        percentiles = {
            "p50": round(cuts[49], 3),
            "p95": round(cuts[94], 3),
            "p99": round(cuts[98], 3),
        }
    return {
        "requests": requests,
        "errors": errors,
        "error_rate": round(errors / requests, 4) if requests else 0.0,
        "total_tokens": sum(r["total_tokens"] for r in rows),
        "cost": round(sum(r["cost"] for r in rows), 6),
        "cache_hits": hits,
        "cache_hit_rate": round(hits / requests, 4) if requests else 0.0,
        "latency_ms": percentiles,
    }


def _latency_tolerance(session: AsyncSession) -> float:
    # percentile_cont ranks in floating point (see usage_report's docstring): at most one unit of
    # the third decimal off, plus the float error of that unit itself.
    return 1.1e-3 if session.get_bind().dialect.name == "postgresql" else 0.0


def _assert_same(report: dict[str, Any], expected: dict[str, Any], tolerance: float) -> None:
    def without_latency(group: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in group.items() if k != "latency_ms"}

    for name in ("totals", "by_provider", "by_model", "by_day"):
        got, want = report[name], expected[name]
        if name == "totals":
            got, want = [got], [want]
        assert [without_latency(g) for g in got] == [without_latency(g) for g in want], name
        for mine, theirs in zip(got, want, strict=True):
            for p, value in theirs["latency_ms"].items():
                if value is None or tolerance == 0.0:
                    assert mine["latency_ms"][p] == value, (
                        name,
                        mine.get("key"),
                    )
                else:
                    assert mine["latency_ms"][p] == pytest.approx(value, abs=tolerance)


async def _insert(services, rows: list[dict[str, Any]]) -> None:
    async with services.engine.begin() as connection:
        await BulkInsert(UsageLog.__table__)(connection, rows)  # type: ignore[arg-type]


async def _report(services, tenant_id: str, **window: Any) -> dict[str, Any]:
    async with services.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Days are UTC days whatever the connection's time zone.
            await session.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
        window = {"since": SINCE, "until": UNTIL} | window
        return await usage_report(session, tenant_id=tenant_id, **window)


def _mixed_rows(tenant_id: str, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        _row(
            tenant_id,
            provider_id=rng.choice(PROVIDERS),
            model=rng.choice(MODELS),
            total_tokens=rng.randrange(0, 5000),
            cost=round(rng.uniform(0, 0.02), 6),
            latency_ms=round(rng.lognormvariate(5, 0.8), 3),
            status=rng.choice(["ok", "ok", "ok", "error"]),
            cached=rng.random() < 0.2,
            created_at=SINCE + timedelta(seconds=rng.uniform(0, (UNTIL - SINCE).total_seconds())),
        )
        for _ in range(count)
    ]


async def test_report_matches_a_row_by_row_count(services, tenant, other_tenant):
    rows = _mixed_rows(tenant.id, 700, seed=7)
    rows += [  # a group of one, a group of two, and both sides of a UTC midnight
        _row(tenant.id, model="single", latency_ms=12.3456, created_at=UNTIL - timedelta(hours=7)),
        _row(
            tenant.id,
            model="pair",
            latency_ms=1.0,
            created_at=UNTIL - timedelta(hours=6, minutes=1),
        ),
        _row(
            tenant.id,
            model="pair",
            latency_ms=2.0,
            created_at=UNTIL - timedelta(hours=5, minutes=59),
        ),
    ]
    outside = [
        _row(tenant.id, created_at=SINCE - timedelta(microseconds=1)),
        _row(tenant.id, created_at=UNTIL),
        _row(other_tenant.id),
    ]
    await _insert(services, rows + outside)
    shanghai = timezone(timedelta(hours=8))
    report = await _report(services, tenant.id, since=SINCE.astimezone(shanghai))
    async with services.sessions() as session:
        tolerance = _latency_tolerance(session)
    _assert_same(report, _reference(rows), tolerance)
    assert datetime.fromisoformat(report["from"]) == SINCE
    assert datetime.fromisoformat(report["to"]) == UNTIL


async def test_report_for_one_provider(services, tenant):
    rows = _mixed_rows(tenant.id, 200, seed=11)
    await _insert(services, rows)
    report = await _report(services, tenant.id, provider_id="prov-b")
    async with services.sessions() as session:
        tolerance = _latency_tolerance(session)
    _assert_same(report, _reference([r for r in rows if r["provider_id"] == "prov-b"]), tolerance)


async def test_empty_window(services, tenant):
    report = await _report(services, tenant.id)
    assert report["totals"] == _bucket([])
    assert report["by_provider"] == report["by_model"] == report["by_day"] == []


class _CountingSession(AsyncSession):
    """Counts the rows the database sends back."""

    rows_read = 0

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        frozen = (await super().execute(*args, **kwargs)).freeze()
        type(self).rows_read += len(frozen.data)
        return frozen()


async def test_report_reads_one_row_per_group_not_per_request(services, tenant):
    rows = _mixed_rows(tenant.id, 3000, seed=3)
    await _insert(services, rows)
    sessions = async_sessionmaker(services.engine, class_=_CountingSession)
    async with sessions() as session:
        report = await usage_report(session, tenant_id=tenant.id, since=SINCE, until=UNTIL)
    groups = 1 + sum(len(report[name]) for name in ("by_provider", "by_model", "by_day"))
    assert report["totals"]["requests"] == 3000
    assert _CountingSession.rows_read == groups


rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "provider_id": st.sampled_from(PROVIDERS),
            "model": st.sampled_from(MODELS),
            "latency_ms": st.one_of(
                st.integers(0, 5).map(float),
                st.floats(0, 60_000, allow_nan=False).map(lambda v: round(v, 3)),
            ),
            "status": st.sampled_from(["ok", "error", "timeout"]),
            "cached": st.booleans(),
            "total_tokens": st.integers(0, 10_000),
            "cost": st.floats(0, 1).map(lambda v: round(v, 6)),
            "created_at": st.integers(0, int((UNTIL - SINCE).total_seconds()) - 1).map(
                lambda s: SINCE + timedelta(seconds=s)
            ),
        }
    ),
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=rows_strategy)
async def test_any_rows_report_like_a_row_by_row_count(services, tenant, values):
    rows = [_row(tenant.id, **v) for v in values]
    async with services.sessions() as session:
        await session.execute(delete(UsageLog).where(UsageLog.tenant_id == tenant.id))
        await session.commit()
        tolerance = _latency_tolerance(session)
    await _insert(services, rows)
    _assert_same(await _report(services, tenant.id), _reference(rows), tolerance)
