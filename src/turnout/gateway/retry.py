"""Retry policy: which failures are worth another attempt, and how long to wait first.

Pure (no I/O, no clock); randomness comes from the caller's ``random.Random`` so tests and
simulations are reproducible. Attempts are numbered from 1; ``delay_for(n)`` is the wait after
attempt ``n`` failed, before attempt ``n + 1``. When the remaining deadline cuts a
Retry-After short, the caller should fail over instead of retrying the same provider early.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Literal

from turnout.errors import TurnoutError

Jitter = Literal["full", "equal"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential backoff with jitter; a provider's Retry-After takes precedence."""

    max_attempts: int = 3
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0
    multiplier: float = 2.0
    jitter: Jitter = "full"
    max_retry_after_s: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.base_delay_s <= self.max_delay_s:
            raise ValueError("need 0 <= base_delay_s <= max_delay_s")
        if self.multiplier < 1:
            raise ValueError("multiplier must be at least 1")
        if self.jitter not in ("full", "equal"):
            raise ValueError("jitter must be 'full' or 'equal'")
        if self.max_retry_after_s < 0:
            raise ValueError("max_retry_after_s must not be negative")

    def should_retry(self, error: BaseException, attempt: int) -> bool:
        """Whether attempt ``attempt`` failing with ``error`` deserves another attempt."""
        # Only our own errors say whether they are transient (timeout, connection, 5xx,
        # upstream 429); anything else is a bug or a refusal that a retry cannot fix.
        return isinstance(error, TurnoutError) and error.retryable and attempt < self.max_attempts

    def ceiling(self, attempt: int) -> float:
        """Largest backoff after attempt ``attempt``: ``base * multiplier**(attempt-1)``, capped."""
        if attempt < 1:
            raise ValueError("attempts are numbered from 1")
        try:
            raw = self.base_delay_s * math.pow(self.multiplier, attempt - 1)
        except OverflowError:
            return self.max_delay_s
        return min(raw, self.max_delay_s)

    def delay_for(
        self,
        attempt: int,
        *,
        retry_after_s: float | None = None,
        rng: random.Random,
        remaining_s: float | None = None,
    ) -> float:
        """Seconds to wait after attempt ``attempt``, capped by the remaining deadline if given."""
        if retry_after_s is not None:
            delay = min(max(retry_after_s, 0.0), self.max_retry_after_s)
        else:
            delay = self._jittered(self.ceiling(attempt), rng)
        if remaining_s is not None:
            delay = min(delay, max(remaining_s, 0.0))
        return delay

    def _jittered(self, ceiling: float, rng: random.Random) -> float:
        """Full jitter spreads retries evenly; equal jitter keeps at least half the backoff."""
        # min(): uniform() may round a hair past its upper bound.
        if self.jitter == "full":
            return min(ceiling, rng.uniform(0.0, ceiling))
        half = ceiling / 2
        return min(ceiling, half + rng.uniform(0.0, half))
