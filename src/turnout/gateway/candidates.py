"""Which providers may serve a request, in order: the requested or active one, then fallbacks.

A request that names a provider (by id, or by name as `<name>/<model>` or `<name>`) is a
promise: only that provider serves it, or it fails with that provider's attempts. The tenant's
fallbacks follow it only when routing says `fallback_for_pinned`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from turnout.configs.routing import Routing
from turnout.configs.runtime import LiveProvider
from turnout.errors import NoProviderAvailable, NotFound, UnknownProviderName
from turnout.gateway.context import GatewayRequest


class ProviderDirectory(Protocol):
    """Where the gateway finds a tenant's routing and live providers (ProviderRuntime)."""

    async def routing(self, *, tenant_id: str) -> Routing: ...

    async def provider(self, *, tenant_id: str, provider_id: str) -> LiveProvider: ...

    async def provider_id_named(self, *, tenant_id: str, name: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    live: LiveProvider
    model: str | None  # None: the provider's configured model
    chosen: bool  # named by the request (its model override applies only here)

    @property
    def chat_model(self) -> str | None:
        """The model asked for: the request's override, else the provider's configured one."""
        return self.model or self.live.adapter.connection.chat_model


async def resolve_candidates(
    directory: ProviderDirectory,
    request: GatewayRequest,
    *,
    is_unhealthy: Callable[[str], bool] = lambda _id: False,
) -> list[Candidate]:
    """Ordered, enabled, healthy candidates: the named provider alone (with the fallbacks only
    when routing allows it), or the active provider and the fallbacks."""
    tenant_id = request.caller.tenant_id
    routing = await directory.routing(tenant_id=tenant_id)
    pinned = request.provider_id or await _by_name(directory, request)
    first = pinned or routing.active_provider_id
    fallbacks = routing.fallback_provider_ids if not pinned or routing.fallback_for_pinned else ()
    order = [first, *fallbacks] if first else list(fallbacks)
    seen: set[str] = set()
    candidates: list[Candidate] = []
    for index, provider_id in enumerate(order):
        if provider_id is None or provider_id in seen:
            continue
        seen.add(provider_id)
        try:
            live = await directory.provider(tenant_id=tenant_id, provider_id=provider_id)
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


async def _by_name(directory: ProviderDirectory, request: GatewayRequest) -> str | None:
    if not request.provider_name:
        return None
    found = await directory.provider_id_named(
        tenant_id=request.caller.tenant_id, name=request.provider_name
    )
    if found is None:
        raise UnknownProviderName(request.provider_name)
    return found
