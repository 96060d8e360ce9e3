"""Backend-fault handling shared by the Redis state implementations."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.exceptions import RedisError

# What a sick Redis looks like from the client: refused or dropped connections, timeouts
# (TimeoutError is an OSError), protocol or script errors. Anything else is a bug and propagates.
BACKEND_FAULTS: tuple[type[BaseException], ...] = (RedisError, OSError)

Clock = Callable[[], float]


class FaultGate:
    """Skips the backend briefly after a fault and rate-limits the warning about it."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        what: str,
        skip_s: float = 1.0,
        log_every_s: float = 30.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._logger = logger
        self._what = what
        self._skip_s = skip_s
        self._log_every_s = log_every_s
        self._clock = clock
        self._skip_until = float("-inf")
        self._next_log_at = float("-inf")
        self._suppressed = 0

    def available(self) -> bool:
        """Whether the backend may be tried now (no fault in the last moment)."""
        return self._clock() >= self._skip_until

    def failed(self, exc: BaseException) -> None:
        """Record a fault: skip the backend for a moment and warn at most once per period."""
        now = self._clock()
        # A blackholed Redis costs a connect timeout per call; skipping it for a moment keeps
        # that cost off every request while it is down.
        self._skip_until = now + self._skip_s
        if now < self._next_log_at:
            self._suppressed += 1
            return
        self._logger.warning(
            "%s: Redis unavailable (%s: %s); %d similar warnings suppressed",
            self._what,
            type(exc).__name__,
            exc,
            self._suppressed,
        )
        self._suppressed = 0
        self._next_log_at = now + self._log_every_s
