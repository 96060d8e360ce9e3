"""Cancel work for a client that went away: an upstream call nobody waits for is waste."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request

from turnout.errors import ClientDisconnected

T = TypeVar("T")


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T:
    """Await `work`; cancel it (and its upstream call) as soon as the client disconnects.

    The work runs in the calling task; a watcher task cancels that task when the client's
    disconnect arrives, and the cancellation comes back out as ClientDisconnected.
    """
    caller = asyncio.current_task()
    assert caller is not None
    finished = gone = False

    def on_watcher_done(watcher: asyncio.Task[None]) -> None:
        nonlocal gone
        if not watcher.cancelled() and not finished:
            gone = True
            caller.cancel()

    watcher = asyncio.ensure_future(_wait_for_disconnect(request))
    watcher.add_done_callback(on_watcher_done)
    try:
        result = await work
    except asyncio.CancelledError:
        if not gone:
            raise
        caller.uncancel()
        raise ClientDisconnected("client disconnected") from None
    finally:
        finished = True
        watcher.cancel()
    return result


async def _wait_for_disconnect(request: Request) -> None:
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
