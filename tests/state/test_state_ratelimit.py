"""Rate limiter: never more than the limit in any window, honest Retry-After, fail open."""

from __future__ import annotations

import asyncio
import secrets

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from tests.state.conftest import WAIT_S, SilentRedis

from turnout.state.factory import redis_client
from turnout.state.ratelimit import (
    BUCKETS_PER_WINDOW,
    UNLIMITED,
    MemoryRateLimiter,
    RateDecision,
    RedisRateLimiter,
    Spend,
)

# The ``state`` harness is shared by every example; each example uses fresh keys.
STATE_PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

US = 1_000_000


def gaps_us(window_us: int, buckets: int) -> st.SearchStrategy[int]:
    """Pauses between requests, dense near the edges where a window or bucket ends."""
    bucket_us = window_us // buckets
    return st.one_of(
        st.just(0),
        st.integers(0, 2 * bucket_us),
        st.integers(window_us - 2 * bucket_us, window_us + bucket_us),
        st.integers(0, 2 * window_us),
    )


def busiest_window(allowed: list[tuple[int, int]], window_us: int) -> int:
    """The largest total cost inside any closed interval of ``window_us``."""
    return max(
        (sum(c for t, c in allowed if start <= t <= start + window_us) for start, _ in allowed),
        default=0,
    )


def run_now(coro):
    """Drive a coroutine that must never suspend (the memory limiter does no I/O)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the memory limiter suspended")


@STATE_PROPERTY
@given(data=st.data())
async def test_property_29_rate_limiting(state, data) -> None:
    limit = data.draw(st.integers(1, 8), label="limit")
    window_s = data.draw(st.sampled_from([1.0, 2.5, 10.0, 60.0]), label="window_s")
    # Redis runs a smaller bounded version: every step is a round trip.
    max_steps = 60 if state.client is None else 25
    steps = data.draw(
        st.lists(
            st.tuples(gaps_us(round(window_s * US), BUCKETS_PER_WINDOW), st.integers(0, limit + 1)),
            max_size=max_steps,
        ),
        label="steps",
    )
    clock = state.clock()
    limiter = state.limiter(clock)
    key = secrets.token_hex(6)
    allowed: list[tuple[int, int]] = []
    for gap, cost in steps:
        clock.us += gap
        decision = await limiter.acquire(key, limit=limit, window_s=window_s, cost=cost)
        if decision.allowed:
            allowed.append((clock.us, cost))
            assert 0 <= decision.remaining <= limit - cost
        else:
            assert 0 < decision.retry_after_s <= window_s * 1.05 + 1e-6
        if cost > limit:
            assert decision == RateDecision(False, 0, window_s)
    assert busiest_window(allowed, round(window_s * US)) <= limit


async def test_the_limit_then_a_wait_that_is_exactly_long_enough(state) -> None:
    clock = state.clock()
    limiter = state.limiter(clock)
    decisions = [await limiter.acquire("k", limit=3, window_s=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    retry_after = decisions[-1].retry_after_s
    assert 60 < retry_after <= 63
    clock.advance(retry_after - 0.000_001)
    assert not (await limiter.acquire("k", limit=3, window_s=60)).allowed
    clock.advance(0.000_001)
    assert (await limiter.acquire("k", limit=3, window_s=60)).allowed


async def test_a_caller_kept_waiting_gets_99_percent_of_the_limit_and_never_more(state) -> None:
    """Ten minutes of a caller that asks again exactly when told: at least 99 % of 600 per
    minute is granted (the oldest of 100 buckets is counted whole), at most 600 in any minute."""
    clock = state.clock()
    limiter = state.limiter(clock)
    key = secrets.token_hex(6)
    start, granted = clock.us, []
    while clock.us < start + 600 * US:
        decision = await limiter.acquire(key, limit=600, window_s=60.0)
        if decision.allowed:
            granted.append((clock.us, 1))
        else:
            clock.advance(decision.retry_after_s)
    assert len(granted) >= 0.99 * 6000
    assert busiest_window(granted, 60 * US) <= 600


async def test_a_key_in_redis_keeps_only_its_live_buckets(redis, new_namespace) -> None:
    """Buckets that left the window are deleted as time passes, not kept until the key expires,
    and the key's running total is the sum of the buckets it keeps."""
    clock, namespace = _Clock(), new_namespace()
    limiter = RedisRateLimiter(redis, namespace=namespace, clock=clock)
    for step in range(5 * BUCKETS_PER_WINDOW):
        assert (await limiter.acquire("k", limit=10_000, window_s=60.0, cost=step % 3)).allowed
        clock.us += 60 * US // BUCKETS_PER_WINDOW
    [stored] = [k async for k in redis.scan_iter(match=f"{namespace}:rl:k:*")]
    fields = await redis.hgetall(stored)
    buckets = {name: count for name, count in fields.items() if name not in (b"n", b"lo", b"hi")}
    assert len(buckets) <= BUCKETS_PER_WINDOW + 1
    assert int(fields[b"n"]) == sum(int(count) for count in buckets.values())


