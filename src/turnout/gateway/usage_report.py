"""Usage aggregates for GET /api/v1/llm/usage: by provider, by model and by day.

The database does the work: one GROUP BY per breakdown, so a report reads back one row per
provider, model and day however many requests the window holds.

Latency percentiles interpolate between the two nearest ranks, like `percentile_cont` and
`statistics.quantiles(method="inclusive")`. PostgreSQL computes them with `percentile_cont`.
SQLite has no percentile aggregate: a window numbers each group's rows by latency, only the two
rows around each wanted rank reach the aggregate that interpolates, with the same integer rank
arithmetic as `statistics.quantiles`, so SQLite's figures are exactly the statistics module's.
`percentile_cont` computes the rank as p × (n − 1) in floating point instead, which can move a
figure by 0.001 when its exact value ends in 5 at the fourth decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import ValidationFailed
from turnout.store.models import UsageLog

DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=92)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
PERCENTILES = (50, 95, 99)
# What a breakdown groups by; None: the whole window in one group.
Key = ColumnElement[str] | None
Query = Select[*tuple[Any, ...]]


def _percentiles(requests: int, values: Sequence[float | None]) -> dict[str, float | None]:
    names = [f"p{p}" for p in PERCENTILES]
    if not requests:
        return dict.fromkeys(names)
    if requests == 1:  # the one latency as stored, like the statistics module's single value
        return dict(zip(names, values, strict=True))
    return {name: None if v is None else round(v, 3) for name, v in zip(names, values, strict=True)}


def _as_dict(row: Any) -> dict[str, Any]:
    requests = int(row.requests)
    return {
        "requests": requests,
        "errors": int(row.errors or 0),
        "error_rate": round((row.errors or 0) / requests, 4) if requests else 0.0,
        "total_tokens": int(row.total_tokens or 0),
        "cost": round(float(row.cost or 0.0), 6),
        "cache_hits": int(row.cache_hits or 0),
        "cache_hit_rate": round((row.cache_hits or 0) / requests, 4) if requests else 0.0,
        "latency_ms": _percentiles(requests, [row.p50, row.p95, row.p99]),
    }


def _counts(source: Any) -> list[ColumnElement[Any]]:
    """Requests, errors, cache hits, tokens and cost of `source`'s rows."""
    return [
        func.count().label("requests"),
        func.sum(case((source.status != "ok", 1), else_=0)).label("errors"),
        func.sum(case((source.cached, 1), else_=0)).label("cache_hits"),
        func.sum(source.total_tokens).label("total_tokens"),
        func.sum(source.cost).label("cost"),
    ]


def _day(dialect: str) -> ColumnElement[str]:
    """The UTC date of a row, as YYYY-MM-DD."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", UsageLog.created_at)
        return func.to_char(utc, "YYYY-MM-DD", type_=String)
    # SQLite keeps these timestamps as UTC text, "YYYY-MM-DD HH:MM:SS.ffffff".
    return func.date(UsageLog.created_at, type_=String)


def _keys(dialect: str) -> dict[str, ColumnElement[str]]:
    return {
        "by_provider": func.coalesce(UsageLog.provider_id, "none"),
        "by_model": func.coalesce(UsageLog.model, "none"),
        "by_day": _day(dialect),
    }


def _postgres_query(where: list[ColumnElement[bool]], key: Key) -> Query:
    # The three calls share one sort of the group's latencies.
    latencies = [
        func.percentile_cont(p / 100).within_group(UsageLog.latency_ms).label(f"p{p}")
        for p in PERCENTILES
    ]
    keys = [] if key is None else [key.label("key")]
    statement = select(*keys, *_counts(UsageLog), *latencies).where(*where)
    return statement if key is None else statement.group_by(key)


def _ranked(where: list[ColumnElement[bool]], key: Key) -> Any:
    """Each row's latency, its rank in its group and the group's size, from one shared sort."""
    keys = [] if key is None else [key.label("key")]
    scoped = select(*keys, UsageLog.latency_ms).where(*where).subquery("scoped").c
    partition = [] if key is None else [scoped.key]
    window: dict[str, Any] = {"partition_by": partition, "order_by": scoped.latency_ms}
    ranked = select(
        *partition,
        scoped.latency_ms,
        (func.row_number().over(**window) - 1).label("rank"),
        func.count().over(**window, rows=(None, None)).label("n"),
    )
    return ranked.subquery("ranked").c


def _lower_rank(ranked: Any, p: int) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """divmod(p × (n − 1), 100) in integers: statistics.quantiles' inclusive rank and weight."""
    scaled = p * (ranked.n - 1)
    return scaled // 100, scaled % 100


