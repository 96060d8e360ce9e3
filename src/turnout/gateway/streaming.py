"""Streams as the switcher handles them: opened (up to the first event), then relayed.

A stream counts as answered once its first event has arrived; until then the attempt loop may
retry, fail over or hedge. After that, `relay` passes events on, and a silence longer than the
provider's timeout (or the request's deadline) ends it with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, replace

from turnout.errors import TurnoutError, UpstreamTimeout
from turnout.gateway.candidates import Candidate
from turnout.gateway.context import GatewayRequest
from turnout.gateway.outcomes import GatewayResult
from turnout.providers import ChatResult, StreamEvent
from turnout.providers.assembly import replay_events
from turnout.providers.base import ToolCallDelta


@dataclass(frozen=True, slots=True)
class StreamItem:
    """A piece of the answer (text, tool-call pieces) of choice `index`, the final result, or
    the error that cut the stream short."""

    text: str = ""
    result: GatewayResult | None = None
    error: TurnoutError | None = None
    index: int = 0
    tool_calls: tuple[ToolCallDelta, ...] = ()


@dataclass(frozen=True, slots=True)
class Opened:
    """A stream whose first event has arrived."""

    events: AsyncIterator[StreamEvent]
    first: StreamEvent

    async def close(self) -> None:
        close = getattr(self.events, "aclose", None)
        if close is not None:
            with contextlib.suppress(TurnoutError, RuntimeError):
                await close()


async def open_stream(request: GatewayRequest, candidate: Candidate, timeout_s: float) -> Opened:
    """Start the candidate's stream and wait for its first event."""
    chat = replace(request.chat, model=candidate.model, timeout_s=timeout_s)
    events = candidate.live.adapter.stream_generate(chat)
    try:
        first = await anext(aiter(events))
    except BaseException:
        with contextlib.suppress(TurnoutError, RuntimeError):
            await events.aclose()
        raise
    return Opened(events, first)


async def replay(answer: ChatResult) -> Opened:
    """A stored answer as a stream: each choice whole, then the end."""
    first, *rest = replay_events(answer)

    async def events() -> AsyncIterator[StreamEvent]:
        for event in rest:
            yield event

    return Opened(events(), first)


async def relay(
    opened: Opened, candidate: Candidate, request: GatewayRequest
) -> AsyncGenerator[StreamEvent, None]:
    """Every event from the first to the `done` one; a stream that just ends is done too."""
    idle_s = request.chat.timeout_s or float(candidate.live.options.get("timeout_s") or 60.0)
    event: StreamEvent | None = opened.first
    try:
        while event is not None:
            yield event
            if event.done:
                return
            event = await _next(opened.events, idle_s, request, candidate)
        yield StreamEvent(done=True)
    finally:
        await opened.close()


async def _next(
    events: AsyncIterator[StreamEvent],
    idle_s: float,
    request: GatewayRequest,
    candidate: Candidate,
) -> StreamEvent | None:
    timeout = min(idle_s, max(request.remaining_s(), 0.001))
    try:
        async with asyncio.timeout(timeout):
            return await anext(events)
    except StopAsyncIteration:
        return None
    except TimeoutError as exc:
        raise UpstreamTimeout("stream stalled", provider=candidate.live.name) from exc
