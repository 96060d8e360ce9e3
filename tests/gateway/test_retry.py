"""Retry policy: bounded exponential backoff with jitter, Retry-After first, transient only."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.errors import (
    ContentFiltered,
    ContextLengthExceeded,
    InternalError,
    ModelNotFound,
    QuotaExceeded,
    RateLimited,
    UpstreamAuthError,
    UpstreamConnectionError,
    UpstreamInvalidRequest,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamTimeout,
    ValidationFailed,
)
from turnout.gateway.retry import RetryPolicy

TRANSIENT = [
    UpstreamTimeout("slow"),
    UpstreamConnectionError("reset"),
    UpstreamServerError("503", upstream_status=503),
    UpstreamRateLimited("429", retry_after_s=2.0),
]
PERMANENT = [
    UpstreamAuthError("bad key"),
    UpstreamInvalidRequest("bad body"),
    QuotaExceeded("no balance"),
    ContentFiltered("refused"),
    ContextLengthExceeded("too long"),
    ModelNotFound("no such model"),
    RateLimited("our own limit"),
    ValidationFailed([]),
    InternalError("bug"),
    TimeoutError("foreign: must be translated before it can be retried"),
    ValueError("bug"),
]

policies = st.builds(
    RetryPolicy,
    base_delay_s=st.floats(0.0, 2.0),
    max_delay_s=st.floats(2.0, 60.0),
    multiplier=st.floats(1.0, 4.0),
    jitter=st.sampled_from(["full", "equal"]),
)


@settings(max_examples=200, deadline=None)
@given(
    policy=policies,
    seed=st.integers(0, 2**32),
    retry_after_s=st.one_of(st.none(), st.floats(-5.0, 10_000.0)),
    remaining_s=st.one_of(st.none(), st.floats(-1.0, 300.0)),
    errors=st.lists(st.sampled_from(TRANSIENT + PERMANENT), min_size=1, max_size=10),
)
def test_property_10_exponential_backoff_retry(
    policy: RetryPolicy,
    seed: int,
    retry_after_s: float | None,
    remaining_s: float | None,
    errors: list[BaseException],
) -> None:
    rng = random.Random(seed)
    ceilings = [policy.ceiling(n) for n in range(1, 12)]
    # The ceiling grows like base * multiplier**(n-1) until the cap, so the expected delay
    # (ceiling/2 with full jitter, 3/4 of it with equal jitter) never shrinks.
    assert ceilings == sorted(ceilings)
    for n, ceiling in enumerate(ceilings, start=1):
        assert ceiling == pytest.approx(
            min(policy.base_delay_s * policy.multiplier ** (n - 1), policy.max_delay_s)
        )
        delay = policy.delay_for(n, rng=rng)
        floor = 0.0 if policy.jitter == "full" else ceiling / 2
        assert floor <= delay <= ceiling <= policy.max_delay_s

    honoured = policy.delay_for(1, retry_after_s=retry_after_s, rng=rng, remaining_s=remaining_s)
    limit = float("inf") if remaining_s is None else max(remaining_s, 0.0)
    if retry_after_s is None:
        assert honoured <= min(ceilings[0], limit)
    else:
        assert honoured == min(max(retry_after_s, 0.0), 120.0, limit)

    attempts = 0
    for error in errors:
        attempts += 1
        if not policy.should_retry(error, attempts):
            break
    assert attempts <= 3
    first_permanent = next((i for i, e in enumerate(errors) if e in PERMANENT), len(errors))
    assert attempts == min(3, first_permanent + 1, len(errors))


@pytest.mark.parametrize("error", TRANSIENT, ids=lambda e: type(e).__name__)
def test_transient_errors_are_retried_until_the_last_attempt(error: BaseException) -> None:
    policy = RetryPolicy()
    assert [policy.should_retry(error, n) for n in (1, 2, 3)] == [True, True, False]


@pytest.mark.parametrize("error", PERMANENT, ids=lambda e: type(e).__name__)
def test_permanent_errors_are_never_retried(error: BaseException) -> None:
    assert not RetryPolicy().should_retry(error, 1)


def test_default_schedule() -> None:
    policy = RetryPolicy(jitter="equal")
    assert [policy.ceiling(n) for n in range(1, 8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.ceiling(10_000) == 8.0
    rng = random.Random(7)
    assert 0.125 <= policy.delay_for(1, rng=rng) <= 0.25


def test_retry_after_wins_but_is_capped() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    assert policy.delay_for(1, retry_after_s=30.0, rng=rng) == 30.0
    assert policy.delay_for(1, retry_after_s=3600.0, rng=rng) == 120.0
    assert policy.delay_for(1, retry_after_s=30.0, rng=rng, remaining_s=4.5) == 4.5


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"base_delay_s": -1},
        {"base_delay_s": 10, "max_delay_s": 1},
        {"multiplier": 0.5},
        {"jitter": "none"},
    ],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
