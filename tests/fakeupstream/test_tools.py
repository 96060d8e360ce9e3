"""The scripted tool-calling model, in OpenAI's dialect and in Ollama's native one."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from tests.fakeupstream.helpers import auth_for, chat_body, endpoint_url, ndjson, sse_json
from turnout.fakeupstream import FakeUpstream

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city", "days"],
        },
    },
}
CLOCK = {"type": "function", "function": {"name": "get_time", "parameters": {}}}


async def post(http: aiohttp.ClientSession, url: str, body: dict, flavor: str) -> tuple[int, str]:
    async with http.post(url, json=body, headers=auth_for(flavor)) as response:
        return response.status, await response.text()


async def openai_chat(http, fake, body: dict, flavor: str = "openai") -> tuple[int, str]:
    return await post(http, endpoint_url(fake, flavor, "chat/completions"), body, flavor)


@pytest.mark.parametrize("flavor", ["openai", "deepseek", "qwen", "azure_openai", "ollama"])
async def test_a_model_given_tools_calls_the_first_with_arguments_from_the_question(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str
) -> None:
    status, text = await openai_chat(
        http, fake, chat_body("Paris next week", tools=[WEATHER, CLOCK]), flavor
    )
    assert status == 200
    choice = orjson.loads(text)["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function" and call["id"]
    assert call["function"]["name"] == "get_weather"
    assert orjson.loads(call["function"]["arguments"]) == {"city": "Paris next week", "days": 3}


async def test_the_answer_after_a_tool_result_echoes_the_result(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = chat_body("weather?", tools=[WEATHER])
    _, first = await openai_chat(http, fake, body)
    message = orjson.loads(first)["choices"][0]["message"]
    call_id = message["tool_calls"][0]["id"]
    body["messages"] += [message, {"role": "tool", "tool_call_id": call_id, "content": "sunny"}]
    _, second = await openai_chat(http, fake, body)
    choice = orjson.loads(second)["choices"][0]
    assert choice["message"]["content"] == "echo: sunny" and choice["finish_reason"] == "stop"


async def test_tool_choice_names_a_tool_or_forces_all_of_them_or_none(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    named = {"type": "function", "function": {"name": "get_time"}}
    cases = [(named, None, ["get_time"]), ("required", None, ["get_weather", "get_time"]),
             ("required", False, ["get_weather"]), ("none", None, [])]
    for choice, parallel, expected in cases:
        body = chat_body("x", tools=[WEATHER, CLOCK], tool_choice=choice)
        if parallel is not None:
            body["parallel_tool_calls"] = parallel
        _, text = await openai_chat(http, fake, body)
        message = orjson.loads(text)["choices"][0]["message"]
        assert [c["function"]["name"] for c in message.get("tool_calls", [])] == expected


async def test_streamed_tool_calls_start_with_id_and_name_then_send_argument_fragments(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = chat_body("Rome", tools=[WEATHER, CLOCK], tool_choice="required", stream=True)
    _, text = await openai_chat(http, fake, body)
    deltas = [c["choices"][0] for c in sse_json(text) if c["choices"]]
    pieces = [p for d in deltas for p in d["delta"].get("tool_calls", [])]
    starts = [p for p in pieces if "id" in p]
    assert [(p["index"], p["function"]["name"], p["function"]["arguments"]) for p in starts] == [
        (0, "get_weather", ""), (1, "get_time", "")
    ]
    joined = {i: "".join(p["function"]["arguments"] for p in pieces if p["index"] == i)
              for i in (0, 1)}
    assert orjson.loads(joined[0]) == {"city": "Rome", "days": 1} and joined[1] == "{}"
    assert len([p for p in pieces if p["index"] == 0]) > 2
    assert deltas[-1]["finish_reason"] == "tool_calls"


async def test_openai_tool_messages_without_a_call_id_are_refused(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = chat_body("x")
    body["messages"].append({"role": "tool", "content": "orphan"})
    status, _ = await openai_chat(http, fake, body)
    assert status == 400


async def test_several_choices_repeat_the_reply_under_their_index(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await openai_chat(http, fake, chat_body("two words", n=2))
    reply = orjson.loads(text)
    assert [(c["index"], c["message"]["content"]) for c in reply["choices"]] == [
        (0, "echo: two words"), (1, "echo: two words")
    ]
    _, streamed = await openai_chat(http, fake, chat_body("two words", n=2, stream=True))
    by_index: dict[int, str] = {}
    for event in sse_json(streamed):
        for choice in event["choices"]:
            by_index[choice["index"]] = by_index.get(choice["index"], "") + (
                choice["delta"].get("content") or ""
            )
    assert by_index == {0: "echo: two words", 1: "echo: two words"}


async def ollama_chat(http, fake, body: dict) -> tuple[int, str]:
    return await post(http, f"{fake.url_for('ollama')}/api/chat", body, "ollama")


async def test_ollama_native_calls_carry_object_arguments_and_end_with_stop(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = chat_body("Oslo", tools=[WEATHER], stream=False)
    status, text = await ollama_chat(http, fake, body)
    answer = orjson.loads(text)
    assert status == 200 and answer["done_reason"] == "stop"
    assert answer["message"]["tool_calls"] == [
        {"function": {"name": "get_weather", "arguments": {"city": "Oslo", "days": 1}}}
    ]
    _, streamed = await ollama_chat(http, fake, {**body, "stream": True})
    lines = ndjson(streamed)
    assert [line["message"].get("tool_calls") for line in lines if not line["done"]] == [
        answer["message"]["tool_calls"]
    ]


async def test_ollama_native_refuses_arguments_as_text_and_answers_tool_results(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    call = {"function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
    body = chat_body("Oslo", stream=False)
    body["messages"].append({"role": "assistant", "content": "", "tool_calls": [call]})
    status, _ = await ollama_chat(http, fake, body)
    assert status == 400
    call["function"]["arguments"] = {"city": "Oslo"}
    body["messages"].append({"role": "tool", "content": "snow", "tool_name": "get_weather"})
    status, text = await ollama_chat(http, fake, body)
    assert status == 200 and orjson.loads(text)["message"]["content"] == "echo: snow"
