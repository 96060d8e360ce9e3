"""The end of every request: its cost from the model registry, one event to the observers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from turnout.gateway.cache_keys import is_cacheable
from turnout.gateway.context import Attempt, AttemptStatus, GatewayRequest
from turnout.gateway.events import GatewayObserver, Operation, Outcome, RequestFinished
from turnout.gateway.outcomes import ms_since
from turnout.gateway.pricing import ModelBook
from turnout.providers import Usage
from turnout.providers.connection import ProviderConnection


class Accounting:
    def __init__(self, prices: ModelBook, observer: GatewayObserver) -> None:
        self._prices = prices
        self._observer = observer

    async def served(
        self,
        request: GatewayRequest,
        attempts: Sequence[Attempt],
        connection: ProviderConnection,
        *,
        usage: Usage,
        model: str | None,
        operation: Operation = Operation.GENERATE,
    ) -> float:
        """A request answered by the provider of its last attempt (or from the cache); its cost."""
        last = attempts[-1]
        cost = 0.0
        if last.status is not AttemptStatus.CACHE_HIT:
            cost = await self._prices.cost(
                tenant_id=request.caller.tenant_id,
                provider_type=last.provider.provider_type,
                model=model,
                usage=usage,
            )
        configured = (connection.chat_model, connection.embedding_model)
        self._emit(
            request, operation, attempts,
            outcome=Outcome.OK, provider=last.provider, model=model, usage=usage, cost=cost,
            configured_models=tuple(m for m in configured if m),
        )
        return cost

    def failed(
        self,
        request: GatewayRequest,
        attempts: Sequence[Attempt],
        *,
        error_code: str,
        operation: Operation = Operation.GENERATE,
    ) -> None:
        """A request nobody could serve (or whose stream broke), charged to the last failure."""
        blamed = next((a for a in reversed(attempts) if a.status is AttemptStatus.ERROR), None)
        blamed = blamed or (attempts[0] if attempts else None)
        self._emit(
            request, operation, attempts,
            outcome=Outcome.ERROR, provider=blamed.provider if blamed else None,
            model=blamed.model if blamed else None, usage=Usage(), cost=0.0,
            error_code=error_code,
        )

    def _emit(
        self,
        request: GatewayRequest,
        operation: Operation,
        attempts: Sequence[Attempt],
        **fields: Any,
    ) -> None:
        self._observer.request_finished(
            RequestFinished(
                caller=request.caller,
                request_id=request.request_id,
                operation=operation,
                latency_ms=ms_since(request.started),
                attempts=tuple(attempts),
                cacheable=operation is Operation.GENERATE and is_cacheable(request),
                **fields,
            )
        )
