"""Throttling of failed logins, per username and per client address, on the shared limiter.

Only failures are counted: `check` runs before the password is verified and refuses once the
username or the address holds `max` failures in the window, whatever the password, so a throttled
caller cannot tell a right guess from a wrong one; `failed` counts one more failure on both.
Successful logins spend nothing. Counts live in the state backend's rate limiter, so every
replica sharing a Redis sees the same ones (and, like every limit there, the throttle fails open
when Redis is unreachable).

The limiter only spends, so `check` asks about a zero-cost spend against ``max - 1``: the limiter
refuses it exactly when more than ``max - 1`` failures are counted, and its retry-after is the
moment the oldest of them leaves the window. That is why a limit must be at least 2 (a limit of
0 means "unlimited" to the limiter).

Keys carry a SHA-256 of the username and the address, so neither is stored in Redis as such.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from turnout.errors import LoginThrottled
from turnout.settings import Settings
from turnout.state.ratelimit import RateLimiter, Spend


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_user: int
    per_address: int
    window_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        return cls(
            settings.login_max_failures_per_user,
            settings.login_max_failures_per_address,
            settings.login_failure_window_s,
        )


class LoginThrottle:
    def __init__(self, limiter: RateLimiter, limits: LoginLimits) -> None:
        self._limiter = limiter
        self._limits = limits

    async def check(self, *, username: str, address: str) -> None:
        """Raise LoginThrottled when the username or the address has used up its failures."""
        keys = self._keys(username, address)
        peeks = [Spend(key, limit - 1, self._limits.window_s, cost=0) for key, limit in keys]
        decision = await self._limiter.acquire_all(peeks)
        if not decision.allowed:
            raise LoginThrottled(retry_after_s=decision.retry_after_s)

    async def failed(self, *, username: str, address: str) -> None:
        """Count one failed login against the username and the address."""
        window_s = self._limits.window_s
        spends = [Spend(key, limit, window_s) for key, limit in self._keys(username, address)]
        await self._limiter.acquire_all(spends)

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        return [
            (f"login:user:{_digest(username)}", self._limits.per_user),
            (f"login:addr:{_digest(address)}", self._limits.per_address),
        ]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]
