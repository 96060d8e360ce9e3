"""No upstream text reaches a member: codes and Turnout's own messages only; admins get excerpts."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests.gateway.helpers import ask, providers
from turnout.fakeupstream import Fault
from turnout.security.roles import Role

CANARY = "sk-canary-9f8e7d6c5b4a39281706"
# An upstream that echoes the request's headers and a key back in a plain-text error.
ECHOING_BODY = (
    f"upstream trace: Authorization: Bearer {CANARY}; api_key={CANARY}; "
    "x-api-key: Zk3mQ9vX2pL8wT4r; session Q2xpZW50U2VjcmV0MTIzNDU2Nzg5MGFiY2RlZmdoaWpr"
)
ENTROPY = "Q2xpZW50U2VjcmV0MTIzNDU2Nzg5MGFiY2RlZmdoaWpr"
LEAKS = (CANARY, "Zk3mQ9vX2pL8wT4r", ENTROPY, "upstream trace")


async def stored_health(client, headers, provider_id: str) -> dict:
    """The provider's health row once live traffic's failure has been stored (in the background)."""
    for _ in range(100):
        health = await client.get("/api/v1/llm/health", headers=headers)
        row = next(r for r in health.json() if r["provider_id"] == provider_id)
        if row["last_error_code"] is not None:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the failure was never stored")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def failing_setup(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", max_retries=0)
    upstream.set_fault(Fault(status=502, body=ECHOING_BODY))
    return setup


@pytest.mark.parametrize("path", ["/api/v1/llm/generate", "/v1/chat/completions"])
async def test_a_member_sees_codes_and_our_message_never_the_upstream_text(
    client, tenant, upstream, path
):
    setup = await failing_setup(client, tenant, upstream)
    body = ask("hi") if path.endswith("generate") else {
        "model": "auto", "messages": [{"role": "user", "content": "hi"}]
    }
    response = await client.post(path, json=body, headers=setup.member())
    assert response.status_code == 503
    assert not any(leak in response.text for leak in LEAKS)
    if path.endswith("generate"):
        attempt = response.json()["error"]["details"]["attempts"][0]
        assert attempt["code"] == "UPSTREAM_ERROR"
        assert attempt["message"] == "The provider reported a server error."
        assert "detail" not in attempt


async def test_an_admin_sees_a_scrubbed_excerpt(client, tenant, upstream):
    setup = await failing_setup(client, tenant, upstream)
    response = await client.post("/api/v1/llm/generate", json=ask(), headers=tenant.headers())
    attempt = response.json()["error"]["details"]["attempts"][0]
    assert "upstream trace" in attempt["detail"]
    assert not any(leak in response.text for leak in LEAKS[:3])
    assert len(attempt["detail"]) <= 200
    assert setup  # the same providers serve both callers


async def test_connection_failures_are_our_words_in_the_callers_language(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", max_retries=0)
    broken = {"base_url": f"http://127.0.0.1:{closed_port()}/v1"}
    updated = await client.put(
        f"/admin/config/llm/{setup.ids['openai']}", json=broken, headers=tenant.headers()
    )
    assert updated.status_code == 200, updated.text
    headers = {**setup.member(), "Accept-Language": "zh-CN"}
    response = await client.post("/api/v1/llm/generate", json=ask(), headers=headers)
    attempt = response.json()["error"]["details"]["attempts"][0]
    assert attempt["code"] == "CONNECTION_ERROR"
    assert attempt["message"] == "无法连接到提供商。"
    assert "Cannot connect" not in response.text and "ClientConnector" not in response.text

    row = await stored_health(client, tenant.headers(Role.VIEWER), setup.ids["openai"])
    assert row["last_error_code"] == "CONNECTION_ERROR"
    assert row["last_error"] == "The provider could not be reached."
    admin_view = await client.get("/api/v1/llm/health", headers=tenant.headers())
    admin_row = next(r for r in admin_view.json() if r["provider_id"] == setup.ids["openai"])
    assert admin_row["last_error"].startswith("CONNECTION_ERROR: ")
