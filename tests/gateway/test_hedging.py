"""Hedged attempts: a slow candidate is raced by the next one; the first answer wins."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from tests.gateway.fakes import Step, StubRuntime, switcher_for
from tests.gateway.helpers import ask, providers
from tests.gateway.test_properties import WAIT_S, request

from turnout.fakeupstream import Fault
from turnout.gateway.context import AttemptStatus
from turnout.gateway.hedging import CEILING_S, FLOOR_S, HedgePolicy


def test_the_delay_follows_the_providers_p95_between_floor_and_ceiling():
    policy = HedgePolicy()
    assert policy.delay_s("p", {}) == CEILING_S  # nothing observed yet
    for _ in range(95):
        policy.observe("p", 0.6)
    for _ in range(5):
        policy.observe("p", 3.0)
    assert policy.delay_s("p", {}) == 0.6
    for _ in range(200):
        policy.observe("fast", 0.01)
        policy.observe("slow", 30.0)
    assert policy.delay_s("fast", {}) == FLOOR_S
    assert policy.delay_s("slow", {}) == CEILING_S
    assert policy.delay_s("p", {"hedge_delay_ms": 1500}) == 1.5
    assert policy.delay_s("p", {"hedging": False}) is None


async def test_a_slow_primary_is_hedged_and_the_loser_is_cancelled():
    """The primary never answers and its timeout is an hour away: only a hedge can answer."""
    runtime = StubRuntime()
    alpha = runtime.add("alpha", hedge_delay_ms=50, timeout_s=3600)
    alpha.enqueue(Step(hang=True))
    runtime.add("beta")
    runtime.route("alpha", "beta")
    switcher, usage = switcher_for(runtime)
    result = await asyncio.wait_for(switcher.generate(request()), WAIT_S)
    assert result.provider_id == "beta"
    statuses = [(a.provider.id, a.status) for a in result.attempts]
    assert statuses == [("beta", AttemptStatus.OK), ("alpha", AttemptStatus.CANCELLED)]
    assert alpha.abandoned == alpha.history and len(alpha.history) == 1
    assert usage.rows[-1]["attempts"] == 2 and usage.rows[-1]["status"] == "ok"


async def test_without_hedging_the_slow_primary_is_awaited():
    runtime = StubRuntime()
    runtime.add("alpha", hedging=False).enqueue(Step(delay_s=0.3))
    runtime.add("beta")
    runtime.route("alpha", "beta")
    switcher, _ = switcher_for(runtime)
    result = await switcher.generate(request())
    assert result.provider_id == "alpha"
    assert [a.status for a in result.attempts] == [AttemptStatus.OK]
    assert runtime.providers["beta"].adapter.history == []


async def test_a_hedge_counts_against_the_fallbacks_rate_limit():
    runtime = StubRuntime()
    runtime.add("alpha", hedge_delay_ms=20).enqueue(Step(delay_s=0.2), Step(delay_s=0.2))
    runtime.add("beta", rpm=1)
    runtime.route("alpha", "beta")
    switcher, _ = switcher_for(runtime)
    first = await switcher.generate(request())
    second = await switcher.generate(request())
    assert first.provider_id == "beta"
    # The fallback's one request of the minute went to the first hedge: the second waits.
    assert second.provider_id == "alpha"
    assert ("beta", "RATE_LIMITED") in [(a.provider.id, a.code) for a in second.attempts]


async def test_no_hedge_once_the_stream_has_started():
    runtime = StubRuntime()
    alpha = runtime.add("alpha", hedge_delay_ms=20)
    runtime.add("beta")
    runtime.route("alpha", "beta")

    async def slow_after_first_piece(req):
        from turnout.providers import StreamEvent, Usage

        yield StreamEvent(delta="first ")
        await asyncio.sleep(0.2)
        yield StreamEvent(delta="second")
        yield StreamEvent(done=True, finish_reason="stop", usage=Usage.of(1, 2))

    alpha.stream_generate = slow_after_first_piece  # type: ignore[method-assign]
    switcher, _ = switcher_for(runtime)
    items = [item async for item in switcher.stream(request())]
    assert "".join(i.text for i in items) == "first second"
    final = items[-1].result
    assert final is not None and final.provider_id == "alpha"
    assert runtime.providers["beta"].adapter.history == []


@pytest.mark.parametrize("fault_rate", [0.1, 0.3])
async def test_hedging_answers_every_request_without_waiting_for_a_hung_call(
    client, tenant, upstream, fault_rate
):
    """The primary fails `fault_rate` of its calls, half of them by hanging, and its attempt
    timeout is ten minutes: a request that waited for a hung call would not be answered within
    the bound. 50 clients at once all get answers, each hung call raced by a hedge.

    The delay is fixed here: 50 clients and the fake upstream share this process's one event
    loop, and latencies stretched by that would stretch a delay learnt from them (how the delay
    follows latency is the first test's subject; the benchmark measures it under real load).
    """
    setup = await providers(
        client, tenant, upstream, "openai", "deepseek", timeout_s=600, hedge_delay_ms=300
    )
    for _ in range(10):  # the primary's usual latency is learnt from its answers
        warm_up = await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())
        assert warm_up.status_code == 200
    half = fault_rate / 2
    upstream.set_fault(Fault(hang=True, rate=half, flavors=("openai",)))
    upstream.add_fault(Fault(error="server_error", rate=half / (1 - half), flavors=("openai",)))
    answers: list[httpx.Response] = []

    async def one_client() -> None:
        for _ in range(6):
            answers.append(await client.post(
                "/api/v1/llm/generate", json=ask("hedged"), headers=setup.member()
            ))

    await asyncio.wait_for(asyncio.gather(*(one_client() for _ in range(50))), 120)
    upstream.set_fault(None)
    assert [answer.status_code for answer in answers] == [200] * 300
    bodies = [answer.json() for answer in answers]
    hedged = [
        body for body in bodies
        if ("openai", "cancelled") in [(a["provider"], a["status"]) for a in body["attempts"]]
    ]
    assert hedged, "no call hung: the faults were not applied"
    assert all(body["provider_id"] == setup.ids["deepseek"] for body in hedged)
