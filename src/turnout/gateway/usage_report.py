"""Usage aggregates for GET /api/v1/llm/usage: by provider, by model and by day."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from statistics import quantiles
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.store.models import UsageLog

DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=92)


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    if len(values) == 1:
        return {"p50": values[0], "p95": values[0], "p99": values[0]}
    cuts = quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 3), "p95": round(cuts[94], 3), "p99": round(cuts[98], 3)}


class _Bucket:
    __slots__ = ("cache_hits", "cost", "errors", "latencies", "requests", "tokens")

    def __init__(self) -> None:
        self.requests = self.errors = self.cache_hits = self.tokens = 0
        self.cost = 0.0
        self.latencies: list[float] = []

    def add(self, row: Any) -> None:
        self.requests += 1
        self.errors += row.status != "ok"
        self.cache_hits += bool(row.cached)
        self.tokens += row.total_tokens
        self.cost += row.cost
        self.latencies.append(row.latency_ms)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "error_rate": round(self.errors / self.requests, 4) if self.requests else 0.0,
            "total_tokens": self.tokens,
            "cost": round(self.cost, 6),
            "cache_hits": self.cache_hits,
            "cache_hit_rate": round(self.cache_hits / self.requests, 4) if self.requests else 0.0,
            "latency_ms": _percentiles(sorted(self.latencies)),
        }


async def usage_report(
    session: AsyncSession,
    *,
    tenant_id: str,
    since: datetime | None,
    until: datetime | None,
    provider_id: str | None = None,
) -> dict[str, Any]:
    """Totals and breakdowns of the tenant's usage rows in [since, until)."""
    until = until or datetime.now(UTC)
    since = max(since or until - DEFAULT_WINDOW, until - MAX_WINDOW)
    statement = select(
        UsageLog.provider_id,
        UsageLog.model,
        UsageLog.status,
        UsageLog.cached,
        UsageLog.total_tokens,
        UsageLog.cost,
        UsageLog.latency_ms,
        UsageLog.created_at,
    ).where(
        UsageLog.tenant_id == tenant_id, UsageLog.created_at >= since, UsageLog.created_at < until
    )
    if provider_id:
        statement = statement.where(UsageLog.provider_id == provider_id)
    total = _Bucket()
    groups: dict[str, dict[str, _Bucket]] = {
        "by_provider": defaultdict(_Bucket),
        "by_model": defaultdict(_Bucket),
        "by_day": defaultdict(_Bucket),
    }
    for row in await session.execute(statement):
        total.add(row)
        groups["by_provider"][row.provider_id or "none"].add(row)
        groups["by_model"][row.model or "none"].add(row)
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        groups["by_day"][created.date().isoformat()].add(row)
    return {
        "from": since.isoformat(),
        "to": until.isoformat(),
        "totals": total.as_dict(),
        **{
            name: [{"key": key, **bucket.as_dict()} for key, bucket in sorted(buckets.items())]
            for name, buckets in groups.items()
        },
    }
