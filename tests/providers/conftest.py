from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.providers.stub import Stub
from turnout.providers import CATALOG, ConnectionOptions, ProviderConnection, build_provider
from turnout.providers.base import LLMProvider

API_KEY = "sk-test-key"


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    server = Stub()
    await server.server.start_server()
    yield server
    await server.server.close()


ProviderFactory = Callable[..., LLMProvider]


@pytest.fixture
async def provider_for(stub: Stub) -> AsyncIterator[ProviderFactory]:
    """Build an adapter of a catalog type pointed at the stub; connections closed after."""
    made: list[ProviderConnection] = []

    def make(
        provider_type: str,
        *,
        prefix: str = "",
        key: str | None = API_KEY,
        timeout_s: float = 5.0,
        **kw: Any,
    ) -> LLMProvider:
        conn = ProviderConnection(
            CATALOG[provider_type],
            name=f"test-{provider_type}",
            base_url=stub.url + prefix,
            api_key=lambda: key,
            options=ConnectionOptions(timeout_s=timeout_s),
            **kw,
        )
        made.append(conn)
        return build_provider(conn)

    yield make
    for conn in made:
        await conn.close()
