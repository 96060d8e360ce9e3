"""Items of LLM batch jobs: a stored request in, the gateway's answer (or error) out.

The stored request is `{"operation": "generate" | "embed", "chat": {ChatRequest fields},
"texts": [...], "provider_id"?, "provider_name"?, "cache"?}`, written by the API when the job
is created; running it goes through the switcher like any request (cache, limits, failover,
hedging, usage rows), with the job creator as the caller and the job's share of each
provider's limits. A generate result keeps the answer's tool calls and further choices (n > 1)
when it has any, so an OpenAI batch's output says all that /v1/chat/completions would.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from turnout.errors import AllProvidersFailed, RateLimited, TurnoutError
from turnout.gateway.context import AttemptStatus, GatewayRequest
from turnout.gateway.outcomes import EmbedOutcome, GatewayResult, logprobs_of
from turnout.gateway.switcher import Switcher
from turnout.jobs.runner import ItemRun, ProviderDown
from turnout.jobs.store import ClaimedItem, ItemOutcome, ItemStatus
from turnout.providers import ChatRequest
from turnout.providers.base import Choice

_CHAT_FIELDS = frozenset(f.name for f in dataclasses.fields(ChatRequest))
_TUPLE_FIELDS = ("messages", "stop")


def chat_request(fields: dict[str, Any]) -> ChatRequest:
    """A ChatRequest from its stored fields (unknown ones are ignored)."""
    known = {k: v for k, v in fields.items() if k in _CHAT_FIELDS}
    for name in _TUPLE_FIELDS:
        if known.get(name) is not None:
            known[name] = tuple(known[name])
    return ChatRequest(**known)


class LLMItems:
    """Runs the items of `batch` and `openai_batch` jobs through the switcher."""

    def __init__(self, switcher: Switcher, *, limit_share: float) -> None:
        self._switcher = switcher
        self._limit_share = limit_share

    async def __call__(self, run: ItemRun, item: ClaimedItem) -> ItemOutcome:
        stored = item.request
        work = GatewayRequest(
            caller=run.caller,
            request_id=f"{run.job_id}-{item.position}",
            chat=chat_request(stored.get("chat") or {}),
            provider_id=stored.get("provider_id"),
            provider_name=stored.get("provider_name"),
            cache=stored.get("cache"),
            limit_share=self._limit_share,
            paced=True,
        )
        started = time.perf_counter()
        try:
            if stored.get("operation") == "embed":
                return _embedded(item, await self._switcher.embed(work, stored["texts"]))
            return _generated(item, await self._switcher.generate(work), started)
        except RateLimited:
            raise  # the runner waits and tries again: a job waits for its share, never fails
        except AllProvidersFailed as failure:
            if provider_down(failure):
                raise ProviderDown(failure) from failure
            return failed(item, failure)
        except TurnoutError as error:
            return failed(item, error)


def provider_down(failure: AllProvidersFailed) -> bool:
    """Whether every candidate failed for reasons of its own health, not of this request."""
    for attempt in failure.attempts:
        transient = attempt.error is not None and attempt.error.retryable
        if attempt.status is AttemptStatus.ERROR and not transient:
            return False
        if attempt.status is AttemptStatus.SKIPPED and attempt.code not in _UNWELL_SKIPS:
            return False
    return True


_UNWELL_SKIPS = ("CIRCUIT_OPEN", "RATE_LIMITED")


def failed(item: ClaimedItem, error: TurnoutError) -> ItemOutcome:
    recorded: dict[str, Any] = {"code": error.code.value, "status": error.status}
    # The message's parameters (e.g. the missing capability), so it can be told again.
    params = {k: v for k, v in error.params.items() if isinstance(v, str | int | float | bool)}
    if params:
        recorded["params"] = params
    return ItemOutcome(item.id, ItemStatus.FAILED, error=recorded)


def _generated(item: ClaimedItem, result: GatewayResult, started: float) -> ItemOutcome:
    usage = result.usage
    answer: dict[str, Any] = {
        "content": result.content,
        "model": result.model,
        "provider_id": result.provider_id,
        "finish_reason": result.finish_reason,
        "cached": result.cached,
        "request_id": result.request_id,
        "usage": _usage(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens),
    }
    if result.logprobs is not None:
        answer["logprobs"] = result.logprobs
    if result.tool_calls:
        answer["tool_calls"] = [call.as_openai() for call in result.tool_calls]
    if result.more_choices:
        answer["more_choices"] = [_choice(choice) for choice in result.more_choices]
    return ItemOutcome(
        item.id, ItemStatus.COMPLETED, result=answer,
        prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens, cost=result.cost,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
    )


def _choice(choice: Choice) -> dict[str, Any]:
    """A further choice (n > 1), in the shape of the first."""
    stored: dict[str, Any] = {"content": choice.content, "finish_reason": choice.finish_reason}
    if choice.tool_calls:
        stored["tool_calls"] = [call.as_openai() for call in choice.tool_calls]
    if choice.logprobs is not None:
        stored["logprobs"] = logprobs_of(choice)
    return stored


def _embedded(item: ClaimedItem, outcome: EmbedOutcome) -> ItemOutcome:
    result, usage = outcome.result, outcome.result.usage
    answer = {
        "embeddings": result.embeddings,
        "model": result.model,
        "dimensions": result.dimensions,
        "provider_id": outcome.provider_id,
        "usage": _usage(usage.prompt_tokens, 0, usage.total_tokens),
    }
    return ItemOutcome(
        item.id, ItemStatus.COMPLETED, result=answer,
        prompt_tokens=usage.prompt_tokens, total_tokens=usage.total_tokens, cost=outcome.cost,
    )


def _usage(prompt: int, completion: int, total: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
