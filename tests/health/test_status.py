"""Property 15: health status management — thresholds, recovery, latency, transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.health import HealthPolicy, HealthState, HealthTracker, Outcome, ProviderRef
from turnout.health.status import MAX_ERROR_CHARS, observe, reason

REF = ProviderRef("p1", "t1", "primary", "openai")
START = datetime(2026, 1, 1, tzinfo=UTC)

policies = st.builds(
    HealthPolicy,
    failure_threshold=st.integers(1, 5),
    recovery_threshold=st.integers(1, 4),
    degraded_latency_ms=st.sampled_from([100.0, 1000.0, 5000.0]),
)
outcome_specs = st.tuples(
    st.booleans(),  # ok
    st.sampled_from(["check", "traffic"]),
    st.floats(0, 10_000, allow_nan=False),  # a check's latency
    st.text(max_size=700),  # error text
)


def outcomes(specs: list[tuple[bool, str, float, str]]) -> list[Outcome]:
    return [
        Outcome(ok, START + timedelta(seconds=i), source,  # type: ignore[arg-type]
                latency if source == "check" else None, None if ok else error or "boom")
        for i, (ok, source, latency, error) in enumerate(specs)
    ]


def trailing(history: list[Outcome], ok: bool) -> int:
    count = 0
    for outcome in reversed(history):
        if outcome.ok != ok:
            break
        count += 1
    return count


@settings(max_examples=300)
@given(policy=policies, specs=st.lists(outcome_specs, max_size=40))
def test_property_15_health_status_management(policy, specs):
    tracker = HealthTracker(policy)
    assert tracker.state(REF.id).status == "unknown" and not tracker.is_unhealthy(REF.id)
    history = outcomes(specs)
    before = HealthState()
    reached_failure_threshold = False
    for step, outcome in enumerate(history):
        transition = tracker.record(REF, outcome)
        state = tracker.state(REF.id)
        seen = history[: step + 1]
        failures, successes = trailing(seen, False), trailing(seen, True)
        reached_failure_threshold |= failures >= policy.failure_threshold

        # Counters are the runs of equal outcomes at the end of the history.
        assert (state.consecutive_failures, state.consecutive_successes) == (failures, successes)
        # A provider that has been checked or used is never unknown again.
        assert state.status != "unknown"
        # N consecutive failures make it unhealthy; it is never unhealthy before that.
        if failures >= policy.failure_threshold:
            assert state.status == "unhealthy"
        if not reached_failure_threshold:
            assert state.status != "unhealthy"
        # A failure below the threshold after working is intermittent: degraded.
        if not outcome.ok and before.status in ("healthy", "degraded", "unknown"):
            expected = "unhealthy" if failures >= policy.failure_threshold else "degraded"
            assert state.status == expected
            assert state.last_error == outcome.error[:MAX_ERROR_CHARS]
        # Recovery: M consecutive successes end any trouble; slow checks mean degraded.
        if successes >= policy.recovery_threshold:
            assert state.status == ("degraded" if policy.is_slow(state.latency_ms) else "healthy")
        # Leaving unhealthy takes M consecutive successes (no flapping on one good answer).
        if before.status == "unhealthy" and state.status != "unhealthy":
            assert successes >= policy.recovery_threshold
        # Only checks measure latency and count as checks; live traffic says nothing of either.
        if outcome.source == "traffic":
            assert state.latency_ms == before.latency_ms
            assert state.last_check_at == before.last_check_at
        else:
            assert state.last_check_at == outcome.at
        if outcome.ok:
            assert state.last_success_at == outcome.at
        # Exactly the status changes are transitions (so alerts never repeat a status).
        if state.status == before.status:
            assert transition is None
        else:
            assert transition is not None
            assert (transition.from_status, transition.to_status) == (before.status, state.status)
            assert transition.reason
        assert tracker.is_unhealthy(REF.id) == (state.status == "unhealthy")
        before = state


def test_three_failures_then_two_successes():
    policy = HealthPolicy()
    states = [HealthState()]
    for ok in (True, False, False, False, True, True):
        at = START + timedelta(seconds=len(states))
        outcome = Outcome(ok, at, "check", 12.0, None if ok else "UPSTREAM_ERROR: boom")
        states.append(observe(states[-1], outcome, policy))
    assert [s.status for s in states] == [
        "unknown", "healthy", "degraded", "degraded", "unhealthy", "unhealthy", "healthy",
    ]
    assert reason(states[3], states[4], policy) == (
        "3 consecutive failures (threshold 3): UPSTREAM_ERROR: boom"
    )
    assert reason(states[5], states[6], policy) == "2 consecutive successes"
    assert reason(states[0], states[1], policy) == "first successful check"


def test_a_slow_check_degrades_and_a_fast_one_restores():
    policy = HealthPolicy(degraded_latency_ms=500)
    slow = observe(HealthState(), Outcome(True, START, "check", 800.0), policy)
    assert slow.status == "degraded"
    assert reason(HealthState(status="healthy"), slow, policy) == "latency 800 ms above 500 ms"
    fast = observe(slow, Outcome(True, START, "check", 20.0), policy)
    assert fast.status == "healthy" and fast.latency_ms == 20.0
    # Live traffic keeps the last measured latency: it cannot tell a slow provider.
    live = observe(slow, Outcome(True, START, "traffic"), policy)
    assert live.latency_ms == 800.0 and live.status == "degraded"


@pytest.mark.parametrize(
    "kwargs", [{"failure_threshold": 0}, {"recovery_threshold": 0}, {"degraded_latency_ms": 0}]
)
def test_policy_refuses_meaningless_thresholds(kwargs):
    with pytest.raises(ValueError):
        HealthPolicy(**kwargs)
