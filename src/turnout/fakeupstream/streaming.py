"""Writing a stream of events (SSE or NDJSON), with the stream faults applied on the way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web

CONTENT_BEFORE_ERROR = 2  # content events that go out before a mid-stream error


@dataclass(frozen=True)
class Framing:
    content_type: str
    prefix: bytes
    suffix: bytes
    done: bytes | None  # terminator event, if the dialect has one
    keep_alive: bytes | None = None


SSE = Framing("text/event-stream", b"data: ", b"\n\n", b"data: [DONE]\n\n")
SSE_WITH_KEEP_ALIVE = Framing("text/event-stream", b"data: ", b"\n\n", b"data: [DONE]\n\n",
                              keep_alive=b": keep-alive\n\n")
NDJSON = Framing("application/x-ndjson", b"", b"\n", None)


@dataclass(frozen=True)
class StreamPlan:
    """What the injected fault does to a stream; the default plan leaves it whole."""

    cut_after: int | None = None
    error_event: bytes | None = None
    error_after: int = 0  # events sent before `error_event`
    malformed: bool = False


def _frame(framing: Framing, payload: bytes) -> bytes:
    return framing.prefix + payload + framing.suffix


def _break(payload: bytes) -> bytes:
    return payload[: max(1, len(payload) // 2)]


def abort_connection(request: web.BaseRequest) -> None:
    """Close the TCP connection at once, whatever has been sent."""
    transport = request.transport
    if transport is not None:
        transport.abort()


async def send_stream(
    request: web.BaseRequest,
    events: Sequence[bytes],
    *,
    framing: Framing,
    plan: StreamPlan,
    headers: Mapping[str, str],
) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers={"Cache-Control": "no-cache", **headers})
    response.content_type = framing.content_type
    await response.prepare(request)
    for sent, payload in enumerate(events):
        if plan.cut_after is not None and sent >= plan.cut_after:
            abort_connection(request)
            return response
        if plan.error_event is not None and sent >= plan.error_after:
            break
        if framing.keep_alive is not None:
            await response.write(framing.keep_alive)
        await response.write(_frame(framing, _break(payload) if plan.malformed and sent == 1
                                    else payload))
    if plan.error_event is not None:
        await response.write(_frame(framing, plan.error_event))
    elif plan.cut_after is not None:
        abort_connection(request)
        return response
    elif framing.done is not None:
        await response.write(framing.done)
    await response.write_eof()
    return response
