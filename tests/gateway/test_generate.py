"""POST /api/v1/llm/generate end to end: routing, content, usage, cache."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.gateway.helpers import ask, providers

from turnout.store.models import UsageLog


async def test_generate_answers_through_the_active_provider(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "qwen")
    response = await client.post(
        "/api/v1/llm/generate", json=ask("label me"), headers=setup.member()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["content"] == "echo: label me"
    assert body["provider_id"] == setup.ids["openai"]
    assert (
        body["usage"]["total_tokens"]
        == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    )
    assert body["cached"] is False and body["finish_reason"] == "stop"
    assert [a["status"] for a in body["attempts"]] == ["ok"]
    assert response.headers["x-turnout-cache"] == "miss"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_messages_and_a_named_provider_and_model(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "deepseek")
    body = {
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "which one"},
        ],
        "provider_id": setup.ids["deepseek"],
        "model": "deepseek-reasoner",
    }
    response = await client.post("/api/v1/llm/generate", json=body, headers=setup.member())
    assert response.json()["provider_id"] == setup.ids["deepseek"]
    assert response.json()["model"] == "deepseek-reasoner"
    sent = [r for r in upstream.requests if r.flavor == "deepseek"][-1]
    assert sent.json["messages"][0] == {"role": "system", "content": "be brief"}


async def test_deterministic_requests_are_cached_and_say_so(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    first = await client.post(
        "/api/v1/llm/generate", json=ask("same", temperature=0), headers=setup.member()
    )
    calls = len(upstream.requests)
    second = await client.post(
        "/api/v1/llm/generate", json=ask("same", temperature=0), headers=setup.member()
    )
    assert first.headers["x-turnout-cache"] == "miss" and second.headers["x-turnout-cache"] == "hit"
    assert second.json()["cached"] is True and second.json()["content"] == first.json()["content"]
    assert len(upstream.requests) == calls  # the provider was not called again
    opted_out = await client.post(
        "/api/v1/llm/generate",
        json=ask("same", temperature=0) | {"cache": False},
        headers=setup.member(),
    )
    assert opted_out.json()["cached"] is False and len(upstream.requests) == calls + 1


async def test_sampled_requests_are_not_cached_unless_asked(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    for _ in range(2):
        response = await client.post(
            "/api/v1/llm/generate", json=ask("warm", temperature=0.9), headers=setup.member()
        )
        assert response.json()["cached"] is False
    await client.post(
        "/api/v1/llm/generate",
        json=ask("warm", temperature=0.9) | {"cache": True},
        headers=setup.member(),
    )
    forced = await client.post(
        "/api/v1/llm/generate",
        json=ask("warm", temperature=0.9) | {"cache": True},
        headers=setup.member(),
    )
    assert forced.json()["cached"] is True


async def test_cache_is_per_tenant(client, tenant, other_tenant, upstream):
    mine = await providers(client, tenant, upstream, "openai")
    theirs = await providers(client, other_tenant, upstream, "openai")
    await client.post(
        "/api/v1/llm/generate", json=ask("shared text", temperature=0), headers=mine.member()
    )
    other = await client.post(
        "/api/v1/llm/generate", json=ask("shared text", temperature=0), headers=theirs.member()
    )
    assert other.json()["cached"] is False


async def test_usage_rows_record_every_request(client, tenant, upstream, services):
    setup = await providers(client, tenant, upstream, "openai")
    for text in ("a", "b", "c"):
        await client.post(
            "/api/v1/llm/generate", json=ask(text, temperature=0), headers=setup.member()
        )
    await client.post("/api/v1/llm/generate", json=ask("a", temperature=0), headers=setup.member())
    await services.usage.flush()
    async with services.sessions() as session:
        rows = (
            (await session.execute(select(UsageLog).where(UsageLog.tenant_id == tenant.id)))
            .scalars()
            .all()
        )
    assert len(rows) == 4
    assert sum(r.cached for r in rows) == 1
    assert all(r.status == "ok" and r.api_key_id for r in rows)
    assert all(r.total_tokens > 0 for r in rows if not r.cached)

    report = (await client.get("/api/v1/llm/usage", headers=tenant.headers())).json()
    assert report["totals"]["requests"] == 4 and report["totals"]["cache_hits"] == 1
    assert report["totals"]["cache_hit_rate"] == 0.25
    assert report["by_provider"][0]["key"] == setup.ids["openai"]
    assert report["totals"]["latency_ms"]["p50"] is not None


async def test_cost_comes_from_the_model_registry(client, tenant, upstream, services):
    setup = await providers(client, tenant, upstream, "openai")
    await client.post(
        "/api/v1/llm/models",
        json={
            "provider_type": "openai",
            "model": "gpt-4o-mini",
            "input_price_per_1k": 1.0,
            "output_price_per_1k": 2.0,
        },
        headers=tenant.headers(),
    )
    services.switcher.deps.prices._tenants.clear()
    body = (
        await client.post(
            "/api/v1/llm/generate",
            json=ask("one two three") | {"model": "gpt-4o-mini"},
            headers=setup.member(),
        )
    ).json()
    await services.usage.flush()
    async with services.sessions() as session:
        cost = (
            await session.execute(
                select(func.sum(UsageLog.cost)).where(UsageLog.tenant_id == tenant.id)
            )
        ).scalar_one()
    usage = body["usage"]
    assert cost == pytest.approx(
        usage["prompt_tokens"] / 1000 * 1.0 + usage["completion_tokens"] / 1000 * 2.0
    )


async def test_no_provider_configured(client, tenant):
    response = await client.post("/api/v1/llm/generate", json=ask(), headers=tenant.headers())
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "NO_PROVIDER_AVAILABLE"


async def test_viewer_may_not_generate_and_bad_bodies_are_refused(client, tenant, upstream):
    from turnout.security.roles import Role

    setup = await providers(client, tenant, upstream, "openai")
    viewer = await client.post(
        "/api/v1/llm/generate", json=ask(), headers=tenant.headers(Role.VIEWER)
    )
    assert viewer.status_code == 403
    both = await client.post(
        "/api/v1/llm/generate",
        json={"prompt": "x", "messages": [{"role": "user", "content": "y"}]},
        headers=setup.member(),
    )
    assert both.status_code == 422
    hot = await client.post("/api/v1/llm/generate", json=ask(temperature=5), headers=setup.member())
    assert hot.status_code == 422
    assert hot.json()["error"]["details"]["fields"][0]["field"] == "options.temperature"


async def test_embed(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "deepseek", "openai")
    response = await client.post(
        "/api/v1/llm/embed", json={"texts": ["a b", "c"]}, headers=setup.member()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["embeddings"]) == 2 and body["dimensions"] == len(body["embeddings"][0])
    # DeepSeek cannot embed, so the request went to the fallback, and says so.
    assert body["provider_id"] == setup.ids["openai"]
    assert [a["status"] for a in body["attempts"]] == ["skipped", "ok"]
