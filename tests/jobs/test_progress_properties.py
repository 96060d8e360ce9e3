"""Property 30, async progress tracking (Requirement 10.5): whatever happens to a job, in any
order (workers running chunks of it, items that fail or hit our rate limits, a provider that is
down, a worker that dies holding leases and writes late, leases that lapse, cancel, a pause and
its resume), what the job reports is consistent and never goes backwards:

- completed + failed + cancelled + running + pending is always the number of items sent;
- completed, failed, cancelled, progress, tokens and cost never decrease;
- the status only moves along the allowed transitions, and a finished job has nothing open;
- progress is finished ÷ total, and eta_s is known exactly while the job is under way;
- a finished item keeps its outcome, and an item's result is its own request's answer;
- the events stream's progress events never go backwards and end with the final figures.

The job store and runner are the real ones, on the test database (SQLite or PostgreSQL); what
stands in for the queue is the state machine itself, which decides when a worker runs.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select, update

from turnout.accounts.tenants import get_or_create_tenant
from turnout.api.routes import jobs as job_routes
from turnout.api.schemas.jobs import JobPublic
from turnout.errors import RateLimited, UpstreamServerError
from turnout.jobs import store
from turnout.jobs.runner import ItemRun, JobRunner, ProviderDown
from turnout.jobs.stats import JobStatsReader
from turnout.jobs.store import DONE, ClaimedItem, ItemOutcome, ItemStatus, NewItem
from turnout.jobs.system import Creator, JobSystem, JobView
from turnout.store.db import create_engine, create_session_factory
from turnout.store.models import Job, JobItem, Tenant
from turnout.store.types import utcnow

KIND = "progress-test"
STEPS = {  # status → the statuses a job moves to in one step
    "queued": {"running", "cancelling", "completed"},  # completed: every line was unreadable
    "running": {"paused", "cancelling", "completed"},
    "paused": {"running", "cancelling", "completed"},  # completed: a late write ended it
    "cancelling": {"cancelled"},
    "completed": set(),
    "cancelled": set(),
    "failed": set(),
}


def _reachable(steps: dict[str, set[str]]) -> dict[str, set[str]]:
    """Statuses reachable in one or more steps: a rule may take several (cancel, then settle)."""
    reach = {status: set(nexts) for status, nexts in steps.items()}
    changed = True
    while changed:
        changed = False
        for nexts in reach.values():
            more = set().union(*(reach[n] for n in nexts)) - nexts
            if more:
                nexts |= more
                changed = True
    return reach


ALLOWED = _reachable(STEPS)
FINISHED = {"completed", "cancelled", "failed"}
OUTCOMES = ("ok", "fail", "limited", "down")
WORKERS = ("w1", "w2")


class ScriptedItems:
    """The item executor: answers each request with its own text, or as the script says."""

    def __init__(self) -> None:
        self.script: dict[int, str] = {}  # position → outcome of its next run
        self.limited: set[int] = set()  # positions already refused once

    async def __call__(self, run: ItemRun, item: ClaimedItem) -> ItemOutcome:
        outcome = self.script.pop(item.position, "ok")
        if outcome == "limited" and item.position not in self.limited:
            self.limited.add(item.position)
            self.script[item.position] = "ok"
            raise RateLimited(retry_after_s=0.001)  # the runner waits and tries again
        if outcome == "down":
            raise ProviderDown(UpstreamServerError("down", provider="p"))
        if outcome == "fail":
            return ItemOutcome(item.id, ItemStatus.FAILED,
                               error={"code": "UPSTREAM_ERROR", "of": item.request["text"]})
        return ItemOutcome(item.id, ItemStatus.COMPLETED, result={"echo": item.request["text"]},
                           prompt_tokens=3, completion_tokens=2, total_tokens=5, cost=0.001)


class NoQueue:
    """Submitting wakes nobody: the state machine decides when workers run."""

    async def dispatch(self, job_id: str) -> None:
        return None

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class Harness:
    """The real store and runners on the test database, on an event loop of their own."""

    loop: asyncio.AbstractEventLoop
    database_url: str
    engine: Any = None
    sessions: Any = None
    system: JobSystem = field(init=False)
    runners: dict[str, JobRunner] = field(default_factory=dict)
    items: ScriptedItems = field(default_factory=ScriptedItems)
    tenant_id: str = ""

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def open(self) -> None:
        self.engine = create_engine(self.database_url)
        self.sessions = sessions = create_session_factory(self.engine)
        self.runners = {
            owner: JobRunner(sessions, {KIND: self.items}, concurrency=3, lease_s=60.0,
                             owner=owner)
            for owner in WORKERS
        }
        self.system = JobSystem(sessions, self.runners["w1"], NoQueue(), JobStatsReader(sessions))
        async with sessions.begin() as session:
            tenant, _ = await get_or_create_tenant(session, name=f"progress-{secrets.token_hex(4)}")
            self.tenant_id = tenant.id

    async def close(self) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(Tenant).where(Tenant.id == self.tenant_id))
        await self.engine.dispose()


class JobProgress(RuleBasedStateMachine):
    harness: ClassVar[Harness]

    def __init__(self) -> None:
        super().__init__()
        self.h = self.harness
        self.h.items.script.clear()
        self.h.items.limited.clear()
        self.job_id = ""
        self.total = 0
        self.last: JobPublic | None = None
        self.finished_items: dict[int, tuple[str, Any, Any]] = {}
        self.crashed_leases = 0
        self.events: list[tuple[str, JobPublic]] = []
        self.listener: asyncio.Task[None] | None = None

    # -- what happens to the job ------------------------------------------------------------

    @initialize(lines=st.lists(st.booleans(), min_size=1, max_size=12))
    def submit(self, lines: list[bool]) -> None:
        """A job whose lines are good (True) or could not be read (False, failed at once)."""
        items = [NewItem({"text": f"line {i}"}, f"c{i}") if good else
                 NewItem(None, f"c{i}", error={"code": "VALIDATION_FAILED"})
                 for i, good in enumerate(lines)]
        creator = Creator(self.h.tenant_id, None, None)
        view, created = self.h.run(self.h.system.submit(
            creator=creator, kind=KIND, items=_async(items), params={}))
        assert created
        self.job_id, self.total = view.job.id, len(lines)
        self.listener = self.h.loop.create_task(self._listen(view))

    @rule(worker=st.sampled_from(WORKERS), start=st.integers(0, 11), span=st.integers(0, 5),
          outcomes=st.lists(st.sampled_from(OUTCOMES), max_size=6))
    def run_chunk(self, worker: str, start: int, span: int, outcomes: list[str]) -> None:
        """A worker handed the items at positions start…start+span (as a queue message does)."""
        self.h.items.script.update(
            (position, outcome) for position, outcome in enumerate(outcomes, start=start))
        self.h.run(self.h.runners[worker].run(self.job_id, positions=(start, start + span)))
        self.h.items.script.clear()

    @rule(limit=st.integers(1, 4))
    def a_worker_dies_holding_leases(self, limit: int) -> None:
        async def claim() -> list[ClaimedItem]:
            async with self.h.sessions.begin() as session:
                return await store.claim(await session.connection(), self.job_id,
                                         owner=self._dead(), limit=limit, lease_s=60.0)

        self.h.run(claim())
        self.crashed_leases += 1

    @precondition(lambda self: self.crashed_leases > 0)
    @rule(which=st.integers(0, 10), failed=st.booleans())
    def a_dead_worker_writes_late(self, which: int, failed: bool) -> None:
        """What a worker thought dead writes its outcomes: only leases still its own count."""
        owner = f"dead-{self.job_id}-{which % self.crashed_leases}"

        async def write() -> None:
            async with self.h.sessions.begin() as session:
                connection = await session.connection()
                held = (await connection.execute(
                    select(JobItem.id, JobItem.request).where(
                        JobItem.job_id == self.job_id, JobItem.lease_owner == owner))).all()
                await store.record(connection, [
                    ItemOutcome(row.id, ItemStatus.FAILED, error={"of": row.request["text"]})
                    if failed else ItemOutcome(row.id, ItemStatus.COMPLETED,
                                               result={"echo": row.request["text"]})
                    for row in held], owner=owner)

        self.h.run(write())

    @rule()
    def leases_lapse(self) -> None:
        """Time passes beyond every lease held now (their holders are gone or slow)."""
        self.h.run(self._update(
            update(JobItem).where(JobItem.job_id == self.job_id,
                                  JobItem.status == ItemStatus.RUNNING.value)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))))

    @rule()
    def a_pause_runs_out(self) -> None:
        """Time passes beyond a paused job's resume_at (its next run resumes it)."""
        self.h.run(self._update(
            update(Job).where(Job.id == self.job_id, Job.status == "paused")
            .values(resume_at=utcnow() - timedelta(seconds=1))))

    @rule()
    def cancel(self) -> None:
        self.h.run(self.h.system.cancel(self.job_id, tenant_id=self.h.tenant_id))

    @rule(worker=st.sampled_from(WORKERS))
    def settle(self, worker: str) -> None:
        """What the sweep does for a job with nothing to claim: finish it when it is done."""
        self.h.run(self.h.runners[worker].settle(self.job_id))

    # -- what must always hold --------------------------------------------------------------

    @invariant()
    def progress_is_consistent_and_never_goes_backwards(self) -> None:
        if not self.job_id:
            return
        now = self._public()
        counts = (now.completed, now.failed, now.cancelled, now.running, now.pending)
        assert now.total == self.total and sum(counts) == self.total, now
        done = now.completed + now.failed + now.cancelled
        assert now.progress == round(done / self.total, 4), now
        if now.status in FINISHED:
            assert now.running == now.pending == 0 and now.progress == 1.0, now
            assert now.eta_s is None, now
        if now.status == "completed":
            assert now.cancelled == 0, now
        if now.eta_s is not None:
            assert done > 0 and now.started_at is not None and now.eta_s >= 0, now
        elif now.status not in FINISHED and now.started_at is not None:
            assert done == 0, now  # under way with something finished: the eta is known
        last = self.last
        if last is not None:
            assert now.status == last.status or now.status in ALLOWED[last.status], (last, now)
            for figure in ("completed", "failed", "cancelled", "progress", "cost"):
                assert getattr(now, figure) >= getattr(last, figure), (figure, last, now)
            assert now.usage.total_tokens >= last.usage.total_tokens, (last, now)
        self.last = now

    @invariant()
    def a_finished_item_keeps_its_own_outcome(self) -> None:
        if not self.job_id:
            return
        rows = self.h.run(self._items())
        for row in rows:
            outcome = (row.status, row.result, row.error)
            if row.id in self.finished_items:
                assert outcome == self.finished_items[row.id], (row.position, outcome)
            elif row.status in {s.value for s in DONE}:
                self.finished_items[row.id] = outcome
                text = f"line {row.position}"
                if row.status == ItemStatus.COMPLETED.value:
                    assert row.result == {"echo": text}, row
                elif row.status == ItemStatus.FAILED.value and row.request is not None:
                    assert row.error.get("of", text) == text, row  # or abandoned, with no "of"
            if row.status != ItemStatus.RUNNING.value:
                assert row.lease_owner is None, row

    def teardown(self) -> None:
        if not self.job_id:
            return
        # Bring the job to its end: cancel, let every lease lapse, settle.
        self.cancel()
        self.leases_lapse()
        self.settle("w1")
        self.progress_is_consistent_and_never_goes_backwards()
        final = self.last
        assert final is not None and final.status in FINISHED, final
        assert self.listener is not None
        self.h.run(asyncio.wait_for(self.listener, timeout=30))
        self._check_events(final)
        self.h.run(self._delete())

    # -- helpers ----------------------------------------------------------------------------

    def _check_events(self, final: JobPublic) -> None:
        progress = [job for event, job in self.events if event == "progress"]
        assert progress and self.events[-1][0] == "done", self.events
        for before, after in itertools.pairwise(progress):
            for figure in ("completed", "failed", "cancelled", "progress"):
                assert getattr(after, figure) >= getattr(before, figure), (figure, before, after)
        last = self.events[-1][1]
        assert (last.status, last.completed, last.failed, last.cancelled) == (
            final.status, final.completed, final.failed, final.cancelled)

    async def _listen(self, first: JobView) -> None:
        """Read the job's events stream as GET /api/v1/jobs/{id}/events sends it."""
        services = SimpleNamespace(jobs=self.h.system)
        async for chunk in job_routes._events(services, first, self.h.tenant_id):  # type: ignore[arg-type]
            if chunk.startswith(b"event: "):
                head, data = chunk.split(b"\n", 2)[:2]
                event = head.removeprefix(b"event: ").decode()
                self.events.append((event, JobPublic.model_validate_json(
                    data.removeprefix(b"data: "))))

    def _public(self) -> JobPublic:
        view = self.h.run(self.h.system.view(self.job_id, tenant_id=self.h.tenant_id))
        return job_routes.job_public(view)

    def _dead(self) -> str:
        return f"dead-{self.job_id}-{self.crashed_leases}"

    async def _items(self) -> list[Any]:
        async with self.h.sessions() as session:
            return list((await session.execute(
                select(JobItem).where(JobItem.job_id == self.job_id))).scalars())

    async def _update(self, statement: Any) -> None:
        async with self.h.sessions.begin() as session:
            await session.execute(statement)

    async def _delete(self) -> None:
        await self.h.system.delete(self.job_id, tenant_id=self.h.tenant_id)


async def _async(items: list[NewItem]) -> Any:
    for item in items:
        yield item


def test_property_30_job_progress_is_consistent_and_never_goes_backwards(
    migrated: str, monkeypatch
) -> None:
    # The events stream polls the database every 0.5 s; here every few milliseconds, so the
    # stream sees the states the steps go through.
    monkeypatch.setattr(job_routes, "EVENTS_POLL_S", 0.002)
    loop = asyncio.new_event_loop()
    harness = Harness(loop, migrated)
    loop.run_until_complete(harness.open())
    JobProgress.harness = harness
    try:
        run_state_machine_as_test(JobProgress, settings=settings(
            max_examples=100, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        loop.run_until_complete(harness.close())
        loop.close()
