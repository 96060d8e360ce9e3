"""The factory picks one kind of state, and its readiness follows Redis."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tests.state.conftest import WAIT_S, SilentRedis

from turnout.state._faults import FaultGate
from turnout.state.cache import MemoryResponseCache, RedisResponseCache
from turnout.state.events import MemoryEventBus, RedisEventBus
from turnout.state.factory import create_state
from turnout.state.locks import MemoryLeaderLock, RedisLeaderLock
from turnout.state.ratelimit import MemoryRateLimiter, RedisRateLimiter


async def test_no_url_means_in_process_state() -> None:
    backends = await create_state(None)
    assert isinstance(backends.cache, MemoryResponseCache)
    assert isinstance(backends.limiter, MemoryRateLimiter)
    assert isinstance(backends.events, MemoryEventBus)
    assert isinstance(backends.locks, MemoryLeaderLock)
    assert not backends.shared
    assert await backends.ping()
    await backends.close()


async def test_a_url_means_redis_state_on_one_pool(redis_test_url, new_namespace) -> None:
    namespace = new_namespace()
    backends = await create_state(redis_test_url, namespace=namespace)
    try:
        assert isinstance(backends.cache, RedisResponseCache)
        assert isinstance(backends.limiter, RedisRateLimiter)
        assert isinstance(backends.events, RedisEventBus)
        assert isinstance(backends.locks, RedisLeaderLock)
        assert backends.shared and backends.events.ready
        assert await backends.ping()
        subscription = backends.events.subscribe("config")
        await backends.cache.set("k", b"v", 60)
        assert await backends.cache.get("k") == b"v"
        await backends.events.publish("config", {"k": "v"})
        assert (await asyncio.wait_for(anext(subscription), WAIT_S)).payload == {"k": "v"}
    finally:
        await backends.cache.delete("k")
        await backends.close()
    with pytest.raises(StopAsyncIteration):
        await anext(subscription)


async def test_a_down_redis_is_not_ready_but_serves(dead_redis_url) -> None:
    backends = await asyncio.wait_for(create_state(dead_redis_url), WAIT_S)
    try:
        assert not await backends.ping()
        assert await backends.cache.get("k") is None
        assert (await backends.limiter.acquire("k", limit=1, window_s=60)).allowed
        assert not await backends.locks.try_acquire("health", 30)
    finally:
        await backends.close()


async def test_a_hanging_redis_is_not_ready_and_does_not_hold_startup(
    silent_redis: SilentRedis,
) -> None:
    """A Redis that never answers holds startup only until the event reader's connection times
    out, and the readiness check only until its own does."""
    backends = await asyncio.wait_for(create_state(silent_redis.url), WAIT_S)
    try:
        assert not backends.events.ready
        assert not await asyncio.wait_for(backends.ping(), WAIT_S)
    finally:
        await asyncio.wait_for(backends.close(), WAIT_S)
    assert silent_redis.connections >= 1  # it was tried, not skipped


def test_fault_warnings_are_rate_limited(caplog: pytest.LogCaptureFixture, clock_factory) -> None:
    clock = clock_factory()
    gate = FaultGate(logging.getLogger("test.gate"), what="cache", clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.gate"):
        for _ in range(5):
            gate.failed(ConnectionError("refused"))
        assert not gate.available()
        clock.advance(1.0)
        assert gate.available()
        clock.advance(29.0)
        gate.failed(ConnectionError("refused"))
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "4 similar warnings suppressed" in messages[1]
