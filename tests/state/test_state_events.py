"""Event bus: fan-out in process, across replicas over Redis, and back after a lost connection."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from redis.asyncio import Redis
from tests.state.conftest import WAIT_S, SilentRedis

from turnout.state import events
from turnout.state.events import Event, RedisEventBus
from turnout.state.factory import redis_client


async def next_event(subscription, timeout_s: float = WAIT_S) -> Event:
    """The subscription's next event, failing the test if none arrives within the bound."""
    return await asyncio.wait_for(anext(subscription), timeout_s)


async def test_every_subscriber_gets_its_own_copy(state) -> None:
    bus = state.events()
    await bus.start()
    first, second = bus.subscribe("config"), bus.subscribe("config")
    other = bus.subscribe("routing")
    try:
        assert await bus.publish("config", {"provider_id": "p1", "version": 2})
        got = [await next_event(first), await next_event(second)]
        assert got == [Event("config", {"provider_id": "p1", "version": 2})] * 2
        got[0].payload["version"] = 99
        assert got[1].payload["version"] == 2
        with pytest.raises(TimeoutError):
            await next_event(other, 0.05)
    finally:
        await bus.close()


async def test_closing_ends_iteration(state) -> None:
    bus = state.events()
    await bus.start()
    subscription = bus.subscribe("config")
    kept = bus.subscribe("config")
    received: list[Event] = []

    async def consume() -> None:
        async for event in subscription:
            received.append(event)

    consumer = asyncio.create_task(consume())
    await bus.publish("config", {"n": 1})
    await next_event(kept)
    await asyncio.sleep(0.01)
    subscription.close()
    await asyncio.wait_for(consumer, WAIT_S)
    assert received == [Event("config", {"n": 1})]

    await bus.close()
    with pytest.raises(StopAsyncIteration):
        await next_event(kept)


async def test_unserialisable_payloads_are_refused(state) -> None:
    bus = state.events()
    await bus.start()
    try:
        with pytest.raises(TypeError):
            await bus.publish("config", {"when": object()})
    finally:
        await bus.close()


async def test_a_slow_subscriber_loses_its_oldest_events(state) -> None:
    bus = state.events()
    await bus.start()
    subscription = bus.subscribe("config")
    marker = bus.subscribe("done")
    try:
        for n in range(1005):
            await bus.publish("config", {"n": n})
        await bus.publish("done", {})
        await next_event(marker)  # delivered in order, so every config event came first
        assert subscription.dropped == 5
        assert (await next_event(subscription)).payload == {"n": 5}
    finally:
        await bus.close()


async def replica(url: str, namespace: str, name: str) -> tuple[Redis, RedisEventBus]:
    """An event bus on its own connection pool, as another replica would have."""
    client = redis_client(url, client_name=name)
    bus = RedisEventBus(client, namespace=namespace)
    await bus.start()
    assert bus.ready
    return client, bus


async def test_a_change_on_one_replica_reaches_another(redis_test_url, new_namespace) -> None:
    namespace = new_namespace()
    client_a, bus_a = await replica(redis_test_url, namespace, "turnout-test-a")
    client_b, bus_b = await replica(redis_test_url, namespace, "turnout-test-b")
    subscription = bus_b.subscribe("config")
    try:
        assert await bus_a.publish("config", {"provider_id": "p1"})
        assert await next_event(subscription) == Event("config", {"provider_id": "p1"})
    finally:
        for bus, client in ((bus_a, client_a), (bus_b, client_b)):
            await bus.close()
            await client.aclose()


async def kill_subscriber_connections(admin: Redis, client_name: str) -> int:
    """Drop the pub/sub connections of the client named ``client_name`` only."""
    killed = 0
    for info in await admin.client_list(_type="pubsub"):
        if info.get("name") == client_name:
            killed += await admin.client_kill_filter(_id=info["id"])
    return killed


async def test_the_reader_resubscribes_after_its_connection_is_killed(
    redis, redis_test_url, new_namespace
) -> None:
    namespace = new_namespace()
    name = f"turnout-test-{namespace[-6:]}"
    client, bus = await replica(redis_test_url, namespace, name)
    subscription = bus.subscribe("config")
    try:
        assert await kill_subscriber_connections(redis, name) == 1

        async def publish_until_received() -> Event:
            while True:  # published while the reader is away, a message is lost: publish again
                await redis.publish(f"{namespace}:events:config", b'{"after":"reconnect"}')
                with contextlib.suppress(TimeoutError):
                    return await next_event(subscription, 0.1)

        received = await asyncio.wait_for(publish_until_received(), WAIT_S)
        assert received == Event("config", {"after": "reconnect"})
        assert bus.ready
    finally:
        await bus.close()
        await client.aclose()


async def test_a_bus_without_redis_starts_at_its_first_fault_and_publishes_nothing(
    dead_redis_url, monkeypatch
) -> None:
    """With Redis down, start returns when the reader first fails, not at its readiness timeout
    (an hour here, so a start that waited it out would not return within the bound)."""
    monkeypatch.setattr(events, "_READY_TIMEOUT_S", 3600)
    client = redis_client(dead_redis_url)
    bus = RedisEventBus(client)
    await asyncio.wait_for(bus.start(), WAIT_S)
    assert not bus.ready
    assert not await bus.publish("config", {"n": 1})
    await bus.close()
    await client.aclose()


async def test_a_bus_on_a_hanging_redis_starts_when_its_connection_times_out(
    silent_redis: SilentRedis, monkeypatch
) -> None:
    """A Redis that never answers holds start only until the reader's connection times out (the
    readiness timeout is an hour here), and a publish ends at the same socket timeout."""
    monkeypatch.setattr(events, "_READY_TIMEOUT_S", 3600)
    client = redis_client(silent_redis.url)
    bus = RedisEventBus(client)
    await asyncio.wait_for(bus.start(), WAIT_S)
    assert not bus.ready
    assert silent_redis.connections >= 1
    assert not await asyncio.wait_for(bus.publish("config", {"n": 1}), WAIT_S)
    await bus.close()
    await client.aclose()
