"""Live provider adapters and routing per tenant, cached in memory until a change event.

The request path never reads provider configs from the database: the first use loads them,
and every change (on any replica) publishes an event on the state backend's bus that drops the
cached entry everywhere — within a second with Redis, at once in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.configs.routing import Routing, get_routing
from turnout.errors import NotFound
from turnout.providers import LLMProvider, ProviderConnection, build_provider, get_provider_type
from turnout.security.crypto import SecretBox
from turnout.security.outbound import OutboundPolicy
from turnout.security.outbound_connect import guarded_connectors
from turnout.state.events import EventBus
from turnout.store.models import ProviderConfig

log = logging.getLogger("turnout.configs")
CONFIG_CHANNEL = "config-changed"
# In-flight requests may still hold a replaced adapter's HTTP pool; close it after this delay.
RETIRE_AFTER_S = 60.0


@dataclass(frozen=True, slots=True)
class ProviderRef:
    """Which provider config something happened on."""

    id: str
    tenant_id: str
    name: str
    provider_type: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class LiveProvider:
    """A provider config as the request path sees it, with its adapter."""

    id: str
    tenant_id: str
    name: str
    provider_type: str
    enabled: bool
    options: dict[str, Any]
    adapter: LLMProvider
    ref: ProviderRef = field(init=False, compare=False)

    def __post_init__(self) -> None:
        ref = ProviderRef(self.id, self.tenant_id, self.name, self.provider_type, self.enabled)
        object.__setattr__(self, "ref", ref)


class ProviderRuntime:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        secrets: SecretBox,
        events: EventBus,
        outbound: OutboundPolicy,
    ) -> None:
        self._sessions = sessions
        self._secrets = secrets
        self._events = events
        self._outbound = outbound
        self._providers: dict[str, LiveProvider] = {}
        self._routing: dict[str, Routing] = {}
        self._names: dict[str, dict[str, str]] = {}  # tenant → provider name → id
        self._listener: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        # Bumped by every change event: a load that raced with a change is not cached.
        self._generation = 0

    async def start(self) -> None:
        subscription = self._events.subscribe(CONFIG_CHANNEL)

        async def listen() -> None:
            async for event in subscription:
                self._drop(event.payload)

        self._listener = asyncio.create_task(listen(), name="turnout-config-listener")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        retiring = list(self._retiring)
        for task in retiring:
            task.cancel()
        await asyncio.gather(*retiring, return_exceptions=True)
        for live in self._providers.values():
            await live.adapter.connection.close()
        self._providers.clear()

    async def provider(self, *, tenant_id: str, provider_id: str) -> LiveProvider:
        """The live provider, loading it on first use; another tenant's id is NotFound."""
        live = self._providers.get(provider_id)
        if live is None:
            live = await self._load(provider_id)
        if live.tenant_id != tenant_id:
            raise NotFound(resource="provider", details={"id": provider_id})
        return live

    async def providers_of(self, *, tenant_id: str) -> list[LiveProvider]:
        """Every provider config of the tenant (loaded from the database each call)."""
        async with self._sessions() as session:
            ids = await session.execute(
                select(ProviderConfig.id).where(ProviderConfig.tenant_id == tenant_id)
            )
            provider_ids = list(ids.scalars())
        return [await self.provider(tenant_id=tenant_id, provider_id=pid) for pid in provider_ids]

    async def provider_id_named(self, *, tenant_id: str, name: str) -> str | None:
        """The id of the tenant's provider called `name` (names are unique per tenant)."""
        names = self._names.get(tenant_id)
        if names is None:
            generation = self._generation
            async with self._sessions() as session:
                rows = await session.execute(
                    select(ProviderConfig.name, ProviderConfig.id).where(
                        ProviderConfig.tenant_id == tenant_id
                    )
                )
                names = {row.name: row.id for row in rows}
            if generation == self._generation:
                self._names[tenant_id] = names
        return names.get(name)

    async def routing(self, *, tenant_id: str) -> Routing:
        cached = self._routing.get(tenant_id)
        if cached is None:
            generation = self._generation
            async with self._sessions() as session:
                cached = await get_routing(session, tenant_id=tenant_id)
            if generation == self._generation:
                self._routing[tenant_id] = cached
        return cached

    async def changed(self, *, tenant_id: str, provider_id: str | None = None) -> None:
        """A config or routing changed and was committed: forget it here and on every replica."""
        payload = {"tenant_id": tenant_id, "provider_id": provider_id}
        self._drop(payload)
        await self._events.publish(CONFIG_CHANNEL, payload)

    def _drop(self, payload: dict[str, Any]) -> None:
        self._generation += 1
        self._routing.pop(str(payload.get("tenant_id")), None)
        self._names.pop(str(payload.get("tenant_id")), None)
        live = self._providers.pop(str(payload.get("provider_id")), None)
        if live is not None:
            self._retire(live)

    def _retire(self, live: LiveProvider) -> None:
        async def close_later() -> None:
            try:
                await asyncio.sleep(RETIRE_AFTER_S)
            finally:  # cancelled by close(): the pool still has to go before the app stops
                await live.adapter.connection.close()

        task = asyncio.create_task(close_later())
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _load(self, provider_id: str) -> LiveProvider:
        while True:
            generation = self._generation
            async with self._sessions() as session:
                config = await session.get(ProviderConfig, provider_id)
            if config is None:
                raise NotFound(resource="provider", details={"id": provider_id})
            if generation == self._generation:
                break  # no change event arrived while reading: the row is current
        live = self._build(config)
        existing = self._providers.setdefault(provider_id, live)
        if existing is not live:  # another request loaded it meanwhile
            await live.adapter.connection.close()
        return existing

    def _build(self, config: ProviderConfig) -> LiveProvider:
        api_key = _decrypted_once(self._secrets, config.api_key_encrypted)

        values = {
            "name": config.name,
            "base_url": config.base_url,
            "models": config.models,
            "options": config.options,
            "extra": config.extra,
            "deployment_mode": config.deployment_mode,
        }
        entry = get_provider_type(config.provider_type)
        # Every connection this adapter opens is checked against the outbound guard.
        connectors = guarded_connectors(self._outbound.guard(config.deployment_mode))
        connection = ProviderConnection.from_config(
            entry, values, api_key=api_key, connector_factory=connectors
        )
        return LiveProvider(
            id=config.id,
            tenant_id=config.tenant_id,
            name=config.name,
            provider_type=config.provider_type,
            enabled=config.enabled,
            options=dict(config.options),
            adapter=build_provider(connection),
        )


def _decrypted_once(secrets: SecretBox, encrypted: str | None) -> Callable[[], str | None]:
    """The provider key, decrypted at its first use and kept for the life of this adapter.

    Decrypting on every call cost about 5 % of a request; a config change builds a new adapter
    (and so a new key source), and the old one is dropped with its adapter.
    """
    plaintext: list[str | None] = []

    def api_key() -> str | None:
        if not plaintext:
            plaintext.append(secrets.decrypt(encrypted) if encrypted else None)
        return plaintext[0]

    return api_key
