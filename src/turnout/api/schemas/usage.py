"""The usage report as GET /api/v1/llm/usage shows it.

The body is built by `turnout.gateway.usage_report.usage_report`; tests/api/test_openapi.py
checks that these models read a real report back unchanged, so the two cannot drift apart.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LatencyPercentiles(BaseModel):
    """Milliseconds; null when the group has no requests."""

    p50: float | None
    p95: float | None
    p99: float | None


class UsageFigures(BaseModel):
    requests: int
    errors: int
    error_rate: float = Field(description="errors / requests, 0 when there were none")
    total_tokens: int
    cost: float
    cache_hits: int
    cache_hit_rate: float = Field(description="cache_hits / requests, 0 when there were none")
    latency_ms: LatencyPercentiles


class UsageGroup(UsageFigures):
    key: str = Field(
        description="the provider id, the model or the UTC day (YYYY-MM-DD); `none` when unknown"
    )


class UsageReport(BaseModel):
    """Totals and breakdowns of the tenant's requests in [from, to)."""

    model_config = ConfigDict(populate_by_name=True)
    # Strings, echoed as the report wrote them (ISO 8601, the caller's offset kept): a
    # `datetime` field would re-render UTC as "Z" and change the body.
    since: str = Field(alias="from", json_schema_extra={"format": "date-time"})
    until: str = Field(alias="to", json_schema_extra={"format": "date-time"})
    clipped: bool = Field(
        description="true when the asked range was longer than 92 days: `from` was moved up to "
        "92 days before `to`"
    )
    totals: UsageFigures
    by_provider: list[UsageGroup]
    by_model: list[UsageGroup]
    by_day: list[UsageGroup]
