"""Cost of a call from the model registry: the catalog's prices, overridden per tenant."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.providers import CATALOG, Usage
from turnout.store.models import ModelRegistryEntry

Prices = tuple[float, float]  # per 1,000 prompt tokens, per 1,000 completion tokens
TENANT_PRICES_TTL_S = 60.0


def builtin_prices() -> dict[tuple[str, str], Prices]:
    return {
        (entry.type, info.model): (info.input_price_per_1k, info.output_price_per_1k)
        for entry in CATALOG.values()
        for info in entry.known_models
    }


class PriceBook:
    """Prices by (provider type, model); tenant entries are re-read at most once a minute."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._builtin = builtin_prices()
        self._tenants: dict[str, tuple[float, dict[tuple[str, str], Prices]]] = {}

    async def cost(
        self, *, tenant_id: str, provider_type: str, model: str | None, usage: Usage
    ) -> float:
        if model is None or not usage.total_tokens:
            return 0.0
        prices = (await self._tenant_prices(tenant_id)).get((provider_type, model))
        prices = prices or self._builtin.get((provider_type, model))
        if prices is None:
            return 0.0
        return round(
            usage.prompt_tokens / 1000 * prices[0] + usage.completion_tokens / 1000 * prices[1], 8
        )

    async def _tenant_prices(self, tenant_id: str) -> dict[tuple[str, str], Prices]:
        cached = self._tenants.get(tenant_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        async with self._sessions() as session:
            rows = await session.execute(
                select(ModelRegistryEntry).where(ModelRegistryEntry.tenant_id == tenant_id)
            )
            prices = {
                (row.provider_type, row.model): (row.input_price_per_1k, row.output_price_per_1k)
                for row in rows.scalars()
            }
        self._tenants[tenant_id] = (self._clock() + TENANT_PRICES_TTL_S, prices)
        return prices
