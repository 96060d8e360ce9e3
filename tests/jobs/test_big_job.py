"""A 10,000-item job over real HTTP: Turnout served by uvicorn, each item sent to the fake
upstream over HTTP. Every item is answered once, the results come back page by page in input
order, one usage row per item is written, and progress (polled and streamed) never goes back."""

from __future__ import annotations

import asyncio
import collections
import io

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from tests.gateway.helpers import providers
from tests.jobs.helpers import results
from turnout.store.models import UsageLog

ITEMS = 10_000
WAIT_S = 480.0


async def _events(http: httpx.AsyncClient, job_id: str, headers: dict[str, str]) -> list[tuple]:
    """The job's events stream, read to its end: (event, figures) in the order sent."""
    events: list[tuple[str, dict]] = []
    async with http.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=headers,
                           timeout=httpx.Timeout(10.0, read=60.0)) as stream:
        name = ""
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, orjson.loads(line.removeprefix("data: "))))
    return events


async def _polled(http: httpx.AsyncClient, job_id: str, headers: dict[str, str]) -> list[dict]:
    """GET /api/v1/jobs/{id} every 0.2 s until the job is finished."""
    seen: list[dict] = []
    while True:
        job = (await http.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
        seen.append(job)
        if job["status"] in ("completed", "cancelled", "failed"):
            return seen
        await asyncio.sleep(0.2)


async def _watched(http: httpx.AsyncClient, job_id: str, headers: dict[str, str]):
    """The events stream and the polled figures, both to the job's end. At most 8 minutes
    (under 100 s here with both cores busy); then the job's state and every task's stack
    make the failure."""
    try:
        async with asyncio.timeout(WAIT_S), asyncio.TaskGroup() as group:
            events = group.create_task(_events(http, job_id, headers))
            polled = group.create_task(_polled(http, job_id, headers))
    except TimeoutError:
        job = (await http.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
        raise AssertionError(
            f"job not finished after {WAIT_S:.0f} s: {job}\n{_task_stacks()}") from None
    return events.result(), polled.result()


def _task_stacks() -> str:
    """Where every task of the process waits, to tell a stalled job from a slow one."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(limit=8, file=out)
    return out.getvalue()[:30_000]


def _assert_never_backwards(figures: list[dict]) -> None:
    for key in ("completed", "failed", "progress"):
        values = [f[key] for f in figures]
        assert values == sorted(values), (key, values)
    done = [f["completed"] + f["failed"] + f["cancelled"] for f in figures]
    assert done == sorted(done) and all(f["total"] == ITEMS for f in figures)


@pytest.mark.slow  # about 40 s on SQLite, 60 s on PostgreSQL; `make test` runs it all the same
async def test_a_job_of_10000_items_answers_each_once_in_order(
    client, live_url, services, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "openai")
    body = b"\n".join(orjson.dumps({"prompt": f"line {i}", "custom_id": f"c{i}"})
                      for i in range(ITEMS))
    async with httpx.AsyncClient(base_url=live_url, timeout=60.0) as http:
        sent = await http.post("/api/v1/llm/batch/jsonl", content=body,
                               headers={**setup.member(), "Content-Type": "application/x-ndjson"})
        assert sent.status_code == 201, sent.text
        job_id = sent.json()["id"]
        events, polled = await _watched(http, job_id, setup.member())
        got = await results(http, job_id, setup.member())

    final = polled[-1]
    assert (final["status"], final["completed"], final["failed"]) == ("completed", ITEMS, 0)
    assert final["usage"]["total_tokens"] > 0
    _assert_never_backwards(polled)
    progress = [figures for event, figures in events if event == "progress"]
    assert events[-1][0] == "done" and events[-1][1]["completed"] == ITEMS, events[-1]
    assert len(progress) > 2, progress  # progress arrived while it ran, not only at the end
    _assert_never_backwards(progress)

    assert [r["position"] for r in got] == list(range(ITEMS))
    assert [r["custom_id"] for r in got] == [f"c{i}" for i in range(ITEMS)]
    assert all(r["status"] == "completed" for r in got)
    assert [r["result"]["content"] for r in got] == [f"echo: line {i}" for i in range(ITEMS)]

    # Each prompt reached the upstream exactly once (the recorder keeps the last 10,000, so a
    # repeat would show up either as a prompt seen twice or as one pushed out).
    sent_prompts = collections.Counter(
        message["content"] for request in upstream.requests
        for message in (request.json or {}).get("messages", []) if message["role"] == "user")
    assert sent_prompts == collections.Counter(f"line {i}" for i in range(ITEMS))

    await services.usage.flush()
    async with services.sessions() as session:
        usage_rows = await session.scalar(
            select(func.count()).select_from(UsageLog).where(UsageLog.tenant_id == tenant.id))
    assert usage_rows == ITEMS
