"""Tools, several choices and the other request features, on the wire of each dialect."""

from __future__ import annotations

import orjson
import pytest

from tests.providers.conftest import ProviderFactory
from tests.providers.stub import Reply, Stub, ndjson, sse
from tests.providers.wire import chunk, collect, completion
from turnout import errors as e
from turnout.providers import ChatRequest
from turnout.providers.assembly import StreamAssembly, replay_events
from turnout.providers.base import ChatResult, Choice, ToolCall, Usage
from turnout.providers.features import required_capabilities

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
ASKED = {"role": "user", "content": "weather in Paris?"}
CALLED = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ],
}
ANSWERED = {"role": "tool", "tool_call_id": "call_1", "content": "22 degrees"}


def tool_completion(*calls: dict, content: str | None = None) -> dict:
    body = completion(content, "tool_calls")
    body["choices"][0]["message"]["tool_calls"] = list(calls)
    return body


async def test_tools_and_features_reach_an_openai_dialect_body_unchanged(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json=tool_completion(CALLED["tool_calls"][0])))
    req = ChatRequest(
        [ASKED, CALLED, ANSWERED],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=False,
        n=2,
        seed=7,
        logit_bias={"50256": -100},
        user="u-1",
        presence_penalty=0.5,
        extra={"metadata": {"k": "v"}},
    )
    result = await provider_for("openai").generate(req)
    body = stub.requests[0].json
    assert body["messages"] == [ASKED, CALLED, ANSWERED]
    assert body["tools"] == [WEATHER] and body["tool_choice"]["function"]["name"] == "get_weather"
    assert (body["parallel_tool_calls"], body["n"], body["seed"]) == (False, 2, 7)
    assert (body["logit_bias"], body["user"], body["presence_penalty"]) == (
        {"50256": -100}, "u-1", 0.5
    )
    assert body["metadata"] == {"k": "v"} and "frequency_penalty" not in body
    assert result.tool_calls == (ToolCall("call_1", "get_weather", '{"city": "Paris"}'),)
    assert (result.content, result.finish_reason) == ("", "tool_calls")


async def test_a_plain_request_sends_none_of_the_optional_fields(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json=completion()))
    await provider_for("openai").generate(ChatRequest([ASKED]))
    assert set(stub.requests[0].json) == {"messages", "model"}


