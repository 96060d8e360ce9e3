"""OpenAI's chat, embeddings and models bodies, with each vendor's documented extras.

A reply that calls tools has `content: null`, `tool_calls` with arguments as JSON text and
finish_reason "tool_calls"; streamed, each call starts with its index, id, type and name and
an empty arguments string, then the arguments follow in fragments (as OpenAI streams them).
With n > 1 every choice repeats the reply under its own index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from turnout.fakeupstream import content
from turnout.fakeupstream.content import Reply
from turnout.fakeupstream.dialects import azure
from turnout.fakeupstream.flavors import Flavor
from turnout.fakeupstream.tools import ScriptedCall

MODELS_CREATED = 1_700_000_000
ARGUMENT_FRAGMENT = 8  # characters of tool-call arguments per streamed chunk


@dataclass(frozen=True)
class ChatTurn:
    """Everything a chat reply depends on."""

    flavor: Flavor
    model: str
    reply: Reply
    completion_id: str
    created: int
    logprobs: bool = False
    top_logprobs: int = 0
    include_usage: bool = False
    calls: tuple[ScriptedCall, ...] = ()
    n: int = 1


def _plain_usage(prompt: int, completion: int) -> dict[str, Any]:
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}


def _openai_usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        **_plain_usage(prompt, completion),
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
    }


def _cached_usage(prompt: int, completion: int) -> dict[str, Any]:
    return {**_plain_usage(prompt, completion), "prompt_tokens_details": {"cached_tokens": 0}}


def _deepseek_usage(prompt: int, completion: int) -> dict[str, Any]:
    # api-docs.deepseek.com create-chat-completion: cache hit/miss split of the prompt.
    return {**_cached_usage(prompt, completion), "prompt_cache_hit_tokens": 0,
            "prompt_cache_miss_tokens": prompt}


USAGE_STYLES: dict[str, Callable[[int, int], dict[str, Any]]] = {
    "plain": _plain_usage,
    "openai": _openai_usage,
    "cached": _cached_usage,
    "deepseek": _deepseek_usage,
}


def usage(flavor: Flavor, prompt: int, completion: int) -> dict[str, Any]:
    return USAGE_STYLES[flavor.usage_style](prompt, completion)


def _envelope(turn: ChatTurn, object_name: str) -> dict[str, Any]:
    flavor = turn.flavor
    body: dict[str, Any] = {"id": turn.completion_id}
    if flavor.request_id_field:
        body["request_id"] = turn.completion_id
    if flavor.object_field:
        body["object"] = object_name
    body["created"] = turn.created
    body["model"] = turn.model
    if flavor.system_fingerprint is not None:
        body["system_fingerprint"] = flavor.system_fingerprint
    return body


def _logprobs(turn: ChatTurn, pieces: Sequence[str], start: int) -> dict[str, Any] | None:
    if not turn.logprobs:
        return None
    items = [content.piece_logprob_entry(turn.reply, start + i, turn.top_logprobs)
             for i in range(len(pieces))]
    return {"content": items, "refusal": None}


def completion(turn: ChatTurn) -> dict[str, Any]:
    """A non-streamed `chat.completion`."""
    reply = turn.reply
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if turn.calls:
        message = {"role": "assistant", "content": None,
                   "tool_calls": [c.openai() for c in turn.calls]}
    choices = [
        {"index": index, "message": message, "logprobs": _logprobs(turn, reply.pieces, 0),
         "finish_reason": reply.finish_reason}
        for index in range(turn.n)
    ]
    body = _envelope(turn, "chat.completion")
    body["choices"] = choices
    body["usage"] = usage(turn.flavor, reply.prompt_tokens, reply.completion_tokens * turn.n)
    if turn.flavor.azure_annotations:
        azure.annotate_completion(body, filtered=reply.finish_reason == "content_filter")
    return body


def _chunk(turn: ChatTurn, delta: dict[str, Any], finish: str | None,
           logprobs: dict[str, Any] | None = None, index: int = 0) -> dict[str, Any]:
    body = _envelope(turn, "chat.completion.chunk")
    body["choices"] = [{"index": index, "delta": delta, "logprobs": logprobs,
                        "finish_reason": finish}]
    if turn.include_usage:
        body["usage"] = None
    return body


def chunks(turn: ChatTurn) -> list[dict[str, Any]]:
    """A streamed reply: role delta, one delta per word (or tool-call pieces), the finish, then
    usage if asked."""
    reply = turn.reply
    events = [azure.prompt_filter_chunk()] if turn.flavor.azure_annotations else []
    if turn.calls:
        events.extend(_call_chunks(turn))
    else:
        events.extend(_text_chunks(turn))
    if turn.include_usage:
        final = _envelope(turn, "chat.completion.chunk")
        final["choices"] = []
        final["usage"] = usage(turn.flavor, reply.prompt_tokens, reply.completion_tokens * turn.n)
        events.append(final)
    return events


def _text_chunks(turn: ChatTurn) -> list[dict[str, Any]]:
    reply, choices = turn.reply, range(turn.n)
    events = [_chunk(turn, {"role": "assistant", "content": ""}, None, index=i) for i in choices]
    events.extend(
        _chunk(turn, {"content": piece}, None, _logprobs(turn, (piece,), position), index=i)
        for position, piece in enumerate(reply.pieces)
        for i in choices
    )
    events.extend(_chunk(turn, {}, reply.finish_reason, index=i) for i in choices)
    return events


def _call_chunks(turn: ChatTurn) -> list[dict[str, Any]]:
    events = [_chunk(turn, {"role": "assistant", "content": None}, None)]
    for call in turn.calls:
        start = {"index": call.index, "id": call.id, "type": "function",
                 "function": {"name": call.name, "arguments": ""}}
        events.append(_chunk(turn, {"tool_calls": [start]}, None))
        text = call.arguments_text
        events.extend(
            _chunk(turn, {"tool_calls": [{"index": call.index, "function": {
                "arguments": text[i:i + ARGUMENT_FRAGMENT]}}]}, None)
            for i in range(0, len(text), ARGUMENT_FRAGMENT)
        )
    events.append(_chunk(turn, {}, "tool_calls"))
    return events


def embeddings(model: str, texts: Sequence[str], dimensions: int,
               as_base64: bool) -> dict[str, Any]:
    def vector(text: str) -> Any:
        values = content.embedding(text, dimensions)
        return content.encode_base64(values) if as_base64 else list(values)

    tokens = max(1, sum(content.word_count(text) for text in texts))
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": vector(text)}
                 for i, text in enumerate(texts)],
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def model_entry(flavor: Flavor, model_id: str) -> dict[str, Any]:
    created = MODELS_CREATED + flavor.models.index(model_id) if model_id in flavor.models else 0
    return {"id": model_id, "object": "model", "created": created, "owned_by": flavor.owned_by}


def models(flavor: Flavor) -> dict[str, Any]:
    return {"object": "list", "data": [model_entry(flavor, m) for m in flavor.models]}


def balance() -> dict[str, Any]:
    """DeepSeek's `GET /user/balance` (api-docs.deepseek.com get-user-balance)."""
    info = {"currency": "CNY", "total_balance": "110.00", "granted_balance": "10.00",
            "topped_up_balance": "100.00"}
    return {"is_available": True, "balance_infos": [info]}
