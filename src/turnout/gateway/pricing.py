"""What the model registry says about a model: its price and its context window.

The catalog's figures (providers/known_models.py), overridden per tenant by the registry's rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.providers import CATALOG, Usage
from turnout.store.models import ModelRegistryEntry

Prices = tuple[float, float]  # per 1,000 prompt tokens, per 1,000 completion tokens
TENANT_ENTRIES_TTL_S = 60.0


@dataclass(frozen=True, slots=True)
class ModelFacts:
    prices: Prices
    context_window: int | None
    currency: str  # of the prices


class ModelBook(Protocol):
    """The registry as the gateway asks it (PriceBook; tests inject their own)."""

    async def cost(
        self, *, tenant_id: str, provider_type: str, model: str | None, usage: Usage
    ) -> float: ...

    async def context_window(
        self, *, tenant_id: str, provider_type: str, model: str | None
    ) -> int | None: ...


def builtin_prices() -> dict[tuple[str, str], Prices]:
    return {key: facts.prices for key, facts in _builtin_facts().items()}


def _builtin_facts() -> dict[tuple[str, str], ModelFacts]:
    return {
        (entry.type, info.model): ModelFacts(
            (info.input_price_per_1k, info.output_price_per_1k), info.context_window,
            info.currency,
        )
        for entry in CATALOG.values()
        for info in entry.known_models
    }


class PriceBook:
    """Facts by (provider type, model); tenant entries are re-read at most once a minute."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._builtin = _builtin_facts()
        self._tenants: dict[str, tuple[float, dict[tuple[str, str], ModelFacts]]] = {}

    async def cost(
        self, *, tenant_id: str, provider_type: str, model: str | None, usage: Usage
    ) -> float:
        if model is None or not usage.total_tokens:
            return 0.0
        facts = await self.facts(tenant_id=tenant_id, provider_type=provider_type, model=model)
        if facts is None:
            return 0.0
        prices = facts.prices
        return round(
            usage.prompt_tokens / 1000 * prices[0] + usage.completion_tokens / 1000 * prices[1], 8
        )

    async def context_window(
        self, *, tenant_id: str, provider_type: str, model: str | None
    ) -> int | None:
        """Tokens the model takes in at most (prompt and answer), when the registry knows."""
        if model is None:
            return None
        facts = await self.facts(tenant_id=tenant_id, provider_type=provider_type, model=model)
        return facts.context_window if facts is not None else None

    async def facts(self, *, tenant_id: str, provider_type: str, model: str) -> ModelFacts | None:
        key = (provider_type, model)
        return (await self._tenant_facts(tenant_id)).get(key) or self._builtin.get(key)

    async def _tenant_facts(self, tenant_id: str) -> dict[tuple[str, str], ModelFacts]:
        cached = self._tenants.get(tenant_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        async with self._sessions() as session:
            rows = await session.execute(
                select(ModelRegistryEntry).where(ModelRegistryEntry.tenant_id == tenant_id)
            )
            facts = {
                (row.provider_type, row.model): ModelFacts(
                    (row.input_price_per_1k, row.output_price_per_1k), row.context_window,
                    row.currency,
                )
                for row in rows.scalars()
            }
        self._tenants[tenant_id] = (self._clock() + TENANT_ENTRIES_TTL_S, facts)
        return facts
