"""Properties 7, 8, 9, 11, 12 and 13 of the switcher, on scripted in-memory providers."""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.gateway.fakes import Step, StubRuntime, switcher_for

from turnout.errors import (
    AllProvidersFailed,
    ContentFiltered,
    QuotaExceeded,
    UpstreamAuthError,
    UpstreamConnectionError,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamTimeout,
)
from turnout.gateway.context import Caller, GatewayRequest
from turnout.providers import ChatRequest

TRANSIENT = [UpstreamServerError, UpstreamConnectionError, UpstreamTimeout, UpstreamRateLimited]
PERMANENT = [UpstreamAuthError, QuotaExceeded, ContentFiltered]
errors = st.sampled_from(TRANSIENT + PERMANENT).map(lambda cls: cls("boom", provider="p"))
# What one provider does for one request: a list of failures before (maybe) answering.
behaviour = st.tuples(st.lists(errors, max_size=4), st.booleans())
NAMES = ["alpha", "beta", "gamma", "delta"]
# An upper bound for calls that must not hang, far above what any machine takes: never a measure.
WAIT_S = 30


def request(text: str = "hi", **chat) -> GatewayRequest:
    return GatewayRequest(
        caller=Caller("t", api_key_id="k"),
        request_id="req-1",
        chat=ChatRequest(messages=[{"role": "user", "content": text}], **chat),
    )


def expected_calls(failures, answers: bool, max_attempts: int = 3) -> tuple[int, bool]:
    """How many calls a provider gets with these failures, and whether it ends up answering."""
    calls = 0
    for error in failures:
        calls += 1
        if not error.retryable or calls == max_attempts:
            return calls, False
    if calls == max_attempts:
        return calls, False
    return calls + 1, answers


def scripted(runtime: StubRuntime, plan) -> None:
    for name, (failures, answers) in zip(NAMES, plan, strict=False):
        provider = runtime.add(name)
        provider.enqueue(*(Step(error=e) for e in failures))
        if not answers:
            provider.enqueue(
                *(Step(error=UpstreamAuthError("no", provider=name)) for _ in range(4))
            )
    runtime.route(*NAMES[: len(plan)])


@settings(max_examples=150, deadline=None)
@given(plan=st.lists(behaviour, min_size=1, max_size=4))
async def test_property_07_automatic_failover(plan):
    runtime = StubRuntime()
    scripted(runtime, plan)
    switcher, _ = switcher_for(runtime)
    outcomes = [expected_calls(failures, answers) for failures, answers in plan]
    winner = next((i for i, (_, ok) in enumerate(outcomes) if ok), None)
    if winner is None:
        with pytest.raises(AllProvidersFailed):
            await switcher.generate(request())
        return
    result = await switcher.generate(request())
    assert result.provider_id == NAMES[winner]
    for index in range(winner + 1):
        assert len(runtime.providers[NAMES[index]].adapter.history) == outcomes[index][0]
    for later in NAMES[winner + 1 : len(plan)]:
        assert runtime.providers[later].adapter.history == []


@settings(max_examples=100, deadline=None)
@given(
    plan=st.lists(behaviour, min_size=2, max_size=4),
    text=st.text(min_size=1, max_size=40),
    temperature=st.none() | st.floats(0.1, 2),
    max_tokens=st.none() | st.integers(1, 500),
    stop=st.none() | st.lists(st.text(min_size=1, max_size=5), max_size=2),
)
async def test_property_08_request_context_preservation(plan, text, temperature, max_tokens, stop):
    runtime = StubRuntime()
    scripted(runtime, plan)
    switcher, usage = switcher_for(runtime)
    work = request(text, temperature=temperature, max_tokens=max_tokens, stop=stop)
    with contextlib.suppress(AllProvidersFailed):
        await switcher.generate(work)
    seen = [req for live in runtime.providers.values() for req in live.adapter.history]
    assert seen
    for req in seen:
        assert list(req.messages) == [{"role": "user", "content": text}]
        assert (req.temperature, req.max_tokens, req.stop) == (temperature, max_tokens, stop)
    assert {row["request_id"] for row in usage.rows} == {"req-1"}
    assert {row["tenant_id"] for row in usage.rows} == {"t"}


