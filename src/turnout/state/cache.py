"""Response cache: bounded in-process LRU, or Redis shared by every replica.

A cache must never fail a request: the Redis version treats any backend fault as a miss on
``get`` and a no-op on ``set``/``delete``, and says so in a rate-limited warning.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis

from turnout.state._faults import BACKEND_FAULTS, Clock, FaultGate

logger = logging.getLogger(__name__)

DEFAULT_MAX_ENTRIES = 10_000


class ResponseCache(Protocol):
    """Bytes by key with a time to live; a fault is a miss, never an exception."""

    async def get(self, key: str) -> bytes | None:
        """The stored value, or None when absent, expired or unreachable."""
        ...

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        """Store ``value`` for ``ttl_s`` seconds; ``ttl_s <= 0`` removes the key instead."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        ...


class MemoryResponseCache:
    """LRU bounded by entry count; expired entries are dropped when touched or evicted."""

    def __init__(
        self, *, max_entries: int = DEFAULT_MAX_ENTRIES, clock: Clock = time.monotonic
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        # key -> (expires_at, value); order is least recently used first.
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> bytes | None:
        """The value if present and fresh, refreshing its recency."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        """Insert or replace, evicting the least recently used entry when full."""
        if ttl_s <= 0:
            self._entries.pop(key, None)
            return
        self._entries[key] = (self._clock() + ttl_s, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        """Forget ``key`` if present."""
        self._entries.pop(key, None)


class RedisResponseCache:
    """``SET key value PX ttl`` under ``<namespace>:cache:``; one round trip per call."""

    def __init__(self, client: Redis, *, namespace: str = "turnout") -> None:
        self._client = client
        self._prefix = f"{namespace}:cache:"
        self._gate = FaultGate(logger, what="response cache")

    async def get(self, key: str) -> bytes | None:
        """The value, or None on a miss or a backend fault."""
        if not self._gate.available():
            return None
        try:
            value = await self._client.get(self._prefix + key)
        except BACKEND_FAULTS as exc:
            self._gate.failed(exc)
            return None
        # The factory's client never decodes responses, so a hit is bytes.
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        """Store with a millisecond TTL; a backend fault is ignored."""
        if ttl_s <= 0:
            await self.delete(key)
            return
        if not self._gate.available():
            return
        try:
            await self._client.set(self._prefix + key, value, px=max(1, round(ttl_s * 1000)))
        except BACKEND_FAULTS as exc:
            self._gate.failed(exc)

    async def delete(self, key: str) -> None:
        """Forget ``key``; a backend fault is ignored (the TTL still bounds staleness)."""
        if not self._gate.available():
            return
        try:
            await self._client.delete(self._prefix + key)
        except BACKEND_FAULTS as exc:
            self._gate.failed(exc)
