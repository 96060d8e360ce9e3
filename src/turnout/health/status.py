"""Provider health as a pure state machine: a state and one outcome in, the next state out.

    unknown ──success──> healthy (degraded when the check was slow)
    healthy ──failure──> degraded (intermittent) ──N consecutive failures──> unhealthy
    degraded / unhealthy ──M consecutive successes──> healthy (degraded when slow)

A failure while unhealthy keeps it unhealthy; a success short of M keeps the status it had.
Outcomes come from scheduled checks (with their latency) and from live traffic (no latency:
a long completion says nothing about how slow the provider is), so only checks move
`latency_ms` and `last_check_at`. No I/O here: the tracker and monitor do that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

HealthStatus = Literal["unknown", "healthy", "degraded", "unhealthy"]
STATUSES: tuple[HealthStatus, ...] = ("unknown", "healthy", "degraded", "unhealthy")
OutcomeSource = Literal["check", "traffic"]
MAX_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """When a provider counts as unhealthy, recovered or slow."""

    failure_threshold: int = 3
    recovery_threshold: int = 2
    degraded_latency_ms: float = 5000.0

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.recovery_threshold < 1:
            raise ValueError("thresholds must be at least 1")
        if self.degraded_latency_ms <= 0:
            raise ValueError("degraded_latency_ms must be positive")

    def is_slow(self, latency_ms: float | None) -> bool:
        return latency_ms is not None and latency_ms > self.degraded_latency_ms


@dataclass(frozen=True, slots=True)
class Outcome:
    """One health signal: a scheduled check or a live request's attempt."""

    ok: bool
    at: datetime
    source: OutcomeSource = "check"
    latency_ms: float | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HealthState:
    """What is known of one provider; the columns of its `provider_health` row."""

    status: HealthStatus = "unknown"
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    latency_ms: float | None = None  # of the last successful check
    last_check_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime | None = None  # when the last outcome was observed


def observe(state: HealthState, outcome: Outcome, policy: HealthPolicy) -> HealthState:
    """The state after `outcome`."""
    checked_at = outcome.at if outcome.source == "check" else state.last_check_at
    if not outcome.ok:
        failures = state.consecutive_failures + 1
        unhealthy = failures >= policy.failure_threshold or state.status == "unhealthy"
        return replace(
            state, status="unhealthy" if unhealthy else "degraded",
            consecutive_failures=failures, consecutive_successes=0,
            last_error=(outcome.error or "failed")[:MAX_ERROR_CHARS], last_check_at=checked_at,
            updated_at=outcome.at,
        )
    successes = state.consecutive_successes + 1
    latency = outcome.latency_ms if outcome.source == "check" else state.latency_ms
    fine: HealthStatus = "degraded" if policy.is_slow(latency) else "healthy"
    settled = state.status in ("unknown", "healthy") or successes >= policy.recovery_threshold
    return replace(
        state, status=fine if settled else state.status, consecutive_failures=0,
        consecutive_successes=successes, latency_ms=latency, last_check_at=checked_at,
        last_success_at=outcome.at, updated_at=outcome.at,
    )


def reason(before: HealthState, after: HealthState, policy: HealthPolicy) -> str:
    """Why the status went from `before` to `after`, for alerts and logs."""
    if after.status == "unhealthy":
        return (f"{after.consecutive_failures} consecutive failures "
                f"(threshold {policy.failure_threshold}): {after.last_error}")
    if after.consecutive_failures:
        return f"failed after succeeding: {after.last_error}"
    if after.status == "degraded" and after.latency_ms is not None:
        return f"latency {after.latency_ms:.0f} ms above {policy.degraded_latency_ms:.0f} ms"
    if before.status == "unknown":
        return "first successful check"
    return f"{after.consecutive_successes} consecutive successes"
