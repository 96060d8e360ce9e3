"""The in-memory view every replica keeps: merging stored rows, and the request-path reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from turnout.errors import UpstreamAuthError, UpstreamServerError
from turnout.gateway.candidates import Candidate
from turnout.gateway.context import Attempt
from turnout.health import HealthPolicy, HealthState, HealthTracker, Outcome, ProviderRef
from turnout.health.observer import HealthObserver

T0 = datetime(2026, 1, 1, tzinfo=UTC)
A = ProviderRef("a", "t1", "alpha", "openai")
B = ProviderRef("b", "t1", "beta", "qwen")
C = ProviderRef("c", "t2", "gamma", "openai", enabled=False)


def state(status: str, seconds: int) -> HealthState:
    return HealthState(status=status, updated_at=T0 + timedelta(seconds=seconds))  # type: ignore[arg-type]


def test_merge_keeps_whichever_state_was_observed_last():
    tracker = HealthTracker(HealthPolicy())
    tracker.merge([(A, state("healthy", 10)), (B, state("unhealthy", 10))])
    tracker.record(A, Outcome(False, T0 + timedelta(seconds=20), "traffic", error="TIMEOUT"))
    # A's stored row is older than what this replica saw since; B's is newer.
    tracker.merge([(A, state("healthy", 15)), (B, state("healthy", 30))])
    assert tracker.state("a").status == "degraded"
    assert tracker.state("b").status == "healthy" and not tracker.is_unhealthy("b")


def test_a_complete_merge_forgets_deleted_providers_and_keeps_unstored_ones():
    tracker = HealthTracker(HealthPolicy())
    tracker.merge([(A, state("unhealthy", 1)), (B, state("healthy", 1))])
    tracker.record(C, Outcome(True, T0, "traffic"))
    tracker.merge([(B, None), (C, None)], complete=True)
    assert tracker.ref("a") is None and not tracker.is_unhealthy("a")
    assert tracker.state("b").status == "healthy"  # never stored: what we know stays
    assert tracker.state("c").status == "healthy"


def test_counts_and_healthy_providers_cover_enabled_providers_only():
    tracker = HealthTracker(HealthPolicy())
    tracker.merge([(A, state("healthy", 1)), (B, state("unhealthy", 1)), (C, state("healthy", 1))])
    assert tracker.counts() == {("openai", "healthy"): 1, ("qwen", "unhealthy"): 1}
    assert tracker.healthy_providers("t1") == ["a"]
    assert tracker.healthy_providers("t2") == []
    assert tracker.provider_type("b") == "qwen" and tracker.provider_type("zzz") is None


class Live:
    def __init__(self, ref: ProviderRef) -> None:
        self.id, self.tenant_id, self.name = ref.id, ref.tenant_id, ref.name
        self.provider_type, self.enabled = ref.provider_type, ref.enabled


def test_live_traffic_counts_transient_failures_and_successes_only():
    tracker = HealthTracker(HealthPolicy(failure_threshold=2))
    reported = []
    observer = HealthObserver(tracker, reported.append, now=lambda: T0)
    candidate = Candidate(Live(A), None, chosen=True)  # type: ignore[arg-type]
    attempt = Attempt("a", "alpha", "openai", "gpt", "error")
    for _ in range(5):
        observer.attempt(candidate, attempt, UpstreamAuthError("bad key"))
    assert tracker.state("a").status == "unknown"  # a refused key is not ill health
    observer.attempt(candidate, attempt, UpstreamServerError("sk-abcdefghijklmnopqrst broke"))
    observer.attempt(candidate, attempt, UpstreamServerError("502"))
    assert [(t.from_status, t.to_status) for t in reported] == [
        ("unknown", "degraded"), ("degraded", "unhealthy"),
    ]
    assert tracker.is_unhealthy("a")
    assert "sk-abcdefghij" not in (reported[0].after.last_error or "")
    observer.attempt(candidate, Attempt("a", "alpha", "openai", "gpt", "ok"), None)
    observer.attempt(candidate, Attempt("a", "alpha", "openai", "gpt", "ok"), None)
    assert reported[-1].to_status == "healthy" and not tracker.is_unhealthy("a")
