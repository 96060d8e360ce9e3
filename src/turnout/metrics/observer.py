"""Gateway traffic as metrics: the observer told about every finished request.

Retries, failovers, hedges and the gateway's own overhead are read from the request's attempts.
"""

from __future__ import annotations

from turnout.gateway.context import Attempt, AttemptStatus
from turnout.gateway.events import Outcome, RequestFinished
from turnout.metrics.registry import GatewayMetrics


class MetricsObserver:
    def __init__(self, metrics: GatewayMetrics) -> None:
        self._metrics = metrics

    def request_finished(self, event: RequestFinished) -> None:
        metrics, buffer = self._metrics, self._metrics.buffer
        # The provider's configured models earn labels; a caller's model override does not.
        for model in event.configured_models:
            metrics.models.allow(model)
        kind = event.provider.provider_type if event.provider else "none"
        label, status = metrics.models.label(event.model), event.outcome.value
        buffer.inc(metrics.requests(kind, label, status))
        buffer.observe(metrics.request_seconds(kind, status), event.latency_ms / 1000)
        if event.cached:
            buffer.inc(metrics.cache(kind, "hit"))
        elif event.cacheable:
            buffer.inc(metrics.cache(kind, "miss"))
        usage = event.usage
        if usage.prompt_tokens:
            buffer.inc(metrics.tokens(kind, label, "prompt"), usage.prompt_tokens)
        if usage.completion_tokens:
            buffer.inc(metrics.tokens(kind, label, "completion"), usage.completion_tokens)
        if event.cost > 0:
            buffer.inc(metrics.cost(kind, label), event.cost)
        upstream_s = self._count_calls(event.attempts)
        if event.outcome is Outcome.OK and not event.cached and event.attempts:
            overhead_s = max(0.0, event.latency_ms / 1000 - upstream_s)
            buffer.observe(metrics.overhead_seconds(kind), overhead_s)

    def _count_calls(self, attempts: tuple[Attempt, ...]) -> float:
        """Time each call, count retries, failovers and lost hedges; the calls' seconds."""
        metrics, buffer = self._metrics, self._metrics.buffer
        previous: Attempt | None = None
        upstream_s = 0.0
        for attempt in attempts:
            if not attempt.status.called:
                continue
            kind, seconds = attempt.provider.provider_type, attempt.latency_ms / 1000
            buffer.observe(metrics.upstream_seconds(kind, attempt.status.value), seconds)
            if attempt.status is AttemptStatus.CANCELLED:
                buffer.inc(metrics.hedges_cancelled(kind))
                continue
            upstream_s += seconds
            if previous is not None:
                if previous.provider.id == attempt.provider.id:
                    buffer.inc(metrics.retries(kind))
                else:
                    buffer.inc(metrics.failovers(previous.provider.provider_type))
            previous = attempt
        return upstream_s
