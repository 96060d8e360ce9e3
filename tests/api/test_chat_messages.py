"""Messages follow OpenAI's chat schema: an invalid one is refused naming its field, never
dropped; the same holds for generate. Unknown body fields are refused; OpenAI's documented
ones are accepted and reach the provider."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.gateway.helpers import providers
from turnout.api.schemas.llm import GenerateRequest

CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def user(text: str = "hi") -> dict:
    return {"role": "user", "content": text}


def fields(response) -> list[str]:
    return [issue["field"] for issue in response.json()["error"]["details"]["fields"]]


@pytest.fixture
async def member(client, tenant, upstream):
    return (await providers(client, tenant, upstream, "openai")).member()


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        ([user(), {"role": "wizard", "content": "abracadabra"}], "messages.1.role"),
        ([{"role": "user"}], "messages.0.content"),
        ([{"role": "user", "content": None}], "messages.0.content"),
        ([{"role": "user", "content": []}], "messages.0.content"),
        ([user(), {"role": "assistant"}], "messages.1.content"),
        ([user(), {"role": "tool", "content": "42"}], "messages.1.tool_call_id"),
        ([{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
         "messages.0.content.0.type"),
        ([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}],
         "messages.0.content.0.image_url.url"),
        ([{"role": "user", "content": [{"type": "video", "video": "v"}]}],
         "messages.0.content.0.type"),
        ([{"role": "user", "content": "hi", "tool_call_id": "x"}], "messages.0.tool_call_id"),
        ([{"role": "user", "content": "hi", "mood": "sunny"}], "messages.0.mood"),
        ([user(), {"role": "assistant", "content": None,
                   "tool_calls": [{**CALL, "function": {"name": "bad name", "arguments": ""}}]}],
         "messages.1.tool_calls.0.function.name"),
    ],
)
async def test_an_invalid_message_is_refused_naming_its_field(
    client, member, upstream, messages, field
):
    api = await client.post(
        "/api/v1/llm/generate", json={"messages": messages}, headers=member
    )
    assert api.status_code == 422
    assert fields(api) == [field]
    openai = await client.post(
        "/v1/chat/completions", json={"model": "auto", "messages": messages}, headers=member
    )
    assert openai.status_code == 422
    error = openai.json()["error"]
    assert error["type"] == "invalid_request_error" and field in error["message"]
    assert upstream.requests == []


async def test_every_role_and_part_openai_defines_reaches_the_provider_as_sent(
    client, member, upstream
):
    messages = [
        {"role": "developer", "content": "be brief"},
        {"role": "system", "content": [{"type": "text", "text": "and kind"}], "name": "rules"},
        {"role": "user", "name": "ann", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png",
                                                "detail": "low"}},
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            {"type": "file", "file": {"file_id": "file-1"}},
        ]},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "ok"}]},
        {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}],
         "refusal": "no"},
        user("go on"),
    ]
    response = await client.post(
        "/v1/chat/completions", json={"model": "auto", "messages": messages}, headers=member
    )
    assert response.status_code == 200, response.text
    assert upstream.requests[-1].json["messages"] == messages


async def test_unknown_body_fields_are_refused_and_documented_ones_pass_on(
    client, member, upstream
):
    unknown = await client.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": [user()], "temprature": 0.3},
        headers=member,
    )
    assert unknown.status_code == 422 and "temprature" in unknown.json()["error"]["message"]
    documented = {
        "metadata": {"batch": "7"},
        "store": False,
        "service_tier": "default",
        "reasoning_effort": "low",
        "prompt_cache_key": "k",
        "safety_identifier": "hashed-user",
        "frequency_penalty": 0.5,
        "presence_penalty": -0.5,
        "stream_options": None,
    }
    ok = await client.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": [user()], **documented},
        headers=member,
    )
    assert ok.status_code == 200, ok.text
    sent = upstream.requests[-1].json
    assert {name: sent.get(name) for name in documented if name != "stream_options"} == {
        name: value for name, value in documented.items() if name != "stream_options"
    }


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"tool_choice": "auto"}, "tool_choice"),
        ({"parallel_tool_calls": True}, "parallel_tool_calls"),
        ({"tools": [{"type": "function", "function": {"name": "a"}}],
          "tool_choice": {"type": "function", "function": {"name": "b"}}}, "tool_choice"),
        ({"tools": [{"type": "function", "function": {"name": "a", "colour": "red"}}]},
         "tools.0.function.colour"),
        ({"modalities": ["text", "audio"]}, "modalities.1"),
        ({"logit_bias": {"1": 500}}, "logit_bias.1"),
    ],
)
async def test_tool_settings_follow_openais_rules(client, member, extra, field):
    response = await client.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": [user()], **extra},
        headers=member,
    )
    assert response.status_code == 422
    assert field in response.json()["error"]["message"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "text", "image_url", "url", "refusal", "file", "x"]), inner,
        max_size=3,
    ),
    max_leaves=8,
)
MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "developer", "user", "assistant", "tool", "x"])},
    optional={"content": JSON, "name": JSON, "tool_call_id": JSON, "tool_calls": JSON,
              "refusal": JSON},
)


@settings(max_examples=300)
@given(messages=st.lists(MESSAGE, min_size=1, max_size=3))
def test_any_messages_are_accepted_or_refused_field_by_field(messages):
    """Whatever a client sends, the answer is the messages or a validation error, never a bug."""
    try:
        GenerateRequest.model_validate({"messages": messages})
    except ValidationError as refused:
        assert all(error["loc"][0] == "messages" for error in refused.errors())
