"""Rate limits (provider rpm/tpm, API-key rpm): in-process, or atomic in Redis across replicas.

Algorithm: a conservative sliding window counter. Each key keeps a count per time bucket of
``window / BUCKETS_PER_WINDOW``; a request of ``cost`` is allowed when the counts of every bucket
that overlaps the last ``window`` (the oldest one included whole) plus ``cost`` stay within
``limit``. Why this one:

* It keeps Property 29 exactly: no interval of length ``window`` ever holds more than ``limit``
  allowed cost. GCRA/token bucket (burst = limit) lets up to 2 × limit through a window, and the
  two-window weighted counter assumes the previous window's requests were spread evenly, so a
  burst at its end lets nearly 2 × limit through too.
* Cost per call is bounded by the bucket count, not the limit (a sliding log stores every
  request); the price is that the oldest bucket is counted whole, so steady throughput is at
  least ``buckets / (buckets + 1)`` of the limit (≥ 95 % with 20 buckets).
* ``retry_after_s`` is exact: it is the moment enough old buckets leave the window.

The memory and Redis versions run the same arithmetic on integer microseconds. Redis runs it in
one Lua script using the server's ``TIME``, so every replica reads one clock. When Redis is
unreachable the Redis limiter fails OPEN (allows, and logs a rate-limited warning): losing the
shared limiter must not take the gateway down, and providers still enforce their own limits.
A window change for a key (a config edit) starts that key afresh.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from turnout.state._faults import BACKEND_FAULTS, Clock, FaultGate

logger = logging.getLogger(__name__)

BUCKETS_PER_WINDOW = 20
UNLIMITED = sys.maxsize
_US = 1_000_000


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether a request may go now, cost left in the window, and when to try again."""

    allowed: bool
    remaining: int
    retry_after_s: float


class RateLimiter(Protocol):
    """Sliding-window limiter keyed by an arbitrary string."""

    async def acquire(
        self, key: str, *, limit: int, window_s: float, cost: int = 1
    ) -> RateDecision:
        """Spend ``cost`` of ``limit`` per ``window_s`` if it fits; ``limit <= 0`` is unlimited."""
        ...


def _shortcut(limit: int, window_s: float, cost: int) -> RateDecision | None:
    """The decision for calls that need no state: unlimited, or a cost that can never fit."""
    if cost < 0:
        raise ValueError("cost must not be negative")
    if window_s <= 0:
        raise ValueError("window_s must be positive")
    if limit <= 0:
        return RateDecision(True, UNLIMITED, 0.0)
    if cost > limit:
        return RateDecision(False, 0, window_s)
    return None


