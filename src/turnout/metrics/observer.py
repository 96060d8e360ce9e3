"""Gateway traffic as metrics: the observer the switcher tells about attempts and requests.

Retries, failovers and the gateway's own overhead are read from the request's attempt list,
which `finished()` receives with the request's cost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from turnout.errors import TurnoutError
from turnout.gateway.cache_keys import is_cacheable
from turnout.gateway.candidates import Candidate
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.gateway.observer import GatewayObserver
from turnout.gateway.pricing import builtin_prices
from turnout.metrics.registry import GatewayMetrics
from turnout.providers import Usage

log = logging.getLogger("turnout.metrics")


class MetricsObserver:
    def __init__(self, metrics: GatewayMetrics) -> None:
        self._metrics = metrics
        self._prices = builtin_prices()

    def attempt(self, candidate: Candidate, attempt: Attempt, error: TurnoutError | None) -> None:
        metrics, live = self._metrics, candidate.live
        # The provider's configured models earn labels; a caller's model override does not.
        connection = live.adapter.connection
        metrics.models.allow(connection.chat_model)
        metrics.models.allow(connection.embedding_model)
        metrics.upstream_seconds(live.provider_type, "ok" if error is None else "error").observe(
            attempt.latency_ms / 1000
        )

    def finished(
        self,
        request: GatewayRequest,
        *,
        status: str,
        cached: bool,
        latency_ms: float,
        provider_type: str | None,
        model: str | None,
        usage: Usage,
        cost: float | None = None,
        attempts: Sequence[Attempt] = (),
        **_: Any,
    ) -> None:
        metrics = self._metrics
        kind, label = provider_type or "none", metrics.models.label(model)
        metrics.requests(kind, label, status).inc()
        metrics.request_seconds(kind, status).observe(latency_ms / 1000)
        if cached:
            metrics.cache(kind, "hit").inc()
        elif is_cacheable(request):
            metrics.cache(kind, "miss").inc()
        if usage.prompt_tokens:
            metrics.tokens(kind, label, "prompt").inc(usage.prompt_tokens)
        if usage.completion_tokens:
            metrics.tokens(kind, label, "completion").inc(usage.completion_tokens)
        spent = self._estimate(kind, model, label, usage) if cost is None else cost
        if spent > 0:
            metrics.cost(kind, label).inc(spent)
        upstream_s = self._count_switches(attempts)
        if status == "ok" and not cached and attempts:
            metrics.overhead_seconds(kind).observe(max(0.0, latency_ms / 1000 - upstream_s))

    def _count_switches(self, attempts: Sequence[Attempt]) -> float:
        """Count retries and failovers among the calls made; returns their upstream seconds."""
        previous: Attempt | None = None
        upstream_s = 0.0
        for attempt in attempts:
            if attempt.status == "skipped" or attempt.message == "cache hit":
                continue
            upstream_s += attempt.latency_ms / 1000
            if previous is not None:
                if previous.provider_id == attempt.provider_id:
                    self._metrics.retries(attempt.provider_type).inc()
                else:
                    self._metrics.failovers(previous.provider_type).inc()
            previous = attempt
        return upstream_s

    def _estimate(self, kind: str, model: str | None, label: str, usage: Usage) -> float:
        """The catalog's list price, while the gateway does not report what it charged."""
        prices = self._prices.get((kind, model or "")) or self._prices.get((kind, label))
        if prices is None or not usage.total_tokens:
            return 0.0
        return usage.prompt_tokens / 1000 * prices[0] + usage.completion_tokens / 1000 * prices[1]


class ObserverGroup:
    """Tells several observers, in order; one that raises never fails the request."""

    def __init__(self, *observers: GatewayObserver) -> None:
        self._observers = observers

    def attempt(self, candidate: Candidate, attempt: Attempt, error: TurnoutError | None) -> None:
        for observer in self._observers:
            try:
                observer.attempt(candidate, attempt, error)
            except Exception:
                log.exception("gateway observer %s failed", type(observer).__name__)

    def finished(
        self,
        request: GatewayRequest,
        *,
        status: str,
        cached: bool,
        latency_ms: float,
        provider_type: str | None,
        model: str | None,
        usage: Usage,
        **extra: Any,
    ) -> None:
        for observer in self._observers:
            try:
                observer.finished(
                    request,
                    status=status,
                    cached=cached,
                    latency_ms=latency_ms,
                    provider_type=provider_type,
                    model=model,
                    usage=usage,
                    **extra,
                )
            except Exception:
                log.exception("gateway observer %s failed", type(observer).__name__)
