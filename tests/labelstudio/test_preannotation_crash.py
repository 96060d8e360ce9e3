"""A 1,000-task project pre-annotated as a job survives SIGKILL of Turnout (issue 12's "resumes
after a kill"), against a real Label Studio.

Turnout runs as real processes (`python -m turnout.cli serve`, plus a queue worker on
PostgreSQL): on the test's PostgreSQL and Redis when they are configured, embedded (SQLite, no
Redis) otherwise. A text-classification project of English and Chinese tasks is pre-annotated
through POST /api/v1/preannotation/jobs while the test follows GET /api/v1/jobs/{id}/events.
Once some tasks are done, every Turnout process is killed with SIGKILL (no shutdown code runs)
and started again. The job then finishes, and Label Studio holds exactly one scored prediction
of the job's model_version per task: none lost, none written twice. Only tasks in flight at the
kill may be asked upstream again.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.jobs.helpers import results
from tests.jobs.processes import (
    PASSWORD,
    SECRET,
    Processes,
    free_port,
    member_key,
    ready,
    scratch_database,
    scratch_redis,
)
from tests.labelstudio.asks import first_asks
from tests.labelstudio.human import Person
from tests.labelstudio.server import RunningLabelStudio
from tests.labelstudio.test_preannotation_end_to_end import SENTIMENT, sentiment_tasks
from turnout.fakeupstream import FakeUpstream
from turnout.fakeupstream.annotator import Annotator
from turnout.labelstudio import LabelStudioClient
from turnout.security.outbound import OutboundPolicy

TASKS = 1000
KILL_AFTER = TASKS // 4  # tasks done (as the events stream says) before the kill
CONCURRENCY = 50  # a batch fills one bulk import (label_studio_writes.MAX_BATCH)
LEASE_S = 2
WAIT_S = 600.0  # generous bound on each wait; the whole test takes a few minutes


@pytest.fixture
async def annotator() -> AsyncIterator[FakeUpstream]:
    """A fake upstream of this test's own, answering as a labeling model at once."""
    async with FakeUpstream() as server:
        yield server


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A PostgreSQL database of the test's own when one is configured; "" for embedded SQLite."""
    base = os.environ.get("TURNOUT_TEST_DATABASE_URL")
    if not base:
        yield ""
        return
    async with scratch_database(base) as url:
        yield url


@pytest.fixture
def processes(database: str, tmp_path: Path) -> Iterator[Processes]:
    """Stopped before their database is dropped."""
    started = Processes(env={}, logs=tmp_path)
    yield started
    started.stop_all()


class Turnout:
    """Turnout as processes: `serve` alone (embedded), or `serve` and a worker (PostgreSQL)."""

    def __init__(self, processes: Processes, data_dir: Path, database: str) -> None:
        self.processes = processes
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.queued = bool(database)
        processes.env = {
            "TURNOUT_ENV": "test",
            "TURNOUT_DATA_DIR": str(data_dir),
            "TURNOUT_SECRET_KEY": SECRET,
            "TURNOUT_ADMIN_PASSWORD": PASSWORD,
            "TURNOUT_OUTBOUND_ALLOWLIST": "127.0.0.1",
            "TURNOUT_HEALTH_INTERVAL_S": "3600",
            "TURNOUT_JOB_CONCURRENCY": str(CONCURRENCY),
            "TURNOUT_JOB_LEASE_S": str(LEASE_S),
            "TURNOUT_REDIS_URL": scratch_redis() if database else "",
            **({"TURNOUT_DATABASE_URL": database, "TURNOUT_JOB_RUNNER": "queue"}
               if database else {}),
        }
        self.running: list = []
        self.starts = 0

    @property
    def in_hand_at_most(self) -> int:
        """Items a killed Turnout can have had in hand: a batch, or a worker's two messages'."""
        return 2 * CONCURRENCY if self.queued else CONCURRENCY

    async def start(self) -> None:
        self.starts += 1
        self.running = [self.processes.start(f"serve-{self.starts}", "serve",
                                             "--port", str(self.port))]
        await ready(self.url)
        if self.queued:
            self.running.append(self.processes.start(f"worker-{self.starts}", "worker"))

    def kill(self) -> None:
        for proc in self.running:
            self.processes.kill(proc)
        self.running = []


async def follow(http: httpx.AsyncClient, job_id: str, auth: dict[str, str],
                 seen: list[dict]) -> bool:
    """Read the job's events into `seen` until `done` (True) or the server goes away (False)."""
    try:
        async with http.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=auth,
                               timeout=httpx.Timeout(10.0, read=60.0)) as stream:
            name = ""
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    seen.append(orjson.loads(line.removeprefix("data: ")))
                    if name == "done":
                        return True
    except httpx.TransportError:
        pass
    return False