@settings(max_examples=100, deadline=None)
@given(
    requests=st.lists(
        st.tuples(st.sampled_from(["ok", "fail", "repeat"]), st.text(min_size=1, max_size=10)),
        min_size=1,
        max_size=12,
    )
)
async def test_property_09_usage_statistics_tracking(requests):
    runtime = StubRuntime()
    provider = runtime.add("alpha", max_retries=0)
    runtime.route("alpha")
    switcher, usage = switcher_for(runtime)
    answered_tokens = 0
    for kind, text in requests:
        if kind == "fail":
            provider.enqueue(Step(error=UpstreamAuthError("no", provider="alpha")))
        try:
            result = await switcher.generate(
                request(text, temperature=0 if kind == "repeat" else 0.5)
            )
            if not result.cached:
                answered_tokens += result.usage.total_tokens
        except AllProvidersFailed:
            pass
    assert len(usage.rows) == len(requests)
    assert sum(r["status"] == "error" for r in usage.rows) == sum(k == "fail" for k, _ in requests)
    assert sum(r["total_tokens"] for r in usage.rows) == answered_tokens
    assert all((r["latency_ms"] >= 0 and r["attempts"] >= 1) or r["cached"] for r in usage.rows)


@settings(max_examples=100, deadline=None)
@given(
    plan=st.lists(
        st.tuples(st.lists(errors, min_size=1, max_size=3), st.just(False)), min_size=1, max_size=4
    )
)
async def test_property_11_comprehensive_error_reporting(plan):
    runtime = StubRuntime()
    scripted(runtime, plan)
    switcher, _ = switcher_for(runtime)
    with pytest.raises(AllProvidersFailed) as raised:
        await switcher.generate(request())
    attempts = raised.value.attempts
    calls = sum(len(live.adapter.history) for live in runtime.providers.values())
    assert len(attempts) == calls
    assert [a.provider.name for a in attempts] == [
        name for name in NAMES[: len(plan)] for _ in runtime.providers[name].adapter.history
    ]
    assert all(a.code and a.error and a.status == "error" for a in attempts)


@settings(max_examples=100, deadline=None)
@given(slow=st.lists(st.booleans(), min_size=1, max_size=3))
async def test_property_12_timeout_enforcement(slow):
    """A call slower than timeout_s is abandoned at its deadline and reported as TIMEOUT; fast
    ones answer. The slow calls here never finish by themselves: waiting for one would hang."""
    timeout = 0.02
    runtime = StubRuntime()
    provider = runtime.add("alpha", max_retries=len(slow) - 1)
    provider.enqueue(*(Step(hang=s) for s in slow))
    runtime.route("alpha")
    switcher, _ = switcher_for(runtime)
    try:
        result = await asyncio.wait_for(switcher.generate(request(timeout_s=timeout)), WAIT_S)
        codes = [a.code for a in result.attempts]
    except AllProvidersFailed as failed:
        codes = [a.code for a in failed.attempts]
    expected = []
    for s in slow:
        expected.append("TIMEOUT" if s else None)
        if not s:
            break
    assert codes == expected
    assert [call.timeout_s for call in provider.history] == [timeout] * len(expected)
    assert provider.abandoned == [
        call for call, code in zip(provider.history, expected, strict=True) if code == "TIMEOUT"
    ]


@settings(max_examples=100, deadline=None)
@given(retry_after=st.floats(0.001, 200), deadline=st.floats(1, 200))
async def test_property_13_rate_limit_handling(retry_after, deadline):
    """An upstream 429 waits exactly Retry-After before the next try, or fails over at once."""
    runtime = StubRuntime()
    runtime.add("alpha").enqueue(
        Step(error=UpstreamRateLimited("429", provider="alpha", retry_after_s=retry_after))
    )
    runtime.add("beta")
    runtime.route("alpha", "beta")
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    switcher, _ = switcher_for(runtime, sleep=fake_sleep)
    work = request()
    work.deadline_s = deadline
    result = await switcher.generate(work)
    if retry_after < work.remaining_s():
        # A Retry-After longer than two minutes is not believed beyond two minutes.
        assert slept == [pytest.approx(min(retry_after, 120))]
        assert result.provider_id == "alpha"
    else:
        assert slept == []
        assert result.provider_id == "beta"


def test_backoff_jitter_is_reproducible():
    from turnout.gateway.retry import RetryPolicy

    policy = RetryPolicy()
    a = [policy.delay_for(n, rng=random.Random(7)) for n in (1, 2)]
    b = [policy.delay_for(n, rng=random.Random(7)) for n in (1, 2)]
    assert a == b
