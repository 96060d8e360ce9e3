"""Ollama's native chat format (OL docs/api.md), translated to and from OpenAI's. Pure functions.

Differences it bridges: tool-call arguments are a JSON object, not JSON text; a tool result
names its function (`tool_name`) rather than the call id; images are base64 strings in the
message's `images`, not content parts; sampling settings live under `options`; there is no
tool_choice (`"none"` is kept by sending no tools; forcing a tool is refused by the catalog)
and no call ids in older versions (Turnout makes them up). An answer that calls tools
finishes with "tool_calls", as Ollama's own OpenAI-compatible API says.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from turnout.errors import MalformedResponse, UpstreamInvalidRequest
from turnout.providers.base import ChatRequest, ChatResult, Message, ToolCall, Usage
from turnout.providers.error_mapping import error_from_payload
from turnout.providers.finish import apply_finish_policy
from turnout.providers.openai_wire import (
    adapt_response_format,
    arguments_text,
    message_text,
    parse_logprobs,
)
from turnout.providers.specs import Capabilities


def build_ollama_body(
    req: ChatRequest, *, model: str, caps: Capabilities, stream: bool
) -> dict[str, Any]:
    body: dict[str, Any] = dict(req.extra)
    body.update(model=model, messages=ollama_messages(req.messages), stream=stream)
    sampling = {
        "temperature": req.temperature,
        "top_p": req.top_p,
        "num_predict": req.max_tokens,
        "stop": [req.stop] if isinstance(req.stop, str) else list(req.stop or ()) or None,
        "seed": req.seed,
        "presence_penalty": req.presence_penalty,
        "frequency_penalty": req.frequency_penalty,
    }
    options = {key: value for key, value in sampling.items() if value is not None}
    if options:
        body["options"] = {**body.get("options", {}), **options}
    if (fmt := _format(adapt_response_format(req.response_format, caps))) is not None:
        body["format"] = fmt
    if req.logprobs and caps.logprobs:
        body["logprobs"] = True
        if req.top_logprobs is not None:
            body["top_logprobs"] = req.top_logprobs
    if req.tools and req.tool_choice != "none":
        body["tools"] = list(req.tools)
    return body


def ollama_messages(messages: Sequence[Message]) -> list[Message]:
    """OpenAI messages in Ollama's shape; plain text messages go as they are."""
    names: dict[str, str] = {}  # tool call id → function name, for the tool results
    converted: list[Message] = []
    for message in messages:
        calls = message.get("tool_calls")
        plain = isinstance(message.get("content"), str) and message.get("role") != "tool"
        if plain and not calls:
            converted.append(message)
            continue
        converted.append(_converted(message, names))
    return converted


def _converted(message: Message, names: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message["role"]}
    content = message.get("content")
    out["content"] = message_text(content, None)
    if images := _images(content):
        out["images"] = images
    if calls := message.get("tool_calls"):
        out["tool_calls"] = [_outgoing_call(call, names) for call in calls]
    if message.get("role") == "tool":
        call_id = str(message.get("tool_call_id") or "")
        out["tool_call_id"] = call_id
        if call_id in names:
            out["tool_name"] = names[call_id]
    return out


def _images(content: Any) -> list[str]:
    """Base64 payloads of the data: URLs among image parts (remote URLs never get here)."""
    if not isinstance(content, list):
        return []
    urls = (part.get("image_url", {}).get("url", "") for part in content
            if isinstance(part, dict) and part.get("type") == "image_url")
    return [url.partition("base64,")[2] or url.partition(",")[2] for url in urls]


def _outgoing_call(call: Mapping[str, Any], names: dict[str, str]) -> dict[str, Any]:
    function = call["function"]
    names[call["id"]] = function["name"]
    try:
        arguments = orjson.loads(function.get("arguments") or "{}")
    except orjson.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        raise UpstreamInvalidRequest("tool call arguments are not a JSON object")
    return {"id": call["id"], "function": {"name": function["name"], "arguments": arguments}}


def incoming_calls(message: Mapping[str, Any], provider: str | None) -> tuple[ToolCall, ...]:
    """An answer's tool calls with JSON-text arguments, ids made up where Ollama gives none."""
    raw = message.get("tool_calls")
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise MalformedResponse("tool_calls is not a list", provider=provider)
    return tuple(_incoming_call(item, provider) for item in raw)


def _incoming_call(item: Any, provider: str | None) -> ToolCall:
    function = item.get("function") if isinstance(item, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise MalformedResponse("tool call without a function name", provider=provider)
    call_id = item.get("id")
    if not isinstance(call_id, str) or not call_id:
        call_id = "call_" + secrets.token_hex(12)
    return ToolCall(call_id, function["name"], arguments_text(function.get("arguments")))


def _format(response_format: Mapping[str, Any] | None) -> str | Mapping[str, Any] | None:
    """`format: "json"` for JSON mode, the schema itself for json_schema (OL docs/api.md)."""
    kind = response_format.get("type") if response_format else None
    if kind == "json_schema" and response_format is not None:
        schema = (response_format.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else "json"
    return "json" if kind == "json_object" else None


def usage_of(payload: Mapping[str, Any]) -> Usage:
    prompt, completion = payload.get("prompt_eval_count"), payload.get("eval_count")
    return Usage.of(
        prompt if isinstance(prompt, int) else 0, completion if isinstance(completion, int) else 0
    )


def answer_object(payload: Any, provider: str | None) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise MalformedResponse("answer is not a JSON object", provider=provider)
    if payload.get("error"):
        raise error_from_payload(payload, provider=provider, status=200)
    return payload


def finish_of(raw: Any, content: str, *, tool_calls: bool, provider: str | None) -> str:
    """Ollama's done_reason, "tool_calls" when the answer called tools."""
    if tool_calls:
        return "tool_calls"
    return apply_finish_policy(raw, content, provider=provider)


def parse_ollama_chat(payload: Any, *, provider: str | None, model: str) -> ChatResult:
    answer = answer_object(payload, provider)
    message = answer.get("message")
    if not isinstance(message, dict):
        raise MalformedResponse("chat answer without message", provider=provider)
    content = message_text(message.get("content"), provider)  # `thinking` is not the answer
    calls = incoming_calls(message, provider)
    return ChatResult(
        content=content,
        model=str(answer.get("model") or model),
        finish_reason=finish_of(
            answer.get("done_reason"), content, tool_calls=bool(calls), provider=provider
        ),
        usage=usage_of(answer),
        logprobs=parse_logprobs(answer.get("logprobs"), provider),
        tool_calls=calls,
    )
