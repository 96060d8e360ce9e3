"""Only upstream failures become upstream errors: a bug of our own is a 500, not a failover."""

from __future__ import annotations

import logging

import httpx
import pytest
from tests.gateway.helpers import ask, providers

from turnout.fakeupstream import Fault
from turnout.providers import openai_dialect


@pytest.fixture
def broken_parser(monkeypatch):
    def parse(payload, *, provider, model):
        raise TypeError("our own parser is broken")

    monkeypatch.setattr(openai_dialect, "parse_chat_completion", parse)


async def test_a_bug_in_our_parser_is_a_500_with_a_traceback_and_no_failover(
    app, client, tenant, upstream, broken_parser, caplog
):
    setup = await providers(client, tenant, upstream, "openai", "deepseek")
    before = len(upstream.requests)
    # As a server sees it: the app answers 500, then re-raises for the server to log.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as server_side:
        with caplog.at_level(logging.ERROR, logger="turnout.api"):
            response = await server_side.post(
                "/api/v1/llm/generate", json=ask("hello"), headers=setup.member()
            )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "broken" not in response.text  # nothing of the bug leaks to the caller
    # The primary was called once; nobody retried it or failed over to the fallback.
    assert [r.flavor for r in upstream.requests[before:]] == ["openai"]
    # The traceback is logged (scrubbed of secrets like every record).
    logged = [r for r in caplog.records if r.exc_text]
    assert logged and "TypeError: our own parser is broken" in logged[0].exc_text


async def test_a_malformed_upstream_answer_still_fails_over(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "deepseek")
    upstream.set_fault(Fault(malformed_json=True, flavors=("openai",)))
    response = await client.post("/api/v1/llm/generate", json=ask("hello"), headers=setup.member())
    assert response.status_code == 200, response.text
    codes = [a["code"] for a in response.json()["attempts"]]
    assert codes == ["MALFORMED_RESPONSE", None]