def _interpolated(ranked: Any, p: int) -> ColumnElement[float]:
    """The group's p-th percentile, from the rows of the ranks it needs (an aggregate)."""
    low, delta = _lower_rank(ranked, p)

    def at(rank: ColumnElement[int]) -> ColumnElement[float]:
        return func.max(case((ranked.rank == rank, ranked.latency_ms)))

    weight = func.max(delta)
    interpolated = (at(low) * (100 - weight) + at(low + 1) * weight) / 100.0
    return case((func.max(ranked.n) == 1, func.max(ranked.latency_ms)), else_=interpolated)


def _sqlite_percentiles(where: list[ColumnElement[bool]], key: Key) -> Any:
    """Per group: p50, p95 and p99, reading only the two rows around each rank."""
    ranked = _ranked(where, key)
    lows = [_lower_rank(ranked, p)[0] for p in PERCENTILES]
    needed = or_(*(ranked.rank == low for low in lows), *(ranked.rank == low + 1 for low in lows))
    keys = [] if key is None else [ranked.key]
    latencies = [_interpolated(ranked, p).label(f"p{p}") for p in PERCENTILES]
    return select(*keys, *latencies).where(needed).group_by(*keys).subquery("percentiles")


def _sqlite_query(where: list[ColumnElement[bool]], key: Key) -> Query:
    keys = [] if key is None else [key.label("key")]
    counts = select(*keys, *_counts(UsageLog)).where(*where)
    totals = (counts if key is None else counts.group_by(key)).subquery("counts")
    percentiles = _sqlite_percentiles(where, key)
    joined = percentiles.c.key == totals.c.key if key is not None else true()
    latencies = [percentiles.c[f"p{p}"] for p in PERCENTILES]
    return select(totals, *latencies).select_from(totals.outerjoin(percentiles, joined))


async def _breakdown(
    session: AsyncSession, where: list[ColumnElement[bool]], key: Key
) -> list[Any]:
    dialect = session.get_bind().dialect.name
    build = _postgres_query if dialect == "postgresql" else _sqlite_query
    return list(await session.execute(build(where, key)))


def report_window(
    since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime, bool]:
    """[since, until) as reported, and whether `since` was moved up to fit MAX_WINDOW.

    A time without an offset is UTC. The caller's offset is kept (the report echoes it).
    """
    until = _bounded(until, "to") if until else datetime.now(UTC)
    since = _bounded(since, "from") if since else until - DEFAULT_WINDOW
    if since > until:
        raise ValidationFailed([{"field": "from", "code": "validation.not_after_to"}])
    clipped = until - since > MAX_WINDOW
    return (until - MAX_WINDOW if clipped else since), until, clipped


def _bounded(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Far enough from datetime's own ends that the window arithmetic cannot overflow.
    if not EARLIEST <= moment <= LATEST:
        params = {"min": EARLIEST.date().isoformat(), "max": LATEST.date().isoformat()}
        issue = {"field": field, "code": "validation.date_out_of_range", "params": params}
        raise ValidationFailed([issue])
    return moment


async def usage_report(
    session: AsyncSession,
    *,
    tenant_id: str,
    since: datetime | None,
    until: datetime | None,
    provider_id: str | None = None,
) -> dict[str, Any]:
    """Totals and breakdowns of the tenant's usage rows in [since, until)."""
    since, until, clipped = report_window(since, until)
    where = [
        UsageLog.tenant_id == tenant_id,
        UsageLog.created_at >= since,
        UsageLog.created_at < until,
    ]
    if provider_id:
        where.append(UsageLog.provider_id == provider_id)
    (totals,) = await _breakdown(session, where, None)
    report: dict[str, Any] = {
        "from": since.isoformat(),
        "to": until.isoformat(),
        "clipped": clipped,
        "totals": _as_dict(totals),
    }
    for name, key in _keys(session.get_bind().dialect.name).items():
        # Sorted here, not by ORDER BY: the database's collation may not order as Python does.
        rows = sorted(await _breakdown(session, where, key), key=lambda row: str(row.key))
        report[name] = [{"key": row.key, **_as_dict(row)} for row in rows]
    return report
