"""A client that goes away cancels the work done for it, and nothing else."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request

from turnout.api.disconnect import unless_disconnected
from turnout.errors import ClientDisconnected


def request_that_disconnects_after(seconds: float | None) -> Request:
    async def receive() -> dict[str, str]:
        if seconds is None:
            await asyncio.Event().wait()  # never
        await asyncio.sleep(seconds or 0)
        return {"type": "http.disconnect"}

    return Request({"type": "http", "method": "POST", "path": "/", "headers": []}, receive)


async def test_work_is_cancelled_when_the_client_goes_away() -> None:
    cancelled = asyncio.Event()

    async def work() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "late"

    with pytest.raises(ClientDisconnected):
        await unless_disconnected(request_that_disconnects_after(0.01), work())
    assert cancelled.is_set()
    await asyncio.sleep(0)  # the calling task carries no leftover cancellation


async def test_finished_work_returns_even_when_the_disconnect_follows_at_once() -> None:
    async def work() -> str:
        await asyncio.sleep(0)
        return "done"

    assert await unless_disconnected(request_that_disconnects_after(0), work()) == "done"
    await asyncio.sleep(0.01)  # the watcher's end must not cancel us afterwards


async def test_a_cancellation_from_elsewhere_stays_a_cancellation() -> None:
    async def caller() -> str:
        return await unless_disconnected(
            request_that_disconnects_after(None), asyncio.sleep(10, "late")
        )

    task = asyncio.create_task(caller())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_errors_of_the_work_pass_through() -> None:
    async def work() -> None:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        await unless_disconnected(request_that_disconnects_after(None), work())
