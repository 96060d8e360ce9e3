"""When to hedge: start the next candidate if the current one has not answered by then.

The delay is per provider, from the latency of its recent successful calls in this process
(the 95th percentile of the last 200), kept between a floor and a ceiling so that a provider
with no history yet, or an unusually fast or slow one, still hedges sensibly. A provider's
options may fix the delay (`hedge_delay_ms`) or switch hedging off (`hedging: false`).
Hedging only helps with a fallback to go to, and costs a second call when it fires: with the
95th percentile, about one request in twenty when the provider behaves as usual.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

FLOOR_S = 0.25
CEILING_S = 5.0
QUANTILE = 0.95
WINDOW = 200
RECOMPUTE_EVERY = 20


class _Latencies:
    __slots__ = ("quantile_s", "samples", "since_recompute")

    def __init__(self) -> None:
        self.samples: deque[float] = deque(maxlen=WINDOW)
        self.since_recompute = 0
        self.quantile_s: float | None = None

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)
        self.since_recompute += 1
        if self.quantile_s is None or self.since_recompute >= RECOMPUTE_EVERY:
            ordered = sorted(self.samples)
            self.quantile_s = ordered[min(len(ordered) - 1, math.ceil(QUANTILE * len(ordered)) - 1)]
            self.since_recompute = 0


class HedgePolicy:
    def __init__(self, *, floor_s: float = FLOOR_S, ceiling_s: float = CEILING_S) -> None:
        if not 0 < floor_s <= ceiling_s:
            raise ValueError("need 0 < floor_s <= ceiling_s")
        self.floor_s = floor_s
        self.ceiling_s = ceiling_s
        self._latencies: dict[str, _Latencies] = {}

    def observe(self, provider_id: str, seconds: float) -> None:
        """A successful call to `provider_id` took `seconds`."""
        latencies = self._latencies.get(provider_id)
        if latencies is None:
            latencies = self._latencies[provider_id] = _Latencies()
        latencies.add(seconds)

    def delay_s(self, provider_id: str, options: Mapping[str, Any]) -> float | None:
        """Seconds to wait before hedging away from `provider_id`; None: never hedge."""
        if options.get("hedging") is False:
            return None
        fixed = options.get("hedge_delay_ms")
        if fixed is not None:
            return float(fixed) / 1000
        latencies = self._latencies.get(provider_id)
        observed = latencies.quantile_s if latencies is not None else None
        return min(max(observed or self.ceiling_s, self.floor_s), self.ceiling_s)
