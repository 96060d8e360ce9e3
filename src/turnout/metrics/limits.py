"""The gateway's rate limits, counting what they hold back."""

from __future__ import annotations

from turnout.configs.runtime import LiveProvider
from turnout.errors import RateLimited
from turnout.gateway.context import GatewayRequest
from turnout.gateway.limits import Limits
from turnout.metrics.registry import GatewayMetrics
from turnout.state.ratelimit import RateDecision, RateLimiter


class MeteredLimits(Limits):
    def __init__(self, limiter: RateLimiter, metrics: GatewayMetrics) -> None:
        super().__init__(limiter)
        self._refused_key = metrics.rate_limited("api_key", "none")
        self._refused_provider = metrics.rate_limited

    async def check_caller(self, request: GatewayRequest, rpm_limit: int | None) -> None:
        try:
            await super().check_caller(request, rpm_limit)
        except RateLimited:
            self._refused_key.inc()
            raise

    async def check_provider(self, live: LiveProvider, tokens: int) -> RateDecision | None:
        refused = await super().check_provider(live, tokens)
        if refused is not None:
            self._refused_provider("provider", live.provider_type).inc()
        return refused