def _geometry(window_s: float, buckets: int) -> tuple[int, int]:
    """Window and bucket length in whole microseconds."""
    window_us = max(1, round(window_s * _US))
    return window_us, max(1, window_us // buckets)


class _Window:
    """One key's buckets: ascending ``[index, count]`` pairs and their running total."""

    __slots__ = ("bucket_us", "buckets", "total", "window_us")

    def __init__(self, window_us: int, bucket_us: int) -> None:
        self.window_us = window_us
        self.bucket_us = bucket_us
        self.buckets: deque[list[int]] = deque()
        self.total = 0

    def expire(self, now_us: int) -> None:
        """Drop buckets that no longer overlap the window ending at ``now_us``."""
        oldest_live = (now_us - self.window_us) // self.bucket_us
        while self.buckets and self.buckets[0][0] < oldest_live:
            self.total -= self.buckets.popleft()[1]

    def add(self, now_us: int, cost: int) -> None:
        """Count ``cost`` in the bucket holding ``now_us``."""
        index = now_us // self.bucket_us
        if self.buckets and self.buckets[-1][0] >= index:
            # Same bucket, or a clock that stepped back: never reorder the deque.
            self.buckets[-1][1] += cost
        else:
            self.buckets.append([index, cost])
        self.total += cost

    def retry_after_us(self, now_us: int, need: int) -> int:
        """Time until the oldest buckets holding ``need`` cost have left the window."""
        freed = 0
        for index, count in self.buckets:
            freed += count
            if freed >= need:
                return self.window_us + (index + 1) * self.bucket_us - now_us
        return self.window_us

    def idle(self, now_us: int) -> bool:
        """Whether every bucket has left the window."""
        self.expire(now_us)
        return not self.buckets


class MemoryRateLimiter:
    """Per-process limiter; O(1) amortised per call, idle keys are evicted as others are used."""

    def __init__(self, *, buckets: int = BUCKETS_PER_WINDOW, clock: Clock = time.monotonic) -> None:
        if buckets < 1:
            raise ValueError("buckets must be at least 1")
        self._buckets = buckets
        self._clock = clock
        # Least recently used first, so idle keys are found at the front.
        self._windows: OrderedDict[tuple[str, int], _Window] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    async def acquire(
        self, key: str, *, limit: int, window_s: float, cost: int = 1
    ) -> RateDecision:
        """Decide now, in process."""
        shortcut = _shortcut(limit, window_s, cost)
        if shortcut is not None:
            return shortcut
        now_us = round(self._clock() * _US)
        self._evict_idle(now_us)
        window = self._window(key, window_s)
        window.expire(now_us)
        if cost <= limit - window.total:
            window.add(now_us, cost)
            return RateDecision(True, limit - window.total, 0.0)
        need = window.total + cost - limit
        retry_us = window.retry_after_us(now_us, need)
        return RateDecision(False, max(0, limit - window.total), retry_us / _US)

    def _window(self, key: str, window_s: float) -> _Window:
        """The key's window state, created on first use and marked most recently used."""
        window_us, bucket_us = _geometry(window_s, self._buckets)
        slot = (key, window_us)
        window = self._windows.get(slot)
        if window is None:
            window = self._windows[slot] = _Window(window_us, bucket_us)
        else:
            self._windows.move_to_end(slot)
        return window

    def _evict_idle(self, now_us: int) -> None:
        """Forget up to two idle keys from the least recently used end."""
        for _ in range(2):
            if not self._windows:
                return
            slot, window = next(iter(self._windows.items()))
            if not window.idle(now_us):
                return
            del self._windows[slot]


# KEYS[1]: hash of bucket index -> count. ARGV: limit, window_us, bucket_us, cost[, now_us].
# Returns {allowed 0|1, remaining, retry_after_us}. Indices are formatted with %d because Lua's
# default number formatting switches to exponents past 14 digits.
_ACQUIRE_LUA = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local bucket = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local now
if ARGV[5] then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local oldest_live = math.floor((now - window) / bucket)
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
local live = {}
for i = 1, #fields, 2 do
  local index = tonumber(fields[i])
  if index < oldest_live then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    local count = tonumber(fields[i + 1])
    total = total + count
    live[#live + 1] = {index, count}
  end
end
if cost <= limit - total then
  redis.call('HINCRBY', KEYS[1], string.format('%d', math.floor(now / bucket)), cost)
  redis.call('PEXPIRE', KEYS[1], math.ceil((window + bucket) / 1000) + 1)
  return {1, limit - total - cost, 0}
end
table.sort(live, function(a, b) return a[1] < b[1] end)
local need = total + cost - limit
local freed = 0
for _, entry in ipairs(live) do
  freed = freed + entry[2]
  if freed >= need then
    return {0, math.max(limit - total, 0), window + (entry[1] + 1) * bucket - now}
  end
end
return {0, 0, window}
"""


class RedisRateLimiter:
    """Shared limiter: one ``EVALSHA`` per call; fails open when Redis is unreachable."""

    def __init__(
        self,
        client: Redis,
        *,
        namespace: str = "turnout",
        buckets: int = BUCKETS_PER_WINDOW,
        clock: Clock | None = None,
    ) -> None:
        if buckets < 1:
            raise ValueError("buckets must be at least 1")
        self._prefix = f"{namespace}:rl:"
        self._buckets = buckets
        # None means the Redis server's TIME; a clock is injected only by tests.
        self._clock = clock
        self._script = client.register_script(_ACQUIRE_LUA)
        self._gate = FaultGate(logger, what="rate limiter (failing open)")

    async def acquire(
        self, key: str, *, limit: int, window_s: float, cost: int = 1
    ) -> RateDecision:
        """Decide atomically in Redis; allow when Redis cannot be reached."""
        shortcut = _shortcut(limit, window_s, cost)
        if shortcut is not None:
            return shortcut
        if not self._gate.available():
            return RateDecision(True, limit - cost, 0.0)
        window_us, bucket_us = _geometry(window_s, self._buckets)
        args = [limit, window_us, bucket_us, cost]
        if self._clock is not None:
            args.append(round(self._clock() * _US))
        try:
            allowed, remaining, retry_us = await self._script(
                keys=[f"{self._prefix}{key}:{window_us}"], args=args
            )
        except BACKEND_FAULTS as exc:
            self._gate.failed(exc)
            return RateDecision(True, limit - cost, 0.0)
        return RateDecision(bool(allowed), int(remaining), int(retry_us) / _US)
