"""Response cache: round trip, expiry, bounds, and faults that are misses."""

from __future__ import annotations

import asyncio
import logging
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.state.conftest import WAIT_S, SilentRedis

from turnout.state.cache import MemoryResponseCache, RedisResponseCache
from turnout.state.factory import redis_client

# The ``state`` harness is shared by every example; each example uses fresh keys.
STATE_PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

keys = st.text(min_size=1, max_size=40)
values = st.binary(max_size=2048)
ttls = st.floats(min_value=0.01, max_value=7200, allow_nan=False)


@pytest.fixture(scope="module")
async def dead_cache(dead_redis_url):
    """A Redis cache whose server is down."""
    client = redis_client(dead_redis_url)
    yield RedisResponseCache(client)
    await client.aclose()


@STATE_PROPERTY
@given(key=keys, value=values, ttl_s=ttls, margin=st.floats(0.001, 0.999))
async def test_property_28_response_caching_round_trip(
    state, dead_cache: RedisResponseCache, key: str, value: bytes, ttl_s: float, margin: float
) -> None:
    clock = state.clock()
    cache = state.cache(clock)
    key = f"{secrets.token_hex(4)}:{key}"
    if state.client is not None:
        # Redis expires in real time: a short TTL could lapse before the read on a busy machine.
        ttl_s = max(ttl_s, 5.0)

    await cache.set(key, value, ttl_s)
    assert await cache.get(key) == value
    if state.client is None:
        clock.advance(ttl_s * margin)
        assert await cache.get(key) == value
        clock.advance(ttl_s * (1 - margin) + 1e-5)
        assert await cache.get(key) is None
    else:
        # Real expiry is checked once below; here the stored TTL must match the one asked for.
        ttl_ms = await state.redis.pttl(f"{state.namespace}:cache:{key}")
        assert 0 < ttl_ms <= max(1, round(ttl_s * 1000))
        await cache.delete(key)

    await dead_cache.set(key, value, ttl_s)
    assert await dead_cache.get(key) is None


async def test_values_expire_after_their_ttl(state) -> None:
    clock = state.clock()
    cache = state.cache(clock)
    await cache.set("short", b"soon gone", 0.05)
    await cache.set("long", b"stays", 60)
    await state.elapse(clock, 0.12)
    assert await cache.get("short") is None
    assert await cache.get("long") == b"stays"


async def test_delete_and_non_positive_ttl_remove_the_value(state) -> None:
    cache = state.cache(state.clock())
    await cache.set("a", b"1", 60)
    await cache.delete("a")
    assert await cache.get("a") is None
    await cache.set("b", b"2", 60)
    await cache.set("b", b"3", 0)
    assert await cache.get("b") is None
    await cache.delete("never-set")


async def test_redis_keys_live_under_the_cache_namespace(redis, new_namespace) -> None:
    namespace = new_namespace()
    await RedisResponseCache(redis, namespace=namespace).set("k", b"v", 60)
    assert await redis.get(f"{namespace}:cache:k") == b"v"


async def test_memory_cache_evicts_the_least_recently_used(clock_factory) -> None:
    cache = MemoryResponseCache(max_entries=3, clock=clock_factory())
    for key in "abc":
        await cache.set(key, key.encode(), 60)
    assert await cache.get("a") == b"a"  # now most recent
    await cache.set("d", b"d", 60)
    assert len(cache) == 3
    assert await cache.get("b") is None
    assert [await cache.get(k) for k in "acd"] == [b"a", b"c", b"d"]


async def test_a_hanging_redis_is_a_miss_and_a_silent_set_skipped_after_one_fault(
    caplog: pytest.LogCaptureFixture, silent_redis: SilentRedis
) -> None:
    """The first call ends at the client's socket timeout, a miss; the fault gate then skips
    Redis, so the next 59 calls make no connection at all."""
    client = redis_client(silent_redis.url)
    cache = RedisResponseCache(client)
    with caplog.at_level(logging.WARNING, logger="turnout.state.cache"):
        assert await asyncio.wait_for(cache.get("k"), WAIT_S) is None
        tried = silent_redis.connections
        for _ in range(20):
            await asyncio.wait_for(cache.set("k", b"v", 60), WAIT_S)
            assert await asyncio.wait_for(cache.get("k"), WAIT_S) is None
            await asyncio.wait_for(cache.delete("k"), WAIT_S)
    await client.aclose()
    assert tried >= 1 and silent_redis.connections == tried
    assert len(caplog.records) == 1  # warned once, not per call
    assert "Redis unavailable (TimeoutError" in caplog.records[0].getMessage()