async def until_done_at_least(seen: list[dict], count: int) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not seen or seen[-1]["completed"] < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"fewer than {count} tasks done within {WAIT_S} s: {seen[-1:]}")
        await asyncio.sleep(0.02)


def assert_never_backwards(figures: list[dict]) -> None:
    for key in ("completed", "failed", "progress"):
        values = [f[key] for f in figures]
        assert values == sorted(values), (key, values)
    assert all(f["total"] == TASKS for f in figures)


@pytest.mark.slow  # a few minutes; `make test` runs it all the same
async def test_a_1000_task_project_pre_annotates_through_a_kill_with_one_prediction_each(
    label_studio: RunningLabelStudio, annotator: FakeUpstream, processes: Processes,
    database: str, tmp_path: Path,
) -> None:
    texts, gold = sentiment_tasks(TASKS, random.Random(12))
    assert any("的" in text for text in texts) and any("the" in text for text in texts)
    annotator.set_annotator(Annotator(gold=gold, wrong_rate=0.15, malformed_rate=0.05, seed=12))
    person = Person(label_studio)
    try:
        project_id = await person.create_project("Sentiment, 1,000 tasks, killed", SENTIMENT)
        task_ids = await person.import_texts(project_id, texts)
    finally:
        await person.aclose()
    assert len(task_ids) == TASKS

    turnout = Turnout(processes, tmp_path / "data", database)
    await turnout.start()
    key = await member_key(turnout.url, annotator)
    auth = {"Authorization": f"Bearer {key}"}
    seen: list[dict] = []
    async with httpx.AsyncClient(base_url=turnout.url, timeout=120) as http:
        started = await http.post("/api/v1/preannotation/jobs", headers=auth, json={
            "label_studio_url": label_studio.url, "api_token": label_studio.personal_token,
            "project_id": project_id,
        })
        assert started.status_code == 201, started.text
        job = started.json()
        assert (job["kind"], job["total"]) == ("preannotation", TASKS)

        following = asyncio.create_task(follow(http, job["id"], auth, seen))
        await until_done_at_least(seen, KILL_AFTER)
        turnout.kill()
        assert await asyncio.wait_for(following, WAIT_S) is False  # cut off, not done
        done_at_kill = seen[-1]["completed"]
        assert KILL_AFTER <= done_at_kill < TASKS

        # What the killed processes asked, read once the events stream has seen them die: a
        # request they sent just before the kill may reach the upstream a moment after it.
        asked_before_restart = set(first_asks(annotator))
        await turnout.start()
        assert await asyncio.wait_for(follow(http, job["id"], auth, seen), WAIT_S)
        final = (await http.get(f"/api/v1/jobs/{job['id']}", headers=auth)).json()
        lines = await results(http, job["id"], auth)

    assert (final["status"], final["total"], final["completed"], final["failed"]) == (
        "completed", TASKS, TASKS, 0)
    assert seen[-1]["completed"] == TASKS
    assert_never_backwards(seen)
    after_restart = [f for f in seen if f["completed"] > done_at_kill]
    assert len(after_restart) > 2, after_restart  # live progress after the restart too

    (version,) = {line["result"]["model_version"] for line in lines}
    assert sorted(line["result"]["task_id"] for line in lines) == sorted(task_ids)
    async with LabelStudioClient(url=label_studio.url, token=label_studio.legacy_token,
                                 guard=OutboundPolicy().guard("local")) as studio:
        tasks = [task async for page in studio.iter_tasks(project_id, page_size=1000)
                 for task in page.tasks]
    assert sorted(task.id for task in tasks) == sorted(task_ids)
    counts = Counter(len(task.predictions) for task in tasks)
    twice = [task.id for task in tasks if len(task.predictions) > 1]
    assert counts == {1: TASKS}, f"tasks by predictions held: {dict(counts)}; twice: {twice}"
    for task in tasks:
        (prediction,) = task.predictions
        assert prediction.model_version == version
        assert prediction.score is not None and 0 < prediction.score <= 1
        assert prediction.result and prediction.result[0]["value"]["choices"]

    asks = first_asks(annotator)
    assert set(asks) == set(texts)  # every task asked
    again = {text for text, count in asks.items() if count > 1}
    assert max(asks.values()) <= 2, asks.most_common(3)
    assert again <= asked_before_restart  # only what the killed processes had asked
    assert len(again) <= turnout.in_hand_at_most, (
        f"{len(again)} tasks asked again; at most {turnout.in_hand_at_most} were in hand")
    print(f"\nkilled Turnout ({'PostgreSQL + worker' if turnout.queued else 'embedded'}) with "
          f"{done_at_kill}/{TASKS} tasks done; {len(again)} tasks in flight were asked upstream "
          f"again; {len(seen)} progress events")