async def test_arguments_sent_as_an_object_are_read_as_json_text(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    call = {"id": "c9", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}
    stub.on("/chat/completions", Reply(json=tool_completion(call)))
    result = await provider_for("qwen").generate(ChatRequest([ASKED], tools=[WEATHER]))
    assert result.tool_calls == (ToolCall("c9", "f", '{"a":1}'),)


async def test_several_choices_come_back_in_index_order(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    body = completion("first")
    second = {"index": 1, "message": {"role": "assistant", "content": "second"},
              "finish_reason": "length"}
    body["choices"] = [second, body["choices"][0]]
    stub.on("/chat/completions", Reply(json=body))
    result = await provider_for("openai").generate(ChatRequest([ASKED], n=2))
    assert [(c.content, c.finish_reason) for c in result.choices] == [
        ("first", "stop"), ("second", "length")
    ]


async def test_streamed_tool_call_pieces_are_relayed_and_add_up(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    start = {"index": 0, "id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": ""}}
    parts = ('{"ci', 'ty": "Par', 'is"}')
    pieces = [{"index": 0, "function": {"arguments": part}} for part in parts]
    stub.on("/chat/completions", Reply(content_type="text/event-stream", chunks=sse(
        chunk(role="assistant"),
        chunk(tool_calls=[start]),
        *(chunk(tool_calls=[piece]) for piece in pieces),
        chunk(finish="tool_calls"),
    )))
    events = await collect(provider_for("openai"), ChatRequest([ASKED], tools=[WEATHER]))
    assert [d.arguments for ev in events[:-1] for d in ev.tool_calls] == [
        "", '{"ci', 'ty": "Par', 'is"}'
    ]
    assert events[0].tool_calls[0].id == "call_1" and events[1].tool_calls[0].id is None
    assembly = StreamAssembly()
    for event in events[:-1]:
        assembly.add(event)
    result = assembly.result(events[-1], "m")
    assert result.tool_calls == (ToolCall("call_1", "get_weather", '{"city": "Paris"}'),)
    assert result.finish_reason == "tool_calls"


async def test_streamed_choices_keep_their_index_and_finish(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    def piece(index: int, text: str | None, finish: str | None = None) -> dict:
        delta = {} if text is None else {"content": text}
        return {"id": "c", "model": "m",
                "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}

    stub.on("/chat/completions", Reply(content_type="text/event-stream", chunks=sse(
        piece(0, "a"), piece(1, "b"), piece(1, None, "length"), piece(0, None, "stop"),
    )))
    events = await collect(provider_for("openai"), ChatRequest([ASKED], n=2))
    assert [(ev.index, ev.delta) for ev in events[:-1]] == [(0, "a"), (1, "b")]
    assert (events[-1].finish_reason, events[-1].more_finishes) == ("stop", ("length",))


async def test_ollama_gets_object_arguments_and_the_function_name_of_a_result(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/api/chat", Reply(json={
        "model": "llama3.2", "done": True, "done_reason": "stop",
        "message": {"role": "assistant", "content": "",
                    "tool_calls": [{"function": {"name": "get_weather",
                                                 "arguments": {"city": "Rome"}}}]},
    }))
    req = ChatRequest([ASKED, CALLED, ANSWERED], tools=[WEATHER], seed=3)
    result = await provider_for("ollama", key=None).generate(req)
    body = stub.requests[0].json
    assert body["tools"] == [WEATHER] and body["options"] == {"seed": 3}
    assert body["messages"][0] == ASKED
    assert body["messages"][1]["tool_calls"] == [
        {"id": "call_1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    ]
    assert body["messages"][2] == {"role": "tool", "content": "22 degrees",
                                   "tool_call_id": "call_1", "tool_name": "get_weather"}
    (call,) = result.tool_calls
    assert (call.name, orjson.loads(call.arguments)) == ("get_weather", {"city": "Rome"})
    assert call.id.startswith("call_") and result.finish_reason == "tool_calls"


async def test_ollama_tool_choice_none_sends_no_tools_and_images_travel_as_base64(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/api/chat", Reply(json={"model": "m", "done": True, "message": {"content": "ok"}}))
    picture = {"role": "user", "content": [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]}
    req = ChatRequest([picture], tools=[WEATHER], tool_choice="none")
    await provider_for("ollama").generate(req)
    body = stub.requests[0].json
    assert "tools" not in body
    assert body["messages"] == [
        {"role": "user", "content": "what is this?", "images": ["iVBORw0KGgo="]}
    ]


async def test_ollama_streams_its_tool_calls_as_whole_pieces(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    calls = [{"function": {"name": "a", "arguments": {"x": 1}}},
             {"function": {"name": "b", "arguments": {}}}]
    stub.on("/api/chat", Reply(content_type="application/x-ndjson", chunks=ndjson(
        {"model": "m", "message": {"role": "assistant", "content": "", "tool_calls": calls},
         "done": False},
        {"model": "m", "message": {"role": "assistant", "content": ""}, "done": True,
         "done_reason": "stop", "prompt_eval_count": 3, "eval_count": 2},
    )))
    events = await collect(provider_for("ollama"), ChatRequest([ASKED], tools=[WEATHER]))
    pieces = [(d.index, d.name, d.arguments) for ev in events[:-1] for d in ev.tool_calls]
    assert pieces == [(0, "a", '{"x":1}'), (1, "b", "{}")]
    assert events[-1].finish_reason == "tool_calls"


async def test_ollama_refuses_arguments_that_are_not_a_json_object(
    provider_for: ProviderFactory,
) -> None:
    broken = {**CALLED, "tool_calls": [{**CALLED["tool_calls"][0], "function": {
        "name": "get_weather", "arguments": "not json"}}]}
    with pytest.raises(e.UpstreamInvalidRequest):
        await provider_for("ollama").generate(ChatRequest([ASKED, broken, ANSWERED]))


@pytest.mark.parametrize(
    ("req", "needs"),
    [
        (ChatRequest([ASKED]), ()),
        (ChatRequest([ASKED], tools=[WEATHER]), ("tools",)),
        (ChatRequest([ASKED], tools=[WEATHER], tool_choice="required"),
         ("forced_tool_choice", "tools")),
        (ChatRequest([ASKED, CALLED, ANSWERED]), ("tools",)),
        (ChatRequest([ASKED], n=1, seed=1, user="u", logit_bias={"1": 1}),
         ("logit_bias", "seed", "user")),
        (ChatRequest([ASKED], n=3), ("multiple_choices",)),
        (ChatRequest([{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            {"type": "input_audio", "input_audio": {"data": "AA==", "format": "wav"}},
            {"type": "file", "file": {"file_id": "f"}},
        ]}]), ("audio_input", "file_input", "image_input", "image_urls")),
    ],
)
def test_a_request_needs_the_capabilities_of_what_it_asks(req: ChatRequest, needs: tuple) -> None:
    assert required_capabilities(req) == needs


def test_a_replayed_answer_adds_up_to_itself() -> None:
    answer = ChatResult(
        "", "m", "tool_calls", Usage.of(1, 2),
        tool_calls=(ToolCall("c", "f", "{}"),),
        more_choices=(Choice("other", "stop"),),
    )
    *pieces, done = replay_events(answer)
    assembly = StreamAssembly()
    for piece in pieces:
        assembly.add(piece)
    assert assembly.result(done, "m") == answer
