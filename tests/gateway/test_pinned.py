"""A request that names its provider is served by it or fails with its attempts; fallbacks
stand in only when the tenant's routing says `fallback_for_pinned`. A name that is not a
provider is a 404 naming it."""

from __future__ import annotations

import pytest
from tests.gateway.helpers import ask, providers

from turnout.fakeupstream import Fault

BROKEN_MAIN = Fault(status=500, flavors=("openai",))


def chat(model: str) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def setup(client, tenant, upstream):
    # "openai" is the active provider, "deepseek" its fallback.
    return await providers(client, tenant, upstream, "openai", "deepseek", max_retries=0)


async def allow_fallback(client, tenant, setup, allowed: bool) -> dict:
    body = {
        "active_provider_id": setup.ids["openai"],
        "fallback_provider_ids": [setup.ids["deepseek"]],
        "fallback_for_pinned": allowed,
    }
    response = await client.put("/api/v1/llm/routing", json=body, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "openai"])
async def test_a_named_provider_that_fails_is_not_replaced(client, setup, upstream, model):
    upstream.set_fault(BROKEN_MAIN)
    response = await client.post("/v1/chat/completions", json=chat(model), headers=setup.member())
    assert response.status_code == 503
    assert {r.flavor for r in upstream.requests} == {"openai"}
    routed = await client.post("/v1/chat/completions", json=chat("auto"), headers=setup.member())
    assert routed.status_code == 200  # unnamed, the same request fails over as before
    assert routed.json()["turnout"]["provider_id"] == setup.ids["deepseek"]


async def test_a_provider_id_in_generate_is_a_promise_with_its_attempts(client, setup, upstream):
    upstream.set_fault(BROKEN_MAIN)
    response = await client.post(
        "/api/v1/llm/generate",
        json={**ask(), "provider_id": setup.ids["openai"]},
        headers=setup.member(),
    )
    assert response.status_code == 503
    attempts = response.json()["error"]["details"]["attempts"]
    assert attempts and {a["provider_id"] for a in attempts} == {setup.ids["openai"]}


async def test_an_unhealthy_named_provider_is_still_the_only_one_asked(
    client, setup, upstream, services
):
    circuit = services.switcher.deps.circuit
    upstream.set_fault(BROKEN_MAIN)
    for _ in range(circuit.failure_threshold):
        await client.post("/v1/chat/completions", json=chat("openai"), headers=setup.member())
    try:
        response = await client.post(
            "/v1/chat/completions", json=chat("openai/gpt-4o-mini"), headers=setup.member()
        )
        assert response.status_code == 503
        assert all(r.flavor == "openai" for r in upstream.requests)
    finally:
        circuit.reset(setup.ids["openai"])


async def test_routing_may_let_fallbacks_serve_named_requests(client, tenant, setup, upstream):
    assert (await allow_fallback(client, tenant, setup, True))["fallback_for_pinned"] is True
    read = await client.get("/api/v1/llm/routing", headers=tenant.headers())
    assert read.json()["fallback_for_pinned"] is True
    upstream.set_fault(BROKEN_MAIN)
    response = await client.post(
        "/v1/chat/completions", json=chat("openai/gpt-4o-mini"), headers=setup.member()
    )
    assert response.status_code == 200
    assert response.json()["turnout"]["provider_id"] == setup.ids["deepseek"]
    # Activating another provider keeps the setting.
    await client.post(
        f"/api/v1/llm/providers/{setup.ids['deepseek']}/activate", headers=tenant.headers()
    )
    read = await client.get("/api/v1/llm/routing", headers=tenant.headers())
    assert read.json()["fallback_for_pinned"] is True
    assert (await allow_fallback(client, tenant, setup, False))["fallback_for_pinned"] is False


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_an_unknown_provider_name_is_a_404_naming_it(client, setup, upstream, locale):
    response = await client.post(
        "/v1/chat/completions",
        json=chat("other/gpt-4o-mini"),
        headers={**setup.member(), "Accept-Language": locale},
    )
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and "“other”" in error["message"]
    assert upstream.requests == []


async def test_a_bare_model_name_still_goes_to_tenant_routing(client, setup, upstream):
    response = await client.post(
        "/v1/chat/completions", json=chat("gpt-4.1-mini"), headers=setup.member()
    )
    assert response.status_code == 200
    assert upstream.requests[-1].flavor == "openai"
    assert upstream.requests[-1].json["model"] == "gpt-4.1-mini"


async def test_a_model_with_a_slash_is_asked_for_after_its_provider(client, setup, upstream):
    response = await client.post(
        "/v1/chat/completions", json=chat("deepseek/org/model-7b"), headers=setup.member()
    )
    assert response.status_code == 200
    assert upstream.requests[-1].flavor == "deepseek"
    assert upstream.requests[-1].json["model"] == "org/model-7b"
