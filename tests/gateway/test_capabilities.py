"""A request needing what a provider's API lacks is never sent there: such candidates are
skipped in failover, and when none is left the request is refused, in the caller's language."""

from __future__ import annotations

import dataclasses

from tests.gateway.fakes import StubRuntime, switcher_for
from tests.gateway.helpers import providers

from turnout.errors import CapabilityUnsupported
from turnout.gateway.context import Caller, GatewayRequest
from turnout.providers import CATALOG, Capabilities, ChatRequest

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
ASK = [{"role": "user", "content": "hi"}]


def chat(**body) -> dict:
    return {"model": "auto", "messages": ASK, **body}


async def test_a_provider_without_the_feature_is_skipped_and_the_next_serves(
    client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "deepseek", "openai")
    response = await client.post(
        "/v1/chat/completions", json=chat(seed=7, user="u-42"), headers=setup.member()
    )
    assert response.status_code == 200, response.text
    attempts = response.json()["turnout"]["attempts"]
    assert [(a["provider"], a["status"], a["code"]) for a in attempts] == [
        ("deepseek", "skipped", "CAPABILITY_UNSUPPORTED"),
        ("openai", "ok", None),
    ]
    assert [r.flavor for r in upstream.requests] == ["openai"]
    assert (upstream.requests[0].json["seed"], upstream.requests[0].json["user"]) == (7, "u-42")


async def test_when_no_provider_has_the_feature_the_request_is_refused_in_its_language(
    client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "deepseek", "zhipu")
    response = await client.post(
        "/v1/chat/completions",
        json=chat(logit_bias={"50256": -100}),
        headers={**setup.member(), "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "capability_unsupported"
    assert "logit_bias" in error["message"] and "不支持" in error["message"]
    assert upstream.requests == []


async def test_generate_refuses_images_no_provider_can_see_with_every_attempt(
    client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "deepseek")
    picture = [{"role": "user", "content": [
        {"type": "text", "text": "what is it?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]}]
    response = await client.post(
        "/api/v1/llm/generate", json={"messages": picture}, headers=setup.member()
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "CAPABILITY_UNSUPPORTED"
    assert [a["code"] for a in error["details"]["attempts"]] == ["CAPABILITY_UNSUPPORTED"]


async def test_remote_images_skip_ollama_but_data_urls_reach_it(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "ollama", "openai")

    def picture(url: str) -> dict:
        content = [{"type": "text", "text": "look"},
                   {"type": "image_url", "image_url": {"url": url}}]
        return chat(messages=[{"role": "user", "content": content}])

    remote = await client.post(
        "/v1/chat/completions", json=picture("https://example.com/a.png"), headers=setup.member()
    )
    assert remote.json()["turnout"]["provider_id"] == setup.ids["openai"]
    sent = upstream.requests[-1].json["messages"][0]["content"][1]
    assert sent == {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    inline = await client.post(
        "/v1/chat/completions", json=picture("data:image/png;base64,AAAA"), headers=setup.member()
    )
    assert inline.json()["turnout"]["provider_id"] == setup.ids["ollama"]
    assert upstream.requests[-1].json["messages"][0]["images"] == ["AAAA"]


async def test_a_forced_tool_choice_skips_a_provider_that_cannot_force_one(
    client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "zhipu", "deepseek")
    response = await client.post(
        "/v1/chat/completions",
        json=chat(tools=[WEATHER], tool_choice="required"),
        headers=setup.member(),
    )
    assert response.json()["turnout"]["provider_id"] == setup.ids["deepseek"]
    assert response.json()["choices"][0]["finish_reason"] == "tool_calls"


async def test_the_response_cache_keys_on_tools(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    plain = await client.post(
        "/v1/chat/completions", json=chat(temperature=0), headers=setup.member()
    )
    with_tools = await client.post(
        "/v1/chat/completions", json=chat(temperature=0, tools=[WEATHER]), headers=setup.member()
    )
    again = await client.post(
        "/v1/chat/completions", json=chat(temperature=0, tools=[WEATHER]), headers=setup.member()
    )
    assert plain.headers["x-turnout-cache"] == "miss"
    assert with_tools.headers["x-turnout-cache"] == "miss"
    assert with_tools.json()["choices"][0]["finish_reason"] == "tool_calls"
    assert again.headers["x-turnout-cache"] == "hit"
    assert again.json()["choices"][0]["message"] == with_tools.json()["choices"][0]["message"]


async def test_a_cached_tool_call_is_replayed_as_a_stream(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    body = chat(temperature=0, tools=[WEATHER])
    await client.post("/v1/chat/completions", json=body, headers=setup.member())
    streamed = await client.post(
        "/v1/chat/completions", json={**body, "stream": True}, headers=setup.member()
    )
    assert '"tool_calls":[{"index":0,"id":' in streamed.text
    assert '"finish_reason":"tool_calls"' in streamed.text
    assert len(upstream.requests) == 1  # the stream came from the cache


async def test_the_switcher_skips_a_type_without_tools_even_for_tool_history_alone():
    runtime = StubRuntime()
    plain = runtime.add("plain")
    plain.entry = dataclasses.replace(CATALOG["openai"], capabilities=Capabilities(tools=False))
    capable = runtime.add("capable")
    runtime.route("plain", "capable")
    switcher, _ = switcher_for(runtime)
    history = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                              "function": {"name": "w", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    request = GatewayRequest(Caller("t"), "r1", ChatRequest(history))
    result = await switcher.generate(request)
    assert result.provider_id == "capable" and plain.history == [] and capable.history
    runtime.route("plain")
    try:
        await switcher.generate(GatewayRequest(Caller("t"), "r2", ChatRequest(history)))
    except CapabilityUnsupported as refused:
        assert refused.params["capability"] == "tools"
        assert [a.code for a in refused.attempts] == ["CAPABILITY_UNSUPPORTED"]
    else:
        raise AssertionError("a request with tool history reached a provider without tools")
