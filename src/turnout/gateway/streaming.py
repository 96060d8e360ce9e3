"""Streaming through the switcher: fail over until the first piece of text, then stay.

Retries and failover happen while nothing has been sent yet. Once text flows, a failure can
no longer be hidden: it ends the stream with an error item (and a usage row saying so).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from turnout.errors import TurnoutError, UpstreamTimeout
from turnout.gateway.candidates import Candidate
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.gateway.limits import estimate_tokens
from turnout.gateway.outcomes import GatewayResult
from turnout.gateway.switcher import Switcher, attempt_of, model_of
from turnout.providers import ChatResult, StreamEvent, Usage


@dataclass(slots=True)
class StreamItem:
    """A piece of text, the final result, or the error that cut the stream short."""

    text: str = ""
    result: GatewayResult | None = None
    error: TurnoutError | None = None


Opened = tuple[AsyncIterator[StreamEvent], StreamEvent]


async def stream(
    switcher: Switcher, request: GatewayRequest, *, rpm_limit: int | None = None
) -> AsyncIterator[StreamItem]:
    """Text items then one result item; raises before the first item when nobody can serve."""
    await switcher.deps.limits.check_caller(request, rpm_limit)
    candidates = await switcher.candidates(request)
    attempts: list[Attempt] = []
    tokens = estimate_tokens(request.chat)
    opened: tuple[Candidate, Opened] | None = None
    cached: GatewayResult | None = None

    async def serve(candidate: Candidate) -> bool | None:
        nonlocal opened, cached
        if hit := await switcher.cached_result(request, candidate, attempts):
            cached = hit
            return True
        chat = replace(request.chat, model=candidate.model)

        async def open_stream(timeout_s: float) -> Opened:
            events = candidate.live.adapter.stream_generate(replace(chat, timeout_s=timeout_s))
            return events, await anext(aiter(events))

        result = await switcher.try_provider(request, candidate, attempts, tokens, open_stream)
        if result is None:
            return None
        opened = (candidate, result)
        return True

    await switcher.over_candidates(request, candidates, attempts, serve)
    if cached is not None:
        yield StreamItem(text=cached.content)
        yield StreamItem(result=cached)
        return
    assert opened is not None
    candidate, (events, first) = opened
    async for item in _relay(switcher, request, candidate, events, first, attempts):
        yield item


async def _relay(
    switcher: Switcher,
    request: GatewayRequest,
    candidate: Candidate,
    events: AsyncIterator[StreamEvent],
    first: StreamEvent,
    attempts: list[Attempt],
) -> AsyncIterator[StreamItem]:
    pieces: list[str] = []
    idle_timeout = request.chat.timeout_s or float(candidate.live.options.get("timeout_s") or 60.0)
    event: StreamEvent | None = first
    try:
        while event is not None and not event.done:
            if event.delta:
                pieces.append(event.delta)
                yield StreamItem(text=event.delta)
            event = await _next(events, idle_timeout, request, candidate)
    except TurnoutError as error:
        # A failure after text was sent: it counts against the provider like any other attempt.
        switcher.note_outcome(
            candidate, attempts, attempt_of(candidate, "error", error=error), error
        )
        await switcher.accounting.record(
            request,
            candidate,
            Usage(),
            model_of(candidate),
            status="error",
            attempts=attempts,
            cached=False,
            error_code=error.code.value,
        )
        yield StreamItem(error=error)
        return
    finally:
        await _close(events)
    final = event or StreamEvent(done=True)
    usage = final.usage or Usage()
    result = ChatResult(
        content="".join(pieces),
        model=final.model or model_of(candidate) or "",
        finish_reason=final.finish_reason or "stop",
        usage=usage,
    )
    yield StreamItem(result=await switcher.finish(request, candidate, result, attempts))


async def _next(
    events: AsyncIterator[StreamEvent],
    idle_timeout: float,
    request: GatewayRequest,
    candidate: Candidate,
) -> StreamEvent | None:
    timeout = min(idle_timeout, max(request.remaining_s(), 0.001))
    try:
        async with asyncio.timeout(timeout):
            return await anext(events)
    except StopAsyncIteration:
        return None
    except TimeoutError as exc:
        raise UpstreamTimeout("stream stalled", provider=candidate.live.name) from exc


async def _close(events: AsyncIterator[StreamEvent]) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        with contextlib.suppress(TurnoutError, RuntimeError):
            await close()
