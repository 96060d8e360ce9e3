"""A second app on the test database with its own outbound settings and a scripted resolver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.test_provider_configs import payload_for
from tests.conftest import TenantFixture
from tests.security.resolvers import ScriptedResolver
from turnout.app import create_app
from turnout.fakeupstream import FakeUpstream
from turnout.settings import Settings


@asynccontextmanager
async def guarded_client(
    app: FastAPI, settings: Settings, resolver: ScriptedResolver | None = None, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of another app whose settings differ by `overrides`; no allowlist unless given.

    The session app's monitor pauses meanwhile: with Redis both would share the leader lock.
    """
    main = app.state.services.health
    await main.close()
    changed = {"outbound_allowlist": []} | overrides
    other = create_app(Settings(**(settings.model_dump() | changed)), resolver=resolver)
    try:
        async with other.router.lifespan_context(other):
            transport = httpx.ASGITransport(app=other)
            async with httpx.AsyncClient(transport=transport, base_url="http://turnout.test") as c:
                yield c
    finally:
        await main.start()


def config_at(
    upstream: FakeUpstream, provider_type: str, *, host: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A config on the fake upstream, its host spelled `host` (resolved by the test's resolver)."""
    body = payload_for(provider_type, upstream, **fields)
    if host is not None:
        body["base_url"] = body["base_url"].replace("127.0.0.1", host)
    body["options"] = {"timeout_s": 5, "max_retries": 0}
    return body


async def activate(client: httpx.AsyncClient, tenant: TenantFixture, body: dict) -> str:
    created = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
    assert created.status_code == 201, created.text
    provider_id = str(created.json()["id"])
    routed = await client.put(
        "/api/v1/llm/routing",
        json={"active_provider_id": provider_id, "fallback_provider_ids": []},
        headers=tenant.headers(),
    )
    assert routed.status_code == 200, routed.text
    return provider_id


async def generate(
    client: httpx.AsyncClient, tenant: TenantFixture, **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/llm/generate", json={"prompt": "hello"}, headers=tenant.headers() | headers
    )
