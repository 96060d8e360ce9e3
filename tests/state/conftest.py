"""Run every state test against in-process state and against a real Redis.

The Redis half needs ``TURNOUT_TEST_REDIS_URL`` (locally ``redis://127.0.0.1:6379/15``); each
session writes only under its own key prefix and deletes that prefix when done.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from turnout.state.cache import MemoryResponseCache, RedisResponseCache, ResponseCache
from turnout.state.events import EventBus, MemoryEventBus, RedisEventBus
from turnout.state.factory import redis_client
from turnout.state.locks import LeaderLock, MemoryLeaderLock, RedisLeaderLock
from turnout.state.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

REDIS_URL_ENV = "TURNOUT_TEST_REDIS_URL"
SKIP_REASON = (
    f"{REDIS_URL_ENV} is not set; set it (e.g. redis://127.0.0.1:6379/15) to run the Redis half"
)
# Nothing listens here, so connecting fails at once: a Redis that is down.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
# An upper bound for calls that must not hang, far above what any machine takes: never a measure.
WAIT_S = 30
# Every key this session writes starts with this, so cleanup touches nothing else.
SESSION_PREFIX = f"turnout-test-{secrets.token_hex(4)}"


def unique_namespace() -> str:
    """A fresh namespace under this session's prefix."""
    return f"{SESSION_PREFIX}-{secrets.token_hex(3)}"


async def delete_prefix(client: Redis, prefix: str) -> None:
    """Delete every key starting with ``prefix``."""
    keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
    if keys:
        await client.delete(*keys)


class FakeClock:
    """A monotonic clock that moves only when told, in whole microseconds."""

    def __init__(self, start_s: float = 1_000.0) -> None:
        self.us = round(start_s * 1_000_000)

    def __call__(self) -> float:
        return self.us / 1_000_000

    def advance(self, seconds: float) -> None:
        self.us += round(seconds * 1_000_000)


class SilentRedis:
    """A server on 127.0.0.1 that accepts connections and never answers: a Redis that hangs.

    Without a socket timeout a client would wait on it forever; it counts the connections made.
    """

    def __init__(self) -> None:
        self.connections = 0
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"redis://127.0.0.1:{port}/0"

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        while await reader.read(65536):  # take the commands, answer none
            pass


class StateHarness:
    """Builds one kind of state implementation for a test."""

    def __init__(self, kind: str, client: Redis | None) -> None:
        self.kind = kind
        self.client = client
        self.namespace = unique_namespace()

    @staticmethod
    def clock(start_s: float = 1_000.0) -> FakeClock:
        """A fresh fake clock."""
        return FakeClock(start_s)

    @property
    def redis(self) -> Redis:
        assert self.client is not None
        return self.client

    def cache(self, clock: FakeClock) -> ResponseCache:
        """Memory caches follow ``clock``; Redis expires in real time."""
        if self.client is None:
            return MemoryResponseCache(clock=clock)
        return RedisResponseCache(self.client, namespace=self.namespace)

    def limiter(self, clock: FakeClock | None) -> RateLimiter:
        """Both kinds follow ``clock``; None means real time (the Redis server's TIME)."""
        if self.client is None:
            return MemoryRateLimiter() if clock is None else MemoryRateLimiter(clock=clock)
        return RedisRateLimiter(self.client, namespace=self.namespace, clock=clock)

    def locks(self, clock: FakeClock) -> tuple[LeaderLock, LeaderLock]:
        """Two holders contending for the same names."""
        if self.client is None:
            first = MemoryLeaderLock(clock=clock)
            return first, first.sibling()
        return (
            RedisLeaderLock(self.client, namespace=self.namespace),
            RedisLeaderLock(self.client, namespace=self.namespace),
        )

    def events(self) -> EventBus:
        """A bus of this kind (not yet started)."""
        if self.client is None:
            return MemoryEventBus()
        return RedisEventBus(self.client, namespace=self.namespace)

    async def elapse(self, clock: FakeClock, seconds: float) -> None:
        """Let ``seconds`` pass for TTLs: the fake clock, and real time for Redis."""
        clock.advance(seconds)
        if self.client is not None:
            await asyncio.sleep(seconds)


@pytest.fixture(scope="session")
def clock_factory() -> type[FakeClock]:
    """Builds fake clocks for tests that do not use the ``state`` harness."""
    return FakeClock


@pytest.fixture(scope="session")
def new_namespace() -> Callable[[], str]:
    """Makes fresh key namespaces under this session's prefix (deleted by ``redis``)."""
    return unique_namespace


@pytest.fixture(scope="session")
def dead_redis_url() -> str:
    """A Redis URL where nothing listens."""
    return DEAD_REDIS_URL


@pytest.fixture
async def silent_redis() -> AsyncIterator[SilentRedis]:
    """A Redis that accepts connections and never answers."""
    server = SilentRedis()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def redis_test_url() -> str:
    """The test Redis URL; skips the test when none is configured."""
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        pytest.skip(SKIP_REASON)
    return url


@pytest.fixture(scope="session")
async def redis(redis_test_url: str) -> AsyncIterator[Redis]:
    """A session-wide client on the test Redis; this session's keys are deleted afterwards."""
    client = redis_client(redis_test_url, client_name="turnout-test")
    yield client
    await delete_prefix(client, SESSION_PREFIX)
    await client.aclose()


@pytest.fixture(scope="session", params=["memory", "redis"])
async def state_client(request: pytest.FixtureRequest) -> AsyncIterator[Redis | None]:
    """None for in-process state, else a client on the test Redis."""
    if request.param == "memory":
        yield None
        return
    client = redis_client(request.getfixturevalue("redis_test_url"), client_name="turnout-test")
    yield client
    await delete_prefix(client, SESSION_PREFIX)
    await client.aclose()


@pytest.fixture
def state(state_client: Redis | None) -> StateHarness:
    """Each state test runs once in process and once on Redis, in a namespace of its own.

    Hypothesis tests reuse one harness for all their examples, so they use fresh keys.
    """
    kind = "memory" if state_client is None else "redis"
    return StateHarness(kind, state_client)
