"""What the switcher hands back, and how an answer is kept in the response cache."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from turnout.gateway.context import Attempt
from turnout.providers import ChatResult, EmbedResult, Usage


@dataclass(slots=True)
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
    attempts: list[Attempt] = field(default_factory=list)
    logprobs: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class EmbedOutcome:
    result: EmbedResult
    provider_id: str
    attempts: list[Attempt]


def logprobs_of(result: ChatResult) -> list[dict[str, Any]] | None:
    if not result.logprobs:
        return None
    return [{"token": t.token, "logprob": t.logprob} for t in result.logprobs]


def encode_result(result: ChatResult) -> bytes:
    """The cached form of an answer."""
    usage = result.usage
    return orjson.dumps(
        {
            "content": result.content,
            "model": result.model,
            "finish_reason": result.finish_reason,
            "usage": [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens],
            "logprobs": logprobs_of(result),
        }
    )


def decode_result(raw: bytes) -> tuple[ChatResult, list[dict[str, Any]] | None]:
    """A cached answer and its log-probabilities (kept in the shape responses use)."""
    stored = orjson.loads(raw)
    result = ChatResult(
        content=stored["content"],
        model=stored["model"],
        finish_reason=stored["finish_reason"],
        usage=Usage(*stored["usage"]),
    )
    return result, stored.get("logprobs")


def elapsed_ms(started_perf: float) -> float:
    return (time.perf_counter() - started_perf) * 1000


def ms_since(started_monotonic: float) -> float:
    return round((time.monotonic() - started_monotonic) * 1000, 3)
