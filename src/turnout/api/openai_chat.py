"""OpenAI's chat completions as Turnout serves them: the body into a ChatRequest, the answer
into a `chat.completion` or a stream of `chat.completion.chunk` events.

Tool calls come back as OpenAI sends them: in `message.tool_calls` (content null when there is
no text) with finish_reason "tool_calls", and streamed as `delta.tool_calls` pieces (index, id,
type and name first, then argument fragments). With n > 1 every choice carries its index.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson

from turnout.api.attempts import Audience
from turnout.api.errors import error_body
from turnout.api.schemas.openai import PASSED_ON, ChatCompletionBody
from turnout.gateway.outcomes import GatewayResult, logprobs_of
from turnout.gateway.streaming import StreamItem
from turnout.providers import ChatRequest
from turnout.providers.base import ToolCall, ToolCallDelta

# Body fields that become ChatRequest fields of the same name when given.
REQUEST_FIELDS = frozenset(
    {
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "n",
        "seed",
        "logit_bias",
        "user",
        "presence_penalty",
        "frequency_penalty",
    }
)
_FEATURE_FIELDS = REQUEST_FIELDS | PASSED_ON


def chat_request(body: ChatCompletionBody, model: str | None) -> ChatRequest:
    """The gateway's request for `body`; features are read only when the body names any."""
    stop = [body.stop] if isinstance(body.stop, str) else body.stop
    asked = body.model_fields_set & _FEATURE_FIELDS
    return ChatRequest(
        messages=body.messages,
        model=model,
        temperature=body.temperature,
        top_p=body.top_p,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stop=stop,
        response_format=body.response_format,
        logprobs=bool(body.logprobs),
        top_logprobs=body.top_logprobs,
        **(_features(body, asked) if asked else {}),
    )


def _features(body: ChatCompletionBody, asked: frozenset[str] | set[str]) -> dict[str, Any]:
    features = {name: getattr(body, name) for name in asked & REQUEST_FIELDS}
    passed_on = {name: getattr(body, name) for name in sorted(asked & PASSED_ON)}
    if extra := {name: value for name, value in passed_on.items() if value is not None}:
        features["extra"] = extra
    return features


def usage_body(result: GatewayResult) -> dict[str, int]:
    return {
        "prompt_tokens": result.usage.prompt_tokens,
        "completion_tokens": result.usage.completion_tokens,
        "total_tokens": result.usage.total_tokens,
    }


def completion_body(
    result: GatewayResult, requested_model: str, audience: Audience
) -> dict[str, Any]:
    choices = [_choice(0, result.content, result.finish_reason, result.tool_calls, result.logprobs)]
    choices.extend(
        _choice(i, c.content, c.finish_reason, c.tool_calls, logprobs_of(c))
        for i, c in enumerate(result.more_choices, start=1)
    )
    return {
        "id": f"chatcmpl-{result.request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": result.model or requested_model,
        "choices": choices,
        "usage": usage_body(result),
        "system_fingerprint": None,
        "turnout": {
            "provider_id": result.provider_id,
            "cached": result.cached,
            "attempts": audience.attempts(result.attempts),
        },
    }


def _choice(
    index: int,
    content: str,
    finish_reason: str | None,
    tool_calls: Sequence[ToolCall],
    logprobs: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["content"] = content or None
        message["tool_calls"] = [call.as_openai() for call in tool_calls]
    return {
        "index": index,
        "message": message,
        "finish_reason": finish_reason or "stop",
        "logprobs": None if logprobs is None else {"content": _logprob_items(logprobs)},
    }


def _logprob_items(logprobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "token": t["token"],
            "logprob": t["logprob"],
            "bytes": None,
            "top_logprobs": [
                {"token": token, "logprob": logprob, "bytes": None}
                for token, logprob in t["top_logprobs"]
            ],
        }
        for t in logprobs
    ]


def tool_call_pieces(deltas: Sequence[ToolCallDelta]) -> list[dict[str, Any]]:
    """`delta.tool_calls` as OpenAI streams them: id, type and name only where they start."""
    pieces = []
    for delta in deltas:
        function: dict[str, Any] = {"arguments": delta.arguments}
        if delta.name is not None:
            function = {"name": delta.name, **function}
        piece: dict[str, Any] = {"index": delta.index}
        if delta.id is not None:
            piece.update(id=delta.id, type="function")
        piece["function"] = function
        pieces.append(piece)
    return pieces


class ChunkWriter:
    """`data:` events of one streamed answer, all with the same id, created time and model."""

    def __init__(self, request_id: str, model: str) -> None:
        self.head = {
            "id": f"chatcmpl-{request_id}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        self.started = {0}  # choices whose role chunk went out

    def chunk(self, delta: dict[str, Any], finish: str | None = None, index: int = 0) -> bytes:
        choice = {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}
        return self.event({**self.head, "choices": [choice]})

    def piece(self, item: StreamItem) -> bytes:
        delta: dict[str, Any] = {"content": item.text} if item.text else {}
        if item.tool_calls:
            delta["tool_calls"] = tool_call_pieces(item.tool_calls)
        if item.index not in self.started:
            self.started.add(item.index)
            delta = {"role": "assistant", **delta}
        return self.chunk(delta, index=item.index)

    def ends(self, result: GatewayResult) -> list[bytes]:
        finishes = [result.finish_reason, *(c.finish_reason for c in result.more_choices)]
        return [self.chunk({}, finish or "stop", index) for index, finish in enumerate(finishes)]

    def usage(self, result: GatewayResult) -> bytes:
        return self.event({**self.head, "choices": [], "usage": usage_body(result)})

    @staticmethod
    def event(payload: dict[str, Any]) -> bytes:
        return b"data: " + orjson.dumps(payload) + b"\n\n"


async def chunks(
    first: StreamItem,
    rest: AsyncIterator[StreamItem],
    model: str,
    request_id: str,
    include_usage: bool,
    audience: Audience,
) -> AsyncIterator[bytes]:
    """The stream as OpenAI sends it: role, pieces, one finish per choice, usage, `[DONE]`."""
    writer = ChunkWriter(request_id, model)
    yield writer.chunk({"role": "assistant", "content": ""})
    item: StreamItem | None = first
    while item is not None:
        if item.error is not None:
            yield writer.event(_stream_error(item, audience, request_id))
            return
        if item.result is not None:
            for end in writer.ends(item.result):
                yield end
            if include_usage:
                yield writer.usage(item.result)
        elif item.text or item.tool_calls:
            yield writer.piece(item)
        item = await anext(rest, None)
    yield b"data: [DONE]\n\n"


def _stream_error(item: StreamItem, audience: Audience, request_id: str) -> dict[str, Any]:
    assert item.error is not None
    error = error_body(item.error, audience.locale, request_id)["error"]
    return {
        "error": {
            "message": error["message"],
            "type": "api_error",
            "param": None,
            "code": error["code"].lower(),
        }
    }
