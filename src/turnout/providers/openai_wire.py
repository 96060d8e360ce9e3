"""The OpenAI chat/embeddings wire format: request bodies out, results in. Pure functions.

Tolerates what compatible vendors do differently: usage under other names or missing, content
as a list of parts, `reasoning_content` (DeepSeek, Zhipu) that is not the answer, empty
`choices` chunks (Azure filter results, the usage chunk), finish_reason "null".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from turnout.errors import ContentFiltered, MalformedResponse, UpstreamConnectionError
from turnout.providers.base import ChatRequest, ChatResult, StreamEvent, TokenLogprob, Usage
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
    if stream:
        body["stream"] = True
        if entry.wire.stream_usage:
            body["stream_options"] = {"include_usage": True}
    return body


def _put(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def parse_chat_completion(payload: Any, *, provider: str | None, model: str) -> ChatResult:
    choice = _first_choice(payload, provider)
    message = choice.get("message")
    if not isinstance(message, dict):
        raise MalformedResponse("choice without message", provider=provider)
    content = message_text(message.get("content"), provider)
    if message.get("refusal") and not content:
        # Structured-output refusals are the model declining; treated as a filtered answer.
        raise ContentFiltered(str(message["refusal"]), provider=provider, upstream_status=200)
    return ChatResult(
        content=content,
        model=str(payload.get("model") or model),
        finish_reason=apply_finish_policy(choice.get("finish_reason"), content, provider=provider),
        usage=parse_usage(payload.get("usage")) or Usage(),
        logprobs=parse_logprobs(choice.get("logprobs")),
        raw_id=payload.get("id") if isinstance(payload.get("id"), str) else None,
    )


def _first_choice(payload: Any, provider: str | None) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise MalformedResponse("answer is not a JSON object", provider=provider)
    choices = payload.get("choices")
    if choices is None and extract_error(payload) is not None:
        raise error_from_payload(payload, provider=provider, status=200)
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedResponse("answer without choices", provider=provider)
    return choices[0]


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


def parse_logprobs(raw: Any) -> tuple[TokenLogprob, ...] | None:
    """OpenAI's `{"content": [...]}` or a bare list of `{token, logprob, top_logprobs}`."""
    items = raw.get("content") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        return None
    return tuple(_token_logprob(item) for item in items if isinstance(item, dict))


def _token_logprob(item: Mapping[str, Any]) -> TokenLogprob:
    top = tuple(
        (str(alt.get("token", "")), float(alt.get("logprob", 0.0)))
        for alt in item.get("top_logprobs") or ()
        if isinstance(alt, dict)
    )
    return TokenLogprob(str(item.get("token", "")), float(item.get("logprob", 0.0)), top)


def parse_embeddings(
    payload: Any, *, expected: int, provider: str | None
) -> tuple[list[list[float]], Usage]:
    """Vectors in input order (by `index`); float lists only, so no `encoding_format` is sent."""
    data = payload.get("data") if isinstance(payload, dict) else None
    items = [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    if len(items) != expected:
        raise MalformedResponse("embedding answer does not match the inputs", provider=provider)
    ordered = sorted(items, key=lambda item: item.get("index", 0))
    vectors = [[float(x) for x in item["embedding"]] for item in ordered]
    return vectors, parse_usage(payload.get("usage")) or Usage()


class ChatStreamState:
    """Folds stream chunks: text deltas out, finish reason, usage and model remembered."""

    def __init__(self, model: str, *, provider: str | None) -> None:
        self.model = model
        self.provider = provider
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.has_content = False

    def add(self, payload: Any) -> str:
        """The text delta of one chunk; an error chunk raises."""
        if not isinstance(payload, dict):
            raise MalformedResponse("stream chunk is not a JSON object", provider=self.provider)
        if payload.get("error"):
            raise error_from_payload(payload, provider=self.provider, status=200)
        self.model = str(payload.get("model") or self.model)
        self.usage = parse_usage(payload.get("usage")) or self.usage
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return ""
        reason = choices[0].get("finish_reason")
        if reason not in (None, "", "null"):
            self.finish_reason = str(reason)
        delta = choices[0].get("delta")
        text = message_text(delta.get("content"), self.provider) if isinstance(delta, dict) else ""
        self.has_content = self.has_content or bool(text.strip())
        return text

    def final(self, *, completed: bool) -> StreamEvent:
        """The `done` event; a stream cut before any finish is a connection failure."""
        if not completed and self.finish_reason is None:
            raise UpstreamConnectionError(
                "stream ended before the answer was complete", provider=self.provider
            )
        seen = "x" if self.has_content else ""
        finish = apply_finish_policy(self.finish_reason, seen, provider=self.provider)
        return StreamEvent(
            done=True, finish_reason=finish, usage=self.usage or Usage(), model=self.model
        )


def texts_in_batches(texts: Sequence[str], size: int) -> list[list[str]]:
    return [list(texts[i : i + size]) for i in range(0, len(texts), size)]