async def test_token_costs_share_one_budget(state) -> None:
    limiter = state.limiter(state.clock())
    assert (await limiter.acquire("tpm", limit=1000, window_s=60, cost=700)).allowed
    refused = await limiter.acquire("tpm", limit=1000, window_s=60, cost=400)
    assert (refused.allowed, refused.remaining) == (False, 300)
    assert (await limiter.acquire("tpm", limit=1000, window_s=60, cost=300)).allowed


async def test_unlimited_and_impossible_requests(state) -> None:
    limiter = state.limiter(state.clock())
    for limit in (0, -1):
        decision = await limiter.acquire("k", limit=limit, window_s=60, cost=10**9)
        assert decision == RateDecision(True, UNLIMITED, 0.0)
    assert await limiter.acquire("k", limit=5, window_s=60, cost=6) == RateDecision(False, 0, 60)
    assert (await limiter.acquire("k", limit=5, window_s=60, cost=5)).allowed


async def test_keys_are_independent(state) -> None:
    limiter = state.limiter(state.clock())
    assert (await limiter.acquire("a", limit=1, window_s=60)).allowed
    assert (await limiter.acquire("b", limit=1, window_s=60)).allowed
    assert not (await limiter.acquire("a", limit=1, window_s=60)).allowed


async def test_real_clock(state) -> None:
    limiter = state.limiter(None)
    key = secrets.token_hex(6)
    decisions = [await limiter.acquire(key, limit=2, window_s=30) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert 28 < decisions[-1].retry_after_s <= 31.5


@STATE_PROPERTY
@given(
    limit=st.integers(1, 6),
    window_s=st.sampled_from([1.0, 7.5, 60.0]),
    data=st.data(),
)
async def test_memory_and_redis_decide_identically(
    redis, new_namespace, limit, window_s, data
) -> None:
    gaps = gaps_us(round(window_s * US), BUCKETS_PER_WINDOW)
    steps = data.draw(
        st.lists(st.tuples(st.sampled_from("ab"), gaps, st.integers(0, 7)), min_size=1, max_size=20)
    )
    clock = _Clock()
    memory = MemoryRateLimiter(clock=clock)
    shared = RedisRateLimiter(redis, namespace=new_namespace(), clock=clock)
    for key, gap, cost in steps:
        clock.us += gap
        expected = await memory.acquire(key, limit=limit, window_s=window_s, cost=cost)
        assert await shared.acquire(key, limit=limit, window_s=window_s, cost=cost) == expected


async def test_a_hanging_redis_fails_open_and_is_skipped_after_one_fault(
    silent_redis: SilentRedis,
) -> None:
    """The first decision ends at the client's socket timeout and allows; the fault gate then
    skips Redis, so the next four allow without a connection."""
    client = redis_client(silent_redis.url)
    limiter = RedisRateLimiter(client)
    decisions = [await asyncio.wait_for(limiter.acquire("k", limit=1, window_s=60), WAIT_S)]
    tried = silent_redis.connections
    for _ in range(4):
        decisions.append(await asyncio.wait_for(limiter.acquire("k", limit=1, window_s=60), WAIT_S))
    await client.aclose()
    assert all(d.allowed for d in decisions)
    assert tried >= 1 and silent_redis.connections == tried


class _Clock:
    def __init__(self) -> None:
        self.us = 1_000 * US

    def __call__(self) -> float:
        return self.us / US


class MemoryLimiterMachine(RuleBasedStateMachine):
    """Any interleaving of time and requests keeps the limit, and refusals are honest."""

    @initialize(limit=st.integers(1, 10), window_s=st.sampled_from([1.0, 3.0, 60.0]))
    def setup(self, limit: int, window_s: float) -> None:
        self.clock = _Clock()
        self.limiter = MemoryRateLimiter(buckets=4, clock=self.clock)
        self.limit = limit
        self.window_s = window_s
        self.window_us = round(window_s * US)
        self.allowed: dict[str, list[tuple[int, int]]] = {"a": [], "b": []}
        self.last_refusal: tuple[str, int, float] | None = None

    def acquire(self, key: str, cost: int) -> RateDecision:
        coro = self.limiter.acquire(key, limit=self.limit, window_s=self.window_s, cost=cost)
        decision = run_now(coro)
        if decision.allowed:
            self.allowed[key].append((self.clock.us, cost))
        return decision

    @rule(data=st.data())
    def time_passes(self, data: st.DataObject) -> None:
        self.clock.us += data.draw(gaps_us(self.window_us, 4))
        self.last_refusal = None

    @rule(key=st.sampled_from("ab"), cost=st.integers(0, 4))
    def request(self, key: str, cost: int) -> None:
        decision = self.acquire(key, cost)
        recent = sum(
            c
            for t, c in self.allowed[key]
            if t > self.clock.us - self.window_us - self.window_us // 4
        )
        if cost <= self.limit and (decision.allowed is False):
            # Refused only when the last window plus one bucket really is too full.
            assert recent + cost > self.limit
            self.last_refusal = (key, cost, decision.retry_after_s)
        elif decision.allowed:
            self.last_refusal = None

    @precondition(lambda self: self.last_refusal is not None)
    @rule()
    def wait_exactly_retry_after(self) -> None:
        assert self.last_refusal is not None
        key, cost, retry_after_s = self.last_refusal
        self.clock.us += round(retry_after_s * US)
        self.last_refusal = None
        assert self.acquire(key, cost).allowed

    @invariant()
    def never_more_than_the_limit_in_any_window(self) -> None:
        for log in self.allowed.values():
            assert busiest_window(log, self.window_us) <= self.limit


TestMemoryLimiterMachine = MemoryLimiterMachine.TestCase
TestMemoryLimiterMachine.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None
)


