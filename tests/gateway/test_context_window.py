"""A prompt that surely overflows the model's context window is refused before it costs money."""

from __future__ import annotations

import pytest
from tests.gateway.helpers import ask, providers


@pytest.mark.parametrize(
    "prompt", ["word " * 120_000, "字" * 300_000], ids=["english", "chinese"]
)
async def test_an_overlong_prompt_never_reaches_the_provider(client, tenant, upstream, prompt):
    setup = await providers(client, tenant, upstream, "openai")
    before = len(upstream.requests)
    body = {**ask(prompt), "model": "gpt-4o-mini"}  # 128,000 tokens in the catalog
    response = await client.post("/api/v1/llm/generate", json=body, headers=setup.member())
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "CONTEXT_LENGTH_EXCEEDED"
    assert error["details"]["context_window"] == 128_000
    assert error["details"]["tokens_at_least"] > 128_000
    assert len(upstream.requests) == before


async def test_a_prompt_that_may_fit_is_sent(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    body = {**ask("word " * 20_000), "model": "gpt-4o-mini"}
    response = await client.post("/api/v1/llm/generate", json=body, headers=setup.member())
    assert response.status_code == 200


async def test_the_tenants_registry_sets_the_window(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    entry = {"provider_type": "openai", "model": "gpt-4.1-mini", "context_window": 1000}
    added = await client.post("/api/v1/llm/models", json=entry, headers=tenant.headers())
    assert added.status_code == 201, added.text
    response = await client.post(
        "/api/v1/llm/generate", json=ask("word " * 2000), headers=setup.member()
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"]["context_window"] == 1000
