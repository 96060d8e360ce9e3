"""A big submission is read without holding the event loop: while 20,000 lines are validated and
stored, other tasks of the process get a turn every few hundred lines and /healthz answers.

What is counted is lines, never time: a spy counts the lines read so far, and a task woken by
each line read notes how many were read between two of its turns. Read in one go (as
before pacing), thousands of lines pass between two turns: a whole upload's first pass, or a
whole insert chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from tests.gateway.helpers import providers
from tests.jobs.helpers import wait_for
from tests.jobs.test_openai_batch import CHAT, ask, line, upload
from turnout.api import batch_lines, openai_batch_input

LINES = 20_000
MOST_LINES_BETWEEN_TURNS = 1_000  # a few milliseconds of validation


@dataclass
class LineSpy:
    """Lines read so far, and the most read while the event loop gave other tasks no turn."""

    read: int = 0
    longest_hold: int = 0
    turns: int = 0
    reading: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _seen: int = field(default=0, repr=False)

    def line(self) -> None:
        self.read += 1
        self.reading.set()

    def turn(self) -> None:
        self.longest_hold = max(self.longest_hold, self.read - self._seen)
        self._seen = self.read
        self.turns += 1
        self.reading.clear()


def spy_calls(monkeypatch, module: Any, name: str, spy: LineSpy) -> None:
    """Count each call of `module.name` (a function reading one line) as a line read."""
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        spy.line()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def spy_yields(monkeypatch, module: Any, name: str, spy: LineSpy) -> None:
    """Count each line `module.name` (a generator of lines) yields as a line read."""
    original: Callable[..., Iterator[Any]] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in original(*args, **kwargs):
            spy.line()
            yield item

    monkeypatch.setattr(module, name, counted)


@asynccontextmanager
async def watching(client: httpx.AsyncClient, spy: LineSpy) -> AsyncIterator[list[int]]:
    """While the block runs: a task noting the lines read between its turns of the loop, and a
    client asking /healthz again and again (the list holds its answers' statuses)."""
    stop = asyncio.Event()
    answers: list[int] = []

    async def yielding() -> None:
        # Woken at the first turn of the loop after a line is read; idle otherwise (spinning
        # would keep the database driver's thread from the interpreter lock).
        while not stop.is_set():
            spy.turn()
            await spy.reading.wait()

    async def polling() -> None:
        while not stop.is_set():
            answers.append((await client.get("/healthz")).status_code)
            await asyncio.sleep(0.01)

    tasks = [asyncio.create_task(yielding()), asyncio.create_task(polling())]
    await asyncio.sleep(0)
    try:
        yield answers
    finally:
        stop.set()
        spy.reading.set()
        await asyncio.gather(*tasks)
        spy.turn()


async def _stop(client: httpx.AsyncClient, job_id: str, headers: dict[str, str]) -> dict:
    """Cancel the job (its items never run: the test is about reading them) and let it end."""
    cancelled = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    return await wait_for(client, job_id, headers, timeout_s=60)


async def _submitted(
    client: httpx.AsyncClient, spy: LineSpy, submit: Callable[[], Awaitable[httpx.Response]]
) -> tuple[dict, list[int]]:
    async with watching(client, spy) as healthz:
        response = await submit()
    assert response.status_code in (200, 201), response.text
    return response.json(), healthz


def _assert_loop_kept_turning(spy: LineSpy, healthz: list[int], *, lines: int) -> None:
    assert spy.read >= lines, spy  # every line was read while watched
    assert spy.longest_hold <= MOST_LINES_BETWEEN_TURNS, spy
    assert healthz and set(healthz) == {200}, healthz


async def test_a_jsonl_upload_of_20000_lines_leaves_the_loop_to_others(
    client, tenant, upstream, monkeypatch
):
    setup = await providers(client, tenant, upstream, "openai")
    spy = LineSpy()
    spy_yields(monkeypatch, batch_lines, "_jsonl_items", spy)
    body = b"\n".join(orjson.dumps({"prompt": f"line {i}", "custom_id": f"c{i}"})
                      for i in range(LINES))

    job, healthz = await _submitted(client, spy, lambda: client.post(
        "/api/v1/llm/batch/jsonl", content=body,
        headers={**setup.member(), "Content-Type": "application/x-ndjson"}))

    assert job["total"] == LINES
    _assert_loop_kept_turning(spy, healthz, lines=LINES)
    done = await _stop(client, job["id"], setup.member())
    assert done["completed"] + done["cancelled"] == LINES


async def test_a_json_batch_of_20000_requests_leaves_the_loop_to_others(
    client, tenant, upstream, monkeypatch
):
    setup = await providers(client, tenant, upstream, "openai")
    spy = LineSpy()
    spy_calls(monkeypatch, batch_lines, "line_item", spy)
    body = {"requests": [{"prompt": f"line {i}"} for i in range(LINES)]}

    job, healthz = await _submitted(client, spy, lambda: client.post(
        "/api/v1/llm/batch", json=body, headers=setup.member()))

    assert job["total"] == LINES
    _assert_loop_kept_turning(spy, healthz, lines=LINES)
    await _stop(client, job["id"], setup.member())


async def test_an_openai_batch_of_20000_lines_leaves_the_loop_to_others(
    client, tenant, upstream, monkeypatch
):
    setup = await providers(client, tenant, upstream, "openai")
    spy = LineSpy()
    spy_yields(monkeypatch, openai_batch_input, "_lines", spy)  # both passes over the file
    uploaded = await upload(client, setup.member(), b"\n".join(
        line(f"c{i}", ask(f"line {i}")) for i in range(LINES)))
    assert uploaded.status_code == 200, uploaded.text

    batch, healthz = await _submitted(client, spy, lambda: client.post(
        "/v1/batches", headers=setup.member(), json={
            "input_file_id": uploaded.json()["id"], "endpoint": CHAT,
            "completion_window": "24h"}))

    assert batch["request_counts"]["total"] == LINES
    _assert_loop_kept_turning(spy, healthz, lines=2 * LINES)
    await _stop(client, batch["id"].removeprefix("batch_"), setup.member())