async def test_spends_together_are_all_counted_or_none(state) -> None:
    """A request refused for its tokens leaves its request slot unspent, and the reverse."""
    clock = state.clock()
    limiter = state.limiter(clock)
    rpm, tpm = f"rpm-{secrets.token_hex(3)}", f"tpm-{secrets.token_hex(3)}"

    def both(tokens: int) -> list[Spend]:
        return [Spend(rpm, 3, 60.0), Spend(tpm, 100, 60.0, tokens)]

    assert (await limiter.acquire_all(both(60))).allowed
    refused = await limiter.acquire_all(both(60))  # 120 tokens would not fit
    assert not refused.allowed and refused.retry_after_s > 0
    # The refused request took no request slot: two more small ones still fit.
    assert (await limiter.acquire_all(both(10))).allowed
    assert (await limiter.acquire_all(both(10))).allowed
    assert not (await limiter.acquire_all(both(1))).allowed  # now the requests are used up
    assert (await limiter.acquire(tpm, limit=100, window_s=60.0, cost=20)).allowed  # 80 + 20
    # An impossible spend refuses the lot without counting anything.
    impossible = [Spend("other", 5, 60.0), Spend("x", 1, 60.0, 2)]
    assert not (await limiter.acquire_all(impossible)).allowed
    assert (await limiter.acquire("other", limit=5, window_s=60.0, cost=5)).allowed
