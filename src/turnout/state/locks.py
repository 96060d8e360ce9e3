"""Leader locks: at most one holder of a name at a time (e.g. who runs a health-check round).

A lock is held until released or until its TTL lapses, so a crashed holder never blocks the
others for longer than one TTL. Each ``LeaderLock`` object is one holder identity (one per
replica); acquiring a name it already holds succeeds and renews the TTL, so a leader can keep
its role by acquiring every round. When Redis is unreachable the Redis lock answers False: no
replica can prove it leads, so none acts twice; the work waits for Redis to come back.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from turnout.state._faults import BACKEND_FAULTS, Clock, FaultGate

logger = logging.getLogger(__name__)


class LeaderLock(Protocol):
    """Named, expiring, single-holder locks."""

    async def try_acquire(self, name: str, ttl_s: float) -> bool:
        """Take ``name`` for ``ttl_s`` (renewing it if already ours); False if another has it."""
        ...

    async def extend(self, name: str, ttl_s: float) -> bool:
        """Push our hold on ``name`` to ``ttl_s`` from now; False if we no longer hold it."""
        ...

    async def release(self, name: str) -> bool:
        """Let go of ``name`` if we hold it; False if we did not."""
        ...


def _ttl_ms(ttl_s: float) -> int:
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    return max(1, round(ttl_s * 1000))


class MemoryLeaderLock:
    """Locks in a process-local table; ``sibling()`` gives another holder over the same table."""

    def __init__(
        self, *, clock: Clock = time.monotonic, _table: dict[str, tuple[str, float]] | None = None
    ) -> None:
        self._clock = clock
        self._owner = secrets.token_hex(8)
        # name -> (owner, expires_at)
        self._table: dict[str, tuple[str, float]] = {} if _table is None else _table

    def sibling(self) -> MemoryLeaderLock:
        """Another holder identity contending for the same names."""
        return MemoryLeaderLock(clock=self._clock, _table=self._table)

    def _mine(self, name: str, now: float) -> bool | None:
        """True if we hold ``name``, False if another live holder does, None if it is free."""
        entry = self._table.get(name)
        if entry is None or entry[1] <= now:
            return None
        return entry[0] == self._owner

    async def try_acquire(self, name: str, ttl_s: float) -> bool:
        """Take or renew ``name`` unless another live holder has it."""
        _ttl_ms(ttl_s)
        now = self._clock()
        if self._mine(name, now) is False:
            return False
        self._table[name] = (self._owner, now + ttl_s)
        return True

    async def extend(self, name: str, ttl_s: float) -> bool:
        """Renew ``name`` only while we hold it."""
        _ttl_ms(ttl_s)
        now = self._clock()
        if not self._mine(name, now):
            return False
        self._table[name] = (self._owner, now + ttl_s)
        return True

    async def release(self, name: str) -> bool:
        """Drop ``name`` only while we hold it."""
        if not self._mine(name, self._clock()):
            return False
        del self._table[name]
        return True


# KEYS[1]: lock key. ARGV: token, ttl_ms. SET NX first; a holder re-acquiring renews its TTL.
_ACQUIRE_LUA = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
# Compare-and-act, so a holder whose TTL lapsed cannot touch its successor's lock.
_EXTEND_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLeaderLock:
    """``SET NX PX`` with a random per-holder token; renew and release compare the token."""

    def __init__(self, client: Redis, *, namespace: str = "turnout") -> None:
        self._prefix = f"{namespace}:lock:"
        self._token = secrets.token_hex(16)
        self._acquire = client.register_script(_ACQUIRE_LUA)
        self._extend = client.register_script(_EXTEND_LUA)
        self._release = client.register_script(_RELEASE_LUA)
        self._gate = FaultGate(logger, what="leader lock")

    async def try_acquire(self, name: str, ttl_s: float) -> bool:
        """Take or renew ``name``; False when held by another replica or Redis is down."""
        return await self._call(self._acquire, name, self._token, _ttl_ms(ttl_s))

    async def extend(self, name: str, ttl_s: float) -> bool:
        """Renew ``name`` while we hold it."""
        return await self._call(self._extend, name, self._token, _ttl_ms(ttl_s))

    async def release(self, name: str) -> bool:
        """Delete ``name`` while we hold it."""
        return await self._call(self._release, name, self._token)

    async def _call(self, script: AsyncScript, name: str, *args: str | int) -> bool:
        """Run one script against the lock key; a backend fault answers False."""
        if not self._gate.available():
            return False
        try:
            result = await script(keys=[self._prefix + name], args=list(args))
        except BACKEND_FAULTS as exc:
            self._gate.failed(exc)
            return False
        return bool(result)
