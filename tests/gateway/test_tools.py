"""Function calling through Turnout with the official `openai` SDK over real HTTP: a request
with tools gets the assistant's tool calls, the client runs the tool and sends its result as a
`tool` message, and the final answer comes back; streamed and not, on an OpenAI-dialect
provider and on Ollama's native API (whose tool calls Turnout translates both ways)."""

from __future__ import annotations

import json

import openai
import pytest
from tests.gateway.helpers import providers

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture
async def sdk(client, tenant, upstream, live_url):
    setup = await providers(client, tenant, upstream, "openai", "ollama")
    key = setup.member()["Authorization"].removeprefix("Bearer ")
    async with openai.AsyncOpenAI(base_url=f"{live_url}/v1", api_key=key, max_retries=0) as api:
        yield api


def weather(city: str) -> str:
    return f"sunny in {city}"


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "ollama/llama3.2"])
async def test_a_tool_call_round_trip(sdk, upstream, model):
    messages: list = [{"role": "user", "content": "Paris"}]
    first = await sdk.chat.completions.create(model=model, messages=messages, tools=[WEATHER])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    assert arguments == {"city": "Paris"}
    messages += [
        choice.message,
        {"role": "tool", "tool_call_id": call.id, "content": weather(**arguments)},
    ]
    final = await sdk.chat.completions.create(model=model, messages=messages, tools=[WEATHER])
    assert final.choices[0].message.content == "echo: sunny in Paris"
    assert final.choices[0].finish_reason == "stop"
    sent = upstream.requests[-1].json
    assert sent["tools"] == [WEATHER]
    assert sent["messages"][-1]["content"] == "sunny in Paris"


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "ollama/llama3.2"])
async def test_a_streamed_tool_call_round_trip(sdk, model):
    messages: list = [{"role": "user", "content": "Lima"}]
    async with sdk.chat.completions.stream(
        model=model, messages=messages, tools=[WEATHER]
    ) as stream:
        async for _ in stream:
            pass
        first = await stream.get_final_completion()
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.id and call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    messages += [
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": weather(**arguments)},
    ]
    chunks = await sdk.chat.completions.create(
        model=model, messages=messages, tools=[WEATHER], stream=True
    )
    text = "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])
    assert text == "echo: sunny in Lima"


async def test_tool_call_pieces_stream_as_openai_sends_them(sdk):
    chunks = await sdk.chat.completions.create(
        model="openai", messages=[{"role": "user", "content": "Quito"}], tools=[WEATHER],
        stream=True,
    )
    pieces = [
        piece
        async for chunk in chunks
        if chunk.choices
        for piece in chunk.choices[0].delta.tool_calls or ()
    ]
    assert pieces[0].id and pieces[0].type == "function" and pieces[0].function.name
    assert all(p.id is None and p.function.name is None for p in pieces[1:])
    assert json.loads("".join(p.function.arguments for p in pieces)) == {"city": "Quito"}


async def test_several_choices_come_back_streamed_and_not(sdk):
    ask = {"model": "openai", "messages": [{"role": "user", "content": "two"}], "n": 2}
    whole = await sdk.chat.completions.create(**ask)
    assert [(c.index, c.message.content) for c in whole.choices] == [
        (0, "echo: two"), (1, "echo: two")
    ]
    texts: dict[int, str] = {}
    async for chunk in await sdk.chat.completions.create(**ask, stream=True):
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
    assert texts == {0: "echo: two", 1: "echo: two"}
