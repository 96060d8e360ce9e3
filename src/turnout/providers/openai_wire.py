"""The OpenAI chat/embeddings wire format: request bodies out, results in. Pure functions.

Tolerates what compatible vendors do differently: usage under other names or missing, content
as a list of parts, `reasoning_content` (DeepSeek, Zhipu) that is not the answer, empty
`choices` chunks (Azure filter results, the usage chunk), finish_reason "null", tool-call
arguments sent as an object instead of JSON text. Streams are folded in `openai_stream.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from turnout.errors import ContentFiltered, MalformedResponse
from turnout.providers.base import (
    ChatRequest,
    ChatResult,
    Choice,
    TokenLogprob,
    ToolCall,
    Usage,
)
from turnout.providers.error_mapping import error_from_payload, extract_error
from turnout.providers.finish import apply_finish_policy
from turnout.providers.specs import Capabilities, ProviderType


def adapt_response_format(
    response_format: Mapping[str, Any] | None, caps: Capabilities
) -> Mapping[str, Any] | None:
    """The most structured output format the type supports, at most what was asked for."""
    kind = response_format.get("type") if response_format else None
    if kind == "json_schema" and not caps.json_schema:
        kind, response_format = "json_object", {"type": "json_object"}
    if kind == "json_object" and not caps.json_object:
        return None
    return response_format


# Sent as they are when set; the gateway never sends one to a type without the capability.
OPTIONAL_FIELDS = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "n",
    "seed",
    "logit_bias",
    "user",
    "presence_penalty",
    "frequency_penalty",
)


def build_chat_body(
    req: ChatRequest, *, model: str | None, entry: ProviderType, stream: bool
) -> dict[str, Any]:
    body: dict[str, Any] = dict(req.extra)
    body["messages"] = list(req.messages)
    if model is not None:
        body["model"] = model
    _put(body, "temperature", req.temperature)
    _put(body, "top_p", req.top_p)
    _put(body, entry.wire.max_tokens_field, req.max_tokens)
    if req.stop:
        body["stop"] = req.stop if isinstance(req.stop, str) else list(req.stop)
    _put(body, "response_format", adapt_response_format(req.response_format, entry.capabilities))
    if req.logprobs and entry.capabilities.logprobs:
        body["logprobs"] = True
        _put(body, "top_logprobs", req.top_logprobs)
    for name in OPTIONAL_FIELDS:
        if (value := getattr(req, name)) is not None:
            body[name] = value
    if stream:
        body["stream"] = True
        if entry.wire.stream_usage:
            body["stream_options"] = {"include_usage": True}
    return body


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def parse_chat_completion(payload: Any, *, provider: str | None, model: str) -> ChatResult:
    head, *others = [parse_choice(c, provider) for c in _choices(payload, provider)]
    return ChatResult(
        content=head.content,
        model=str(payload.get("model") or model),
        finish_reason=head.finish_reason,
        usage=parse_usage(payload.get("usage")) or Usage(),
        logprobs=head.logprobs,
        raw_id=payload.get("id") if isinstance(payload.get("id"), str) else None,
        tool_calls=head.tool_calls,
        more_choices=tuple(others),
    )


def parse_choice(raw: dict[str, Any], provider: str | None) -> Choice:
    message = raw.get("message")
    if not isinstance(message, dict):
        raise MalformedResponse("choice without message", provider=provider)
    content = message_text(message.get("content"), provider)
    calls = parse_tool_calls(message.get("tool_calls"), provider)
    if message.get("refusal") and not content and not calls:
        # Structured-output refusals are the model declining; treated as a filtered answer.
        raise ContentFiltered(str(message["refusal"]), provider=provider, upstream_status=200)
    seen = content or ("tool calls" if calls else "")
    finish = apply_finish_policy(raw.get("finish_reason"), seen, provider=provider)
    return Choice(content, finish, calls, parse_logprobs(raw.get("logprobs"), provider))


def _choices(payload: Any, provider: str | None) -> list[dict[str, Any]]:
    """The answer's choices in `index` order."""
    if not isinstance(payload, dict):
        raise MalformedResponse("answer is not a JSON object", provider=provider)
    choices = payload.get("choices")
    if choices is None and extract_error(payload) is not None:
        raise error_from_payload(payload, provider=provider, status=200)
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedResponse("answer without choices", provider=provider)
    if len(choices) == 1:
        return choices
    found = [c for c in choices if isinstance(c, dict)]
    return sorted(found, key=_choice_index)


