"""The gateway's rate limits, counting what they hold back."""

from __future__ import annotations

from turnout.configs.runtime import LiveProvider
from turnout.errors import RateLimited
from turnout.gateway.context import Caller
from turnout.gateway.limits import Limits
from turnout.metrics.registry import GatewayMetrics
from turnout.state.ratelimit import RateDecision, RateLimiter


class MeteredLimits(Limits):
    def __init__(self, limiter: RateLimiter, metrics: GatewayMetrics) -> None:
        super().__init__(limiter)
        self._refused_key = metrics.rate_limited("api_key", "none")
        self._refused_provider = metrics.rate_limited

    async def check_caller(self, caller: Caller) -> None:
        try:
            await super().check_caller(caller)
        except RateLimited:
            self._refused_key.inc()
            raise

    async def check_provider(
        self, live: LiveProvider, tokens: int, *, share: float = 1.0, paced: bool = False
    ) -> RateDecision | None:
        refused = await super().check_provider(live, tokens, share=share, paced=paced)
        if refused is not None:
            # Paced batch work waits for its share by design: counted apart from clients.
            scope = "job" if paced else "provider"
            self._refused_provider(scope, live.provider_type).inc()
        return refused
