"""One access line per request: who and what, never a body, a key or a prompt."""

from __future__ import annotations

import logging

import httpx

from tests.gateway.helpers import ask, providers
from turnout.app import create_app


async def test_each_request_logs_one_line_with_tenant_and_key(client, tenant, upstream, caplog):
    setup = await providers(client, tenant, upstream, "openai")
    key = setup.member()["Authorization"].removeprefix("Bearer ")
    with caplog.at_level(logging.INFO, logger="turnout.access"):
        response = await client.post(
            "/api/v1/llm/generate?secret=query", json=ask("my private prompt"),
            headers={**setup.member(), "x-request-id": "trace-42"},
        )
    assert response.status_code == 200
    lines = [
        r.getMessage() for r in caplog.records
        if r.name == "turnout.access" and "/generate" in r.getMessage()
    ]
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("POST /api/v1/llm/generate 200 ")
    assert "request_id=trace-42" in line and f"tenant={tenant.id}" in line
    assert "key_id=" in line and "key_id=-" not in line
    for secret in (key, "my private prompt", "secret=query"):
        assert secret not in line


async def test_anonymous_and_failed_requests_are_logged_too(client, caplog):
    with caplog.at_level(logging.INFO, logger="turnout.access"):
        await client.get("/api/v1/llm/health")
    line = next(r.getMessage() for r in caplog.records if r.name == "turnout.access")
    assert line.startswith("GET /api/v1/llm/health 401 ") and "tenant=- key_id=-" in line


async def test_the_access_log_can_be_switched_off(settings, caplog):
    app = create_app(settings.model_copy(update={"access_log": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            with caplog.at_level(logging.INFO, logger="turnout.access"):
                await http.get("/healthz")
    assert not [r for r in caplog.records if r.name == "turnout.access"]