def _choice_index(choice: dict[str, Any]) -> int:
    index = choice.get("index")
    return index if isinstance(index, int) else 0


def parse_tool_calls(raw: Any, provider: str | None) -> tuple[ToolCall, ...]:
    """A message's `tool_calls`; arguments as JSON text even where a vendor sent an object."""
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise MalformedResponse("tool_calls is not a list", provider=provider)
    return tuple(_tool_call(item, position, provider) for position, item in enumerate(raw))


def _tool_call(item: Any, position: int, provider: str | None) -> ToolCall:
    function = item.get("function") if isinstance(item, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise MalformedResponse("tool call without a function name", provider=provider)
    call_id = item.get("id")
    return ToolCall(
        id=call_id if isinstance(call_id, str) and call_id else f"call_{position}",
        name=function["name"],
        arguments=arguments_text(function.get("arguments")),
    )


def arguments_text(arguments: Any) -> str:
    """Tool-call arguments as JSON text: a string stays, anything else is serialised."""
    if isinstance(arguments, str):
        return arguments
    return orjson.dumps({} if arguments is None else arguments).decode()


def message_text(content: Any, provider: str | None) -> str:
    """Text of a message's content: a string, null, or a list of typed parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    raise MalformedResponse("message content is neither text nor parts", provider=provider)


def parse_usage(raw: Any) -> Usage | None:
    """Usage under OpenAI's names or the input/output variants; None when absent."""
    if not isinstance(raw, dict):
        return None
    prompt = _count(raw, "prompt_tokens", "input_tokens", "PromptTokens")
    completion = _count(raw, "completion_tokens", "output_tokens", "CompletionTokens")
    total = _count(raw, "total_tokens", "TotalTokens")
    if prompt is None and completion is None and total is None:
        return None
    return Usage.of(prompt or 0, completion or 0, total)


def _count(raw: Mapping[str, Any], *names: str) -> int | None:
    for name in names:
        value = raw.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return int(value)
    return None


def parse_logprobs(raw: Any, provider: str | None) -> tuple[TokenLogprob, ...] | None:
    """OpenAI's `{"content": [...]}` or a bare list of `{token, logprob, top_logprobs}`.

    A token without a log-probability is left out rather than given one.
    """
    items = raw.get("content") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        return None
    tokens = (_token_logprob(item, provider) for item in items if isinstance(item, dict))
    return tuple(token for token in tokens if token is not None)


def _token_logprob(item: Mapping[str, Any], provider: str | None) -> TokenLogprob | None:
    if item.get("logprob") is None:
        return None
    alternatives = item.get("top_logprobs")
    top = tuple(
        (str(alt.get("token", "")), number(alt["logprob"], "top logprob", provider))
        for alt in (alternatives if isinstance(alternatives, list) else ())
        if isinstance(alt, dict) and alt.get("logprob") is not None
    )
    logprob = number(item["logprob"], "logprob", provider)
    return TokenLogprob(str(item.get("token", "")), logprob, top)


def number(value: Any, what: str, provider: str | None) -> float:
    """A number the upstream sent; anything else is a malformed answer."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedResponse(f"{what} is not a number", provider=provider)
    return float(value)


def vector(value: Any, provider: str | None) -> list[float]:
    """An embedding vector the upstream sent: a list of numbers."""
    if not isinstance(value, list):
        raise MalformedResponse("embedding is not a list", provider=provider)
    return [number(x, "embedding value", provider) for x in value]


def parse_embeddings(
    payload: Any, *, expected: int, provider: str | None
) -> tuple[list[list[float]], Usage]:
    """Vectors in input order (by `index`); float lists only, so no `encoding_format` is sent."""
    data = payload.get("data") if isinstance(payload, dict) else None
    items = [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    if len(items) != expected:
        raise MalformedResponse("embedding answer does not match the inputs", provider=provider)
    positions = [item.get("index") for item in items]
    if sorted(p for p in positions if isinstance(p, int)) == list(range(expected)):
        items = sorted(items, key=lambda item: int(item["index"]))
    vectors = [vector(item.get("embedding"), provider) for item in items]
    return vectors, parse_usage(payload.get("usage")) or Usage()


def texts_in_batches(texts: Sequence[str], size: int) -> list[list[str]]:
    return [list(texts[i : i + size]) for i in range(0, len(texts), size)]
