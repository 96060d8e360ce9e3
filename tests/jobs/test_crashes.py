"""Jobs survive SIGKILL: of the embedded serving process, and of one of two queue workers.

Each test runs Turnout as real processes (`python -m turnout.cli serve|worker`) against a fake
upstream in the test's own loop, kills one with SIGKILL mid-job (no shutdown code runs), and
checks that the job still completes with every item's result. An item is run again only when
its batch was in hand at the kill: its outcome was not yet written, so its lease lapses and
another process claims it. Finished (written) items never run again.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.jobs.helpers import results, wait_for
from tests.jobs.processes import (
    PASSWORD,
    SECRET,
    Processes,
    free_port,
    member_key,
    ready,
    runs_per_item,
    scratch_database,
    scratch_redis,
)
from turnout.fakeupstream import FakeUpstream, Fault

CONCURRENCY = 8
LEASE_S = 2
ITEMS = 240


def batch(n: int) -> dict:
    return {"requests": [{"prompt": f"item {i}", "custom_id": f"c{i}"} for i in range(n)]}


@pytest.fixture
async def slow_upstream() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        server.set_fault(Fault(latency_s=0.05))
        yield server


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "TURNOUT_ENV": "test",
        "TURNOUT_DATA_DIR": str(data_dir),
        "TURNOUT_SECRET_KEY": SECRET,
        "TURNOUT_ADMIN_PASSWORD": PASSWORD,
        "TURNOUT_OUTBOUND_ALLOWLIST": "127.0.0.1",
        "TURNOUT_HEALTH_INTERVAL_S": "3600",
        "TURNOUT_JOB_CONCURRENCY": str(CONCURRENCY),
        "TURNOUT_JOB_LEASE_S": str(LEASE_S),
        "TURNOUT_REDIS_URL": "",
        **extra,
    }


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(env={}, logs=tmp_path)
    yield started
    started.stop_all()


async def completed_so_far(http: httpx.AsyncClient, job_id: str, key: str) -> int:
    job = (await http.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {key}"}))
    return int(job.json()["completed"])


async def until_completed(http: httpx.AsyncClient, job_id: str, key: str, at_least: int) -> None:
    for _ in range(1200):
        if await completed_so_far(http, job_id, key) >= at_least:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {at_least} completed items")


def check_every_item_once_or_in_flight(
    upstream: FakeUpstream, lines: list[dict], in_hand_at_kill: int
) -> int:
    """All items completed with their own result; returns how many ran twice."""
    assert len(lines) == ITEMS
    assert [line["custom_id"] for line in lines] == [f"c{i}" for i in range(ITEMS)]
    assert all(line["status"] == "completed" for line in lines)
    assert all(line["result"]["content"] == f"echo: item {line['position']}" for line in lines)
    runs = runs_per_item(upstream)
    assert set(runs) == {f"item {i}" for i in range(ITEMS)}
    again = sum(count - 1 for count in runs.values())
    assert max(runs.values()) <= 2, runs.most_common(3)
    assert again <= in_hand_at_kill, f"{again} items ran again; at most {in_hand_at_kill} in hand"
    return again


async def test_a_job_finishes_after_the_serving_process_is_killed_and_restarted(
    processes: Processes, slow_upstream: FakeUpstream, tmp_path: Path
) -> None:
    processes.env = base_env(tmp_path / "data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    first = processes.start("serve-1", "serve", "--port", str(port))
    await ready(url)
    key = await member_key(url, slow_upstream)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        auth = {"Authorization": f"Bearer {key}"}
        job = (await http.post("/api/v1/llm/batch", json=batch(ITEMS), headers=auth)).json()
        await until_completed(http, job["id"], key, ITEMS // 4)
        processes.kill(first)
        done_at_kill = len(runs_per_item(slow_upstream))

        processes.start("serve-2", "serve", "--port", str(port))
        await ready(url)
        done = await wait_for(http, job["id"], auth, timeout_s=120)
        assert (done["status"], done["completed"], done["failed"]) == ("completed", ITEMS, 0)
        lines = await results(http, job["id"], auth)
    # The serving process runs a job with two claim loops sharing its slots: one batch's items
    # may have been answered, their outcomes not yet written, while the next batch runs.
    again = check_every_item_once_or_in_flight(slow_upstream, lines, 2 * CONCURRENCY)
    print(f"\nkilled serve after {done_at_kill} items had reached the upstream; "
          f"{again} in-flight items ran again after the restart")


@pytest.fixture
async def scratch_postgres() -> AsyncIterator[str]:
    """A database of its own, so these workers never take the session app's queue messages."""
    base = os.environ.get("TURNOUT_TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL not configured (set TURNOUT_TEST_DATABASE_URL)")
    async with scratch_database(base) as url:
        yield url


async def logged(processes: Processes, name: str, text: str) -> None:
    for _ in range(600):
        if text in processes.log_of(name):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} never logged {text!r}: {processes.log_of(name)[-2000:]}")


def items_counted(exposition: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition) for sample in family.samples
        if sample.name == "turnout_job_items_total" and sample.labels["status"] == "completed"
    )


def items_run_by(log: str) -> int:
    return sum(int(n) for n in re.findall(r" ran (\d+) items of job ", log))


async def test_two_workers_share_a_job_and_one_killed_leaves_the_rest_to_the_other(
    processes: Processes, slow_upstream: FakeUpstream, scratch_postgres: str, tmp_path: Path
) -> None:
    processes.env = base_env(
        tmp_path / "data", TURNOUT_DATABASE_URL=scratch_postgres, TURNOUT_JOB_RUNNER="queue",
        TURNOUT_REDIS_URL=scratch_redis(),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes.start("serve", "serve", "--port", str(port))
    await ready(url)
    key = await member_key(url, slow_upstream)
    metrics_port = free_port()
    workers = [processes.start("worker-1", "worker", "--metrics-port", str(metrics_port)),
               processes.start("worker-2", "worker")]
    for n in (1, 2):
        await logged(processes, f"worker-{n}", "waiting for job items")
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        auth = {"Authorization": f"Bearer {key}"}

        shared = (await http.post("/api/v1/llm/batch", json=batch(ITEMS), headers=auth)).json()
        done = await wait_for(http, shared["id"], auth, timeout_s=120)
        assert (done["status"], done["completed"]) == ("completed", ITEMS)
        assert set(runs_per_item(slow_upstream).values()) == {1}  # no item ran twice
        by_worker = [items_run_by(processes.log_of(f"worker-{n}")) for n in (1, 2)]
        assert sum(by_worker) == ITEMS and min(by_worker) > 0, by_worker
        print(f"\ntwo workers shared {ITEMS} items: {by_worker[0]} and {by_worker[1]}")
        exposition = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        assert items_counted(exposition) == by_worker[0]  # the worker's own /metrics

        slow_upstream.reset()
        slow_upstream.set_fault(Fault(latency_s=0.05))
        job = (await http.post("/api/v1/llm/batch", json=batch(ITEMS), headers=auth)).json()
        await until_completed(http, job["id"], key, ITEMS // 4)
        processes.kill(workers[0])
        done = await wait_for(http, job["id"], auth, timeout_s=180)
        assert (done["status"], done["completed"], done["failed"]) == ("completed", ITEMS, 0)
        lines = await results(http, job["id"], auth)
    # A worker holds up to two messages, each with a claimed batch.
    again = check_every_item_once_or_in_flight(slow_upstream, lines, 2 * CONCURRENCY)
    print(f"killed one of two workers mid-job; {again} in-flight items ran again")
