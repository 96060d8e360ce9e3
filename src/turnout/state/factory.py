"""The one place that chooses in-process or Redis state; the app calls it in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from turnout.state._faults import BACKEND_FAULTS
from turnout.state.cache import MemoryResponseCache, RedisResponseCache, ResponseCache
from turnout.state.events import EventBus, MemoryEventBus, RedisEventBus
from turnout.state.locks import LeaderLock, MemoryLeaderLock, RedisLeaderLock
from turnout.state.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

# State calls sit on the request path: a slow Redis must cost a bounded, small delay and then
# count as a fault (cache miss, limiter fails open), not hold the request for redis-py's
# defaults (5 s timeouts, 10 retries).
SOCKET_TIMEOUT_S = 0.5
CONNECT_TIMEOUT_S = 0.5
HEALTH_CHECK_INTERVAL_S = 15
RETRIES = 1


@dataclass(frozen=True, slots=True)
class StateBackends:
    """Cache, limiter, event bus and locks of one kind, sharing one Redis pool when shared."""

    cache: ResponseCache
    limiter: RateLimiter
    events: EventBus
    locks: LeaderLock
    redis: Redis | None = None

    @property
    def shared(self) -> bool:
        """Whether state is shared with other replicas (Redis) or in-process."""
        return self.redis is not None

    async def ping(self) -> bool:
        """Readiness: in-process state is always ready; Redis must answer PING."""
        if self.redis is None:
            return True
        try:
            return bool(await self.redis.ping())
        except BACKEND_FAULTS:
            return False

    async def close(self) -> None:
        """Stop the event reader and close the pool."""
        await self.events.close()
        if self.redis is not None:
            await self.redis.aclose()


def redis_client(url: str, *, client_name: str = "turnout") -> Redis:
    """A Redis client tuned for the request path; bytes in, bytes out."""
    client: Redis = Redis.from_url(
        url,
        client_name=client_name,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        health_check_interval=HEALTH_CHECK_INTERVAL_S,
        retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.05), RETRIES),
        decode_responses=False,
    )
    return client


async def create_state(redis_url: str | None, *, namespace: str = "turnout") -> StateBackends:
    """In-process state when ``redis_url`` is None, else Redis-backed state; events started."""
    if redis_url is None:
        backends = StateBackends(
            cache=MemoryResponseCache(),
            limiter=MemoryRateLimiter(),
            events=MemoryEventBus(),
            locks=MemoryLeaderLock(),
        )
    else:
        client = redis_client(redis_url)
        backends = StateBackends(
            cache=RedisResponseCache(client, namespace=namespace),
            limiter=RedisRateLimiter(client, namespace=namespace),
            events=RedisEventBus(client, namespace=namespace),
            locks=RedisLeaderLock(client, namespace=namespace),
            redis=client,
        )
    await backends.events.start()
    return backends
