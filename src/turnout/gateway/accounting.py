"""One usage row (and one observer call) per request, whatever its outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.gateway.candidates import Candidate
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.gateway.outcomes import ms_since
from turnout.providers import Usage

if TYPE_CHECKING:
    from turnout.gateway.switcher import GatewayDeps


class Accounting:
    def __init__(self, deps: GatewayDeps) -> None:
        self._deps = deps

    async def record(
        self,
        request: GatewayRequest,
        candidate: Candidate | None,
        usage: Usage,
        model: str | None,
        *,
        status: str,
        attempts: list[Attempt],
        cached: bool,
        error_code: str | None = None,
        operation: str = "generate",
    ) -> None:
        """Queue the usage row (cost from the model registry) and tell the observer."""
        live = candidate.live if candidate else None
        provider_type = live.provider_type if live else None
        cost = 0.0
        if live is not None and not cached:
            cost = await self._deps.prices.cost(
                tenant_id=request.caller.tenant_id,
                provider_type=live.provider_type,
                model=model,
                usage=usage,
            )
        latency = ms_since(request.started)
        self._deps.usage.record(
            tenant_id=request.caller.tenant_id,
            request_id=request.request_id,
            api_key_id=request.caller.api_key_id,
            user_id=request.caller.user_id,
            provider_id=live.id if live else None,
            provider_type=provider_type,
            model=model,
            operation=operation,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            cost=cost,
            latency_ms=latency,
            attempts=sum(1 for a in attempts if a.status != "skipped"),
            status=status,
            error_code=error_code,
            cached=cached,
        )
        self._deps.observer.finished(
            request,
            status=status,
            cached=cached,
            latency_ms=latency,
            provider_type=provider_type,
            model=model,
            usage=usage,
            cost=cost,
            attempts=attempts,
        )

    async def record_failure(
        self,
        request: GatewayRequest,
        candidates: list[Candidate],
        attempts: list[Attempt],
        *,
        operation: str = "generate",
    ) -> None:
        """The row of a request nobody could serve, charged to the last provider that failed."""
        last = next((a for a in reversed(attempts) if a.status == "error"), None)
        code = "RATE_LIMITED" if last is None and attempts else "ALL_PROVIDERS_FAILED"
        by_id = {c.live.id: c for c in candidates}
        candidate = by_id.get(last.provider_id) if last else (candidates[0] if candidates else None)
        await self.record(
            request,
            candidate,
            Usage(),
            last.model if last else None,
            status="error",
            attempts=attempts,
            cached=False,
            error_code=code,
            operation=operation,
        )
