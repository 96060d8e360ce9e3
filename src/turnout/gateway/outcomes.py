"""What the switcher hands back, and how an answer is kept in the response cache."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from turnout.configs.runtime import LiveProvider
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.providers import ChatResult, EmbedResult, TokenLogprob, Usage
from turnout.providers.base import Choice, ToolCall


@dataclass(frozen=True, slots=True)
class GatewayResult:
    content: str
    model: str
    provider_id: str
    provider_name: str
    provider_type: str
    finish_reason: str | None
    usage: Usage
    latency_ms: float
    cached: bool
    request_id: str
    attempts: tuple[Attempt, ...] = ()
    logprobs: list[dict[str, Any]] | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    more_choices: tuple[Choice, ...] = ()  # n > 1: the choices after the first
    cost: float = 0.0  # from the model registry's prices; 0 for a cache hit

    @classmethod
    def of(
        cls,
        request: GatewayRequest,
        live: LiveProvider,
        answer: ChatResult,
        attempts: Sequence[Attempt],
        *,
        cached: bool,
        cost: float = 0.0,
    ) -> GatewayResult:
        return cls(
            content=answer.content,
            model=answer.model,
            provider_id=live.id,
            provider_name=live.name,
            provider_type=live.provider_type,
            finish_reason=answer.finish_reason,
            usage=answer.usage,
            latency_ms=ms_since(request.started),
            cached=cached,
            request_id=request.request_id,
            attempts=tuple(attempts),
            logprobs=logprobs_of(answer),
            tool_calls=answer.tool_calls,
            more_choices=answer.more_choices,
            cost=cost,
        )


@dataclass(frozen=True, slots=True)
class EmbedOutcome:
    result: EmbedResult
    provider_id: str
    attempts: tuple[Attempt, ...]
    cost: float = 0.0


def logprobs_of(result: ChatResult | Choice) -> list[dict[str, Any]] | None:
    if not result.logprobs:
        return None
    return [
        {"token": t.token, "logprob": t.logprob, "top_logprobs": [list(pair) for pair in t.top]}
        for t in result.logprobs
    ]


def encode_result(result: ChatResult) -> bytes:
    """The cached form of an answer; tool calls and further choices only when there are any."""
    usage = result.usage
    stored: dict[str, Any] = {
        "content": result.content,
        "model": result.model,
        "finish_reason": result.finish_reason,
        "usage": [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens],
        "logprobs": logprobs_of(result),
    }
    if result.tool_calls:
        stored["tool_calls"] = _calls(result.tool_calls)
    if result.more_choices:
        stored["more_choices"] = [
            [c.content, c.finish_reason, _calls(c.tool_calls), logprobs_of(c)]
            for c in result.more_choices
        ]
    return orjson.dumps(stored)


def decode_result(raw: bytes) -> ChatResult:
    """An answer as it was cached, log-probabilities, tool calls and choices included."""
    stored = orjson.loads(raw)
    return ChatResult(
        content=stored["content"],
        model=stored["model"],
        finish_reason=stored["finish_reason"],
        usage=Usage(*stored["usage"]),
        logprobs=decoded_logprobs(stored.get("logprobs")),
        tool_calls=_decoded_calls(stored.get("tool_calls", ())),
        more_choices=tuple(
            Choice(content, finish, _decoded_calls(calls), decoded_logprobs(logprobs))
            for content, finish, calls, logprobs in stored.get("more_choices", ())
        ),
    )


def _calls(calls: tuple[ToolCall, ...]) -> list[list[str]]:
    return [[call.id, call.name, call.arguments] for call in calls]


def _decoded_calls(calls: Any) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(*call) for call in calls)


def decoded_logprobs(logprobs: Any) -> tuple[TokenLogprob, ...] | None:
    """Log-probabilities as `logprobs_of` gives them, read back."""
    if logprobs is None:
        return None
    return tuple(
        TokenLogprob(
            item["token"], item["logprob"],
            tuple((str(t), float(p)) for t, p in item.get("top_logprobs", ())),
        )
        for item in logprobs
    )


def ms_since(started_monotonic: float) -> float:
    return round((time.monotonic() - started_monotonic) * 1000, 3)
