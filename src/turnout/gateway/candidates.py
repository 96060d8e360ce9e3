"""Which providers may serve a request, in order: the requested or active one, then fallbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from turnout.configs.runtime import LiveProvider, ProviderRuntime
from turnout.errors import NoProviderAvailable, NotFound
from turnout.gateway.context import GatewayRequest


@dataclass(frozen=True, slots=True)
class Candidate:
    live: LiveProvider
    model: str | None  # None: the provider's configured model
    chosen: bool  # named by the request (its model override applies only here)


async def resolve_candidates(
    runtime: ProviderRuntime,
    request: GatewayRequest,
    *,
    is_unhealthy: Callable[[str], bool] = lambda _id: False,
) -> list[Candidate]:
    """Ordered, enabled, healthy candidates; a named provider leads, fallbacks follow."""
    tenant_id = request.caller.tenant_id
    routing = await runtime.routing(tenant_id=tenant_id)
    first = request.provider_id or await _by_name(runtime, request) or routing.active_provider_id
    order = (
        [first, *routing.fallback_provider_ids] if first else list(routing.fallback_provider_ids)
    )
    seen: set[str] = set()
    candidates: list[Candidate] = []
    for index, provider_id in enumerate(order):
        if provider_id is None or provider_id in seen:
            continue
        seen.add(provider_id)
        try:
            live = await runtime.provider(tenant_id=tenant_id, provider_id=provider_id)
        except NotFound:
            if index == 0 and request.provider_id:
                raise
            continue
        if not live.enabled:
            continue
        model = request.chat.model if index == 0 else None
        candidates.append(Candidate(live, model, chosen=index == 0))
    healthy = [c for c in candidates if not is_unhealthy(c.live.id)]
    # When every candidate looks unhealthy, try them anyway rather than refuse outright.
    result = healthy or candidates
    if not result:
        raise NoProviderAvailable()
    return result


async def _by_name(runtime: ProviderRuntime, request: GatewayRequest) -> str | None:
    if not request.provider_name:
        return None
    found = await runtime.provider_id_named(
        tenant_id=request.caller.tenant_id, name=request.provider_name
    )
    if found is None:
        raise NotFound(resource="provider", details={"name": request.provider_name})
    return found
