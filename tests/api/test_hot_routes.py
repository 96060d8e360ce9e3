"""The hot routes are dispatched ahead of routing and answer exactly as through the framework."""

from __future__ import annotations

import httpx

from tests.gateway.helpers import ask, providers
from turnout.api.hot_routes import HotRoutes, lean_endpoints
from turnout.security.roles import Role


def test_the_lean_endpoints_and_only_they_take_the_short_way(app):
    table = lean_endpoints(app.routes)
    assert set(table) == {
        ("POST", "/api/v1/llm/generate"),
        ("POST", "/api/v1/llm/embed"),
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/embeddings"),
    }


def hot_routes_of(app) -> HotRoutes:
    assert app.middleware_stack is not None  # built by the first request of the session
    layer = app.middleware_stack
    while not isinstance(layer, HotRoutes):
        layer = layer.app
    return layer


async def test_short_way_and_framework_give_the_same_answers(app, client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    hot = hot_routes_of(app)
    answers = {}
    for way, endpoints in (("short", hot.endpoints), ("framework", {})):
        hot.endpoints, saved = endpoints, hot.endpoints
        try:
            ok = await client.post("/api/v1/llm/generate", json=ask("hi"), headers=setup.member())
            invalid = await client.post(
                "/api/v1/llm/generate", json={"messages": []}, headers=setup.member()
            )
            anonymous = await client.post("/v1/chat/completions", json={})
            forbidden = await client.post(
                "/api/v1/llm/generate", json=ask("hi"), headers=tenant.headers(Role.VIEWER)
            )
        finally:
            hot.endpoints = saved
        answers[way] = [
            (r.status_code, _without_ids(r.json()), "x-request-id" in r.headers)
            for r in (ok, invalid, anonymous, forbidden)
        ]
    assert answers["short"] == answers["framework"]
    assert [status for status, _, _ in answers["short"]] == [200, 422, 401, 403]


async def test_a_request_under_a_root_path_goes_through_the_framework(app, tenant, upstream):
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, root_path="/gateway"), base_url="http://t"
    )
    async with client:
        setup = await providers(client, tenant, upstream, "openai")
        response = await client.post(
            "/gateway/api/v1/llm/generate", json=ask("rooted"), headers=setup.member()
        )
    assert response.status_code == 200, response.text
    assert response.json()["content"] == "echo: rooted"


def _without_ids(body: dict) -> dict:
    volatile = {"request_id", "latency_ms", "id", "created"}
    if isinstance(body.get("error"), dict):
        return {"error": {k: v for k, v in body["error"].items() if k not in volatile}}
    body = {k: v for k, v in body.items() if k not in volatile}
    body["attempts"] = [{**a, "latency_ms": 0} for a in body.get("attempts", [])]
    return body
