"""Server-Sent Events from /api/v1/llm/generate: deltas, a final usage event, errors."""

from __future__ import annotations

import orjson
from tests.gateway.helpers import ask, providers

from turnout.fakeupstream import Fault


def events(raw: str) -> list[tuple[str, dict]]:
    parsed = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        parsed.append((lines["event"], orjson.loads(lines["data"])))
    return parsed


async def test_stream_sends_deltas_then_usage(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    response = await client.post(
        "/api/v1/llm/generate", json=ask("one two three") | {"stream": True}, headers=setup.member()
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    parsed = events(response.text)
    text = "".join(data["text"] for name, data in parsed if name == "delta")
    assert text == "echo: one two three"
    name, done = parsed[-1]
    assert name == "done"
    assert done["usage"]["completion_tokens"] > 0 and done["provider_id"] == setup.ids["openai"]
    assert done["finish_reason"] == "stop" and done["cached"] is False


async def test_stream_fails_over_before_the_first_byte(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "ollama")
    upstream.set_fault(Fault(status=503, flavors=("openai",)))
    response = await client.post(
        "/api/v1/llm/generate",
        json=ask("fallback please") | {"stream": True},
        headers=setup.member(),
    )
    parsed = events(response.text)
    assert "".join(d["text"] for n, d in parsed if n == "delta") == "echo: fallback please"
    assert parsed[-1][1]["provider_id"] == setup.ids["ollama"]
    assert [a["status"] for a in parsed[-1][1]["attempts"]] == ["error", "error", "error", "ok"]


async def test_error_mid_stream_ends_with_an_error_event(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "qwen")
    upstream.set_fault(Fault(error_mid_stream=True, error="server_error", flavors=("openai",)))
    response = await client.post(
        "/api/v1/llm/generate",
        json=ask("a b c d e f") | {"stream": True},
        headers=setup.member() | {"Accept-Language": "zh-CN"},
    )
    parsed = events(response.text)
    assert parsed[0][0] == "delta"
    name, data = parsed[-1]
    assert name == "error"
    assert data["error"]["code"] == "UPSTREAM_ERROR"
    assert data["error"]["message"] == "提供商返回了服务器错误。"


async def test_stream_cut_short_is_an_error_not_a_silent_end(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    upstream.set_fault(Fault(cut_stream_after=2, flavors=("openai",)))
    response = await client.post(
        "/api/v1/llm/generate", json=ask("a b c d e f g") | {"stream": True}, headers=setup.member()
    )
    assert events(response.text)[-1][0] == "error"


async def test_when_nobody_can_stream_the_answer_is_a_plain_error(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    upstream.set_fault(Fault(error="auth"))
    response = await client.post(
        "/api/v1/llm/generate", json=ask() | {"stream": True}, headers=setup.member()
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "ALL_PROVIDERS_FAILED"


async def test_cached_answer_streams_too(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    body = ask("cache me", temperature=0) | {"stream": True}
    first = events(
        (await client.post("/api/v1/llm/generate", json=body, headers=setup.member())).text
    )
    second = events(
        (await client.post("/api/v1/llm/generate", json=body, headers=setup.member())).text
    )
    assert first[-1][1]["cached"] is False and second[-1][1]["cached"] is True
    assert "".join(d["text"] for n, d in second if n == "delta") == "echo: cache me"
