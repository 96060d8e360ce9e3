"""What pre-annotation needs to know of the provider a project's requests go to first."""

from __future__ import annotations

from dataclasses import dataclass

from turnout.configs.runtime import ProviderRuntime
from turnout.errors import NotFound
from turnout.providers.catalog import CATALOG
from turnout.providers.specs import Capabilities


@dataclass(frozen=True, slots=True)
class FirstProvider:
    """The provider asked first: the project's own, else the tenant's active one."""

    id: str
    name: str
    provider_type: str
    chat_model: str | None  # the connection's own; a project may name another

    @property
    def capabilities(self) -> Capabilities:
        return CATALOG[self.provider_type].capabilities


class ProviderFacts:
    """Reads them from the provider runtime (cached there until a config changes)."""

    def __init__(self, runtime: ProviderRuntime) -> None:
        self._runtime = runtime

    async def first(self, *, tenant_id: str, provider_id: str | None) -> FirstProvider | None:
        """None when the tenant has no active provider and the project names none."""
        if provider_id is None:
            provider_id = (await self._runtime.routing(tenant_id=tenant_id)).active_provider_id
            if provider_id is None:
                return None
        try:
            live = await self._runtime.provider(tenant_id=tenant_id, provider_id=provider_id)
        except NotFound:
            return None
        return FirstProvider(
            live.id, live.name, live.provider_type, live.adapter.connection.chat_model
        )

    async def capabilities(
        self, *, tenant_id: str, provider_id: str | None
    ) -> Capabilities | None:
        first = await self.first(tenant_id=tenant_id, provider_id=provider_id)
        return first.capabilities if first is not None else None
