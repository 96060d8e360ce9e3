"""The embedded runner keeps its item slots busy across batch boundaries.

A job's task in the serving process runs two claim loops at once over the runner's slots, so
while one batch's last item is still running (or its outcomes are being written), the next
batch's items already run. With one loop a rate-limited job left its share of the limit unused
at every batch boundary. The store and runner are the real ones, on the test database.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator

from sqlalchemy import delete

from turnout.accounts.tenants import get_or_create_tenant
from turnout.jobs.dispatch import InProcessDispatcher
from turnout.jobs.runner import ItemRun, JobRunner, RunnerHooks
from turnout.jobs.stats import JobStatsReader
from turnout.jobs.store import ClaimedItem, ItemOutcome, ItemStatus, NewItem
from turnout.jobs.system import Creator, JobSystem
from turnout.store.db import create_engine, create_session_factory
from turnout.store.models import Tenant

KIND = "lanes-test"
SLOTS = 4  # the runner's concurrency, and so its batch size
WAIT_S = 60.0  # an upper bound for the whole job, far above what it takes: never a measure


class FirstItemWaitsForTheNextBatch:
    """Position 0 finishes only once an item of a later batch has started."""

    def __init__(self) -> None:
        self.started: Counter[int] = Counter()
        self.later_batch_started = asyncio.Event()

    async def __call__(self, run: ItemRun, item: ClaimedItem) -> ItemOutcome:
        self.started[item.position] += 1
        if item.position >= SLOTS:
            self.later_batch_started.set()
        if item.position == 0:
            await self.later_batch_started.wait()
        return ItemOutcome(item.id, ItemStatus.COMPLETED, result={"echo": item.request["text"]})


async def _lines(count: int) -> AsyncIterator[NewItem]:
    for i in range(count):
        yield NewItem({"text": f"line {i}"}, f"c{i}")


async def _finished(system: JobSystem, job_id: str, tenant_id: str) -> str:
    while True:
        view = await system.view(job_id, tenant_id=tenant_id)
        if view.job.status in ("completed", "failed", "cancelled"):
            return view.job.status
        await asyncio.sleep(0.05)


async def test_the_next_batch_runs_while_a_batch_still_has_an_item_running(migrated: str):
    engine = create_engine(migrated)
    sessions = create_session_factory(engine)
    items = FirstItemWaitsForTheNextBatch()
    runner = JobRunner(sessions, {KIND: items}, concurrency=SLOTS, lease_s=60.0)
    dispatcher = InProcessDispatcher(runner, sessions)
    system = JobSystem(sessions, runner, dispatcher, JobStatsReader(sessions))
    async with sessions.begin() as session:
        tenant, _ = await get_or_create_tenant(session, name=f"lanes-{secrets.token_hex(4)}")
    try:
        view, _ = await system.submit(creator=Creator(tenant.id, None, None), kind=KIND,
                                      items=_lines(3 * SLOTS), params={})
        status = await asyncio.wait_for(_finished(system, view.job.id, tenant.id), WAIT_S)
        final = await system.view(view.job.id, tenant_id=tenant.id)
    finally:
        await system.close()
        async with sessions.begin() as session:
            await session.execute(delete(Tenant).where(Tenant.id == tenant.id))
        await engine.dispose()
    assert status == "completed"
    assert (final.progress.of(ItemStatus.COMPLETED), final.progress.total) == (3 * SLOTS, 3 * SLOTS)
    assert items.started == Counter(range(3 * SLOTS))  # every item ran, and ran once


class NoDispatch:
    """Submitting wakes nobody: the test runs the settles itself."""

    async def dispatch(self, job_id: str) -> None:
        return None

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


async def test_two_lanes_settling_a_job_at_once_finish_it_once(migrated: str):
    """Both claim loops end by settling the job; of two settles at once one finishes it, and
    the job is counted as finished once (SQLite has no row lock to serialise them)."""
    engine = create_engine(migrated)
    sessions = create_session_factory(engine)
    finished: list[str] = []
    runner = JobRunner(sessions, {KIND: FirstItemWaitsForTheNextBatch()}, concurrency=SLOTS,
                       hooks=RunnerHooks(job_finished=lambda kind, status: finished.append(status)))
    system = JobSystem(sessions, runner, NoDispatch(), JobStatsReader(sessions))
    async with sessions.begin() as session:
        tenant, _ = await get_or_create_tenant(session, name=f"lanes-{secrets.token_hex(4)}")
    try:
        # Lines that could not be read fail at once: nothing is left to run.
        unreadable = [NewItem(None, f"c{i}", error={"code": "VALIDATION_FAILED"}) for i in range(3)]
        view, _ = await system.submit(creator=Creator(tenant.id, None, None), kind=KIND,
                                      items=unreadable, params={})
        await asyncio.gather(*(runner.settle(view.job.id) for _ in range(2)))
        final = await system.view(view.job.id, tenant_id=tenant.id)
    finally:
        async with sessions.begin() as session:
            await session.execute(delete(Tenant).where(Tenant.id == tenant.id))
        await engine.dispose()
    assert final.job.status == "completed" and final.job.finished_at is not None
    assert finished == ["completed"]
