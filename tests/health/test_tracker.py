"""The in-memory view every replica keeps: merging stored rows, and the request-path reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from turnout.errors import TurnoutError, UpstreamAuthError, UpstreamServerError
from turnout.gateway.context import Attempt, AttemptStatus, Caller
from turnout.gateway.events import Operation, RequestFinished
from turnout.gateway.events import Outcome as EventOutcome
from turnout.health import HealthPolicy, HealthState, HealthTracker, Outcome, ProviderRef
from turnout.health.observer import HealthObserver
from turnout.providers import Usage

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


def traffic(*attempts: Attempt) -> RequestFinished:
    return RequestFinished(
        caller=Caller("t1"), request_id="r", operation=Operation.GENERATE,
        outcome=EventOutcome.OK, provider=A, model="gpt", usage=Usage(), cost=0.0,
        latency_ms=1.0, attempts=attempts, cacheable=False,
    )


def failed(error: TurnoutError) -> Attempt:
    return Attempt(A, "gpt", AttemptStatus.ERROR, error=error)


def test_live_traffic_counts_transient_failures_and_successes_only():
    tracker = HealthTracker(HealthPolicy(failure_threshold=2))
    reported = []
    observer = HealthObserver(tracker, reported.append, now=lambda: T0)
    observer.request_finished(traffic(*(failed(UpstreamAuthError("bad key")) for _ in range(5))))
    assert tracker.state("a").status == "unknown"  # a refused key is not ill health
    observer.request_finished(traffic(failed(UpstreamServerError("sk-abcdefghijklmnopqrst broke"))))
    observer.request_finished(
        traffic(failed(UpstreamServerError("502")), Attempt(A, "gpt", AttemptStatus.CANCELLED))
    )
    assert [(t.from_status, t.to_status) for t in reported] == [
        ("unknown", "degraded"), ("degraded", "unhealthy"),
    ]
    assert tracker.is_unhealthy("a")
    assert "sk-abcdefghij" not in (reported[0].after.last_error or "")
    ok = Attempt(A, "gpt", AttemptStatus.OK)
    observer.request_finished(traffic(ok, ok))
    assert reported[-1].to_status == "healthy" and not tracker.is_unhealthy("a")


def test_successes_of_a_settled_provider_are_recorded_once_a_second():
    tracker = HealthTracker(HealthPolicy())
    clock = [100.0]
    times = iter(T0 + timedelta(seconds=n) for n in range(100))
    observer = HealthObserver(tracker, lambda _: None, now=lambda: next(times),
                              clock=lambda: clock[0])
    ok = Attempt(A, "gpt", AttemptStatus.OK)
    observer.request_finished(traffic(ok))  # unknown → healthy
    observer.request_finished(traffic(ok))
    recorded = tracker.state("a").updated_at
    for _ in range(5):
        observer.request_finished(traffic(ok))
    assert tracker.state("a").updated_at == recorded  # within the second: nothing new to say
    observer.request_finished(traffic(failed(UpstreamServerError("502"))))
    assert tracker.state("a").status == "degraded"  # a failure is never held back
    observer.request_finished(traffic(ok))
    assert tracker.state("a").consecutive_successes == 1  # nor the success after it
    observer.request_finished(traffic(ok))
    assert tracker.state("a").status == "healthy"
    clock[0] += 1.5
    before = tracker.state("a").updated_at
    observer.request_finished(traffic(ok))
    assert tracker.state("a").updated_at != before
