"""Leader locks: one holder at a time, renewal by the holder only, expiry frees the name."""

from __future__ import annotations

from turnout.state.factory import redis_client
from turnout.state.locks import RedisLeaderLock


async def test_only_one_holder_at_a_time(state) -> None:
    first, second = state.locks(state.clock())
    assert await first.try_acquire("health", 30)
    assert not await second.try_acquire("health", 30)
    assert await first.try_acquire("health", 30)  # the leader keeps its role
    assert not await second.release("health")
    assert not await second.extend("health", 30)
    assert await first.release("health")
    assert await second.try_acquire("health", 30)
    assert not await first.try_acquire("health", 30)


async def test_names_are_independent(state) -> None:
    first, second = state.locks(state.clock())
    assert await first.try_acquire("health", 30)
    assert await second.try_acquire("usage-flush", 30)


async def test_an_expired_hold_frees_the_name_and_cannot_be_renewed(state) -> None:
    clock = state.clock()
    first, second = state.locks(clock)
    assert await first.try_acquire("health", 0.05)
    await state.elapse(clock, 0.1)
    assert not await first.extend("health", 30)
    assert await second.try_acquire("health", 30)
    assert not await first.release("health")
    assert await second.release("health")


async def test_extend_keeps_the_hold_past_its_first_ttl(state) -> None:
    clock = state.clock()
    first, second = state.locks(clock)
    assert await first.try_acquire("health", 0.5)
    assert await first.extend("health", 30)
    await state.elapse(clock, 0.6)
    assert not await second.try_acquire("health", 30)


async def test_a_down_redis_means_nobody_leads(dead_redis_url) -> None:
    client = redis_client(dead_redis_url)
    lock = RedisLeaderLock(client)
    assert not await lock.try_acquire("health", 30)
    assert not await lock.extend("health", 30)
    assert not await lock.release("health")
    await client.aclose()
