"""Running a job's items: claim a batch by lease, run it with bounded concurrency, write outcomes.

The same code runs in the serving process (embedded default) and in `turnout worker` processes;
what hands it work differs (dispatch.py). Whatever runs it, the database decides: an item is
run only by the worker holding its lease, and finished items are never claimed again.

- An item refused by our own rate limits waits for its share and tries again: a job waits,
  never fails, when the provider's share is used up.
- An item whose every candidate is unwell (timeouts, connection errors, 5xx, open circuits)
  means the provider is down: the batch's unfinished items go back, and the job pauses with a
  growing delay (30 s up to 5 minutes) instead of burning through its items as failures.
- Any other error fails that item alone; the job goes on.
- A cancelled job stops claiming; items in flight finish, items never run are cancelled, and
  a running item whose lease lapses is recorded as abandoned.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.errors import RateLimited, TurnoutError
from turnout.gateway.context import Caller
from turnout.jobs import store
from turnout.jobs.store import ClaimedItem, ItemOutcome, ItemStatus, JobStatus
from turnout.store.models import Job
from turnout.store.types import utcnow

log = logging.getLogger("turnout.jobs")
LEASE_S = 30.0  # renewed every third of it while an item runs; a dead worker's lapse this fast
MAX_RATE_LIMIT_WAIT_S = 30.0
FIRST_PAUSE_S = 30.0
LONGEST_PAUSE_S = 300.0


class ProviderDown(Exception):
    """Every candidate of an item failed for its own health: pause the job, don't fail items."""

    def __init__(self, cause: TurnoutError) -> None:
        super().__init__("provider down")
        self.cause = cause


@dataclass(frozen=True, slots=True)
class ItemRun:
    """What an item executor knows of its job."""

    job_id: str
    kind: str
    caller: Caller
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, job: Job) -> ItemRun:
        caller = Caller(job.tenant_id, job.created_by_user_id, job.created_by_key_id)
        return cls(job.id, job.kind, caller, dict(job.params or {}))


class ItemExecutor(Protocol):
    async def __call__(self, run: ItemRun, item: ClaimedItem) -> ItemOutcome: ...


@dataclass
class RunnerHooks:
    """Told about item outcomes and finished jobs (metrics, events)."""

    item_done: Callable[[str, bool], None] = lambda kind, ok: None
    job_finished: Callable[[str, str], None] = lambda kind, status: None


class JobRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        executors: dict[str, ItemExecutor],
        *,
        concurrency: int = 16,
        lease_s: float = LEASE_S,
        owner: str | None = None,
        hooks: RunnerHooks | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._sessions = sessions
        self._executors = executors
        self._slots = asyncio.Semaphore(concurrency)
        self.batch_size = concurrency
        self.lease_s = lease_s
        self.owner = owner or f"worker-{secrets.token_hex(6)}"
        self._hooks = hooks or RunnerHooks()
        self._sleep = sleep
        # Set when the process is shutting down: batches in hand finish, no new ones start.
        self.stopping = asyncio.Event()

    async def run(self, job_id: str, positions: tuple[int, int] | None = None) -> bool:
        """Work on the job until nothing is left to claim (in `positions`, if given).

        False when it stopped early because the process is stopping (work is left).
        """
        job = await self._start(job_id)
        if job is None:
            return True
        run = ItemRun.of(job)
        executor = self._executors[job.kind]
        while True:
            if self.stopping.is_set():
                return False
            async with self._sessions.begin() as session:
                connection = await session.connection()
                claimed = await store.claim(
                    connection, job_id, owner=self.owner, limit=self.batch_size,
                    lease_s=self.lease_s, positions=positions,
                )
            if not claimed:
                break
            if not await self._run_batch(run, executor, claimed):
                break
            if await self._stopped(job_id):
                break
        await self.settle(job_id)
        return True

    async def settle(self, job_id: str) -> None:
        """Finish the job when nothing is left to run; carry out a requested cancel."""
        async with self._sessions.begin() as session:
            connection = await session.connection()
            job = await session.get(Job, job_id, with_for_update=True)
            if job is None or JobStatus(job.status).finished:
                return
            if job.status == JobStatus.CANCELLING:
                await store.cancel_pending(connection, job_id)
                await store.abandon_lapsed(connection, job_id)
            counts = await store.progress(connection, job_id)
            if counts.open:
                return
            final = (
                JobStatus.CANCELLED if job.status == JobStatus.CANCELLING else JobStatus.COMPLETED
            )
            moved = await store.set_status(
                connection, job_id, final, was=JobStatus(job.status), finished_at=utcnow()
            )
        if not moved:
            return
        self._hooks.job_finished(job.kind, final.value)
        log.info("job %s %s", job_id, final.value)

    async def _start(self, job_id: str) -> Job | None:
        """The job, marked running, when there may be work in it now; else None."""
        async with self._sessions.begin() as session:
            job = await session.get(Job, job_id)
            if job is None or JobStatus(job.status).finished:
                return None
            cancelling = job.status == JobStatus.CANCELLING
            if job.status == JobStatus.PAUSED and job.resume_at and job.resume_at > utcnow():
                return None
            if not cancelling and job.status != JobStatus.RUNNING:
                job.status = JobStatus.RUNNING.value
                job.started_at = job.started_at or utcnow()
                job.resume_at = None
                job.pause_reason = None
                await session.flush()
            session.expunge(job)
        if cancelling:
            await self.settle(job_id)
            return None
        return job

    async def _stopped(self, job_id: str) -> bool:
        """Whether the job was cancelled or paused meanwhile (checked between batches)."""
        async with self._sessions() as session:
            job = await session.get(Job, job_id)
        return job is None or job.status != JobStatus.RUNNING

    async def _run_batch(
        self, run: ItemRun, executor: ItemExecutor, claimed: list[ClaimedItem]
    ) -> bool:
        """Run a claimed batch and write it; False when the job was paused meanwhile."""
        heartbeat = asyncio.create_task(self._keep_leases([item.id for item in claimed]))
        try:
            results = await asyncio.gather(
                *(self._one(run, executor, item) for item in claimed), return_exceptions=True
            )
        except asyncio.CancelledError:
            # Shutting down: hand the batch back at once rather than when its leases lapse.
            await asyncio.shield(self._give_back([item.id for item in claimed]))
            raise
        finally:
            heartbeat.cancel()
        outcomes = [r for r in results if isinstance(r, ItemOutcome)]
        down = next((r for r in results if isinstance(r, ProviderDown)), None)
        bugs = [r for r in results if isinstance(r, BaseException) and not isinstance(
            r, ProviderDown | asyncio.CancelledError)]
        back = [item.id for item, r in zip(claimed, results, strict=True)
                if not isinstance(r, ItemOutcome)]
        async with self._sessions.begin() as session:
            connection = await session.connection()
            await store.record(connection, outcomes, owner=self.owner)
            await store.release(connection, back, owner=self.owner, undo_attempt=down is not None)
            await store.touch(connection, run.job_id)
            if down is not None:
                await self._pause(session, run.job_id, down)
        for outcome in outcomes:
            self._hooks.item_done(run.kind, outcome.status == ItemStatus.COMPLETED)
        log.info("%s ran %d items of job %s", self.owner, len(outcomes), run.job_id)
        for bug in bugs:
            log.error("job %s: an item failed unexpectedly", run.job_id, exc_info=bug)
        if any(isinstance(r, asyncio.CancelledError) for r in results):
            raise asyncio.CancelledError
        return down is None

    async def _keep_leases(self, item_ids: list[int]) -> None:
        """Renew the batch's leases while it runs, so a short lease still covers a slow item."""
        while True:
            await self._sleep(self.lease_s / 3)
            async with self._sessions.begin() as session:
                connection = await session.connection()
                await store.extend_leases(
                    connection, item_ids, owner=self.owner, lease_s=self.lease_s
                )

    async def _give_back(self, item_ids: list[int]) -> None:
        async with self._sessions.begin() as session:
            connection = await session.connection()
            await store.release(connection, item_ids, owner=self.owner, undo_attempt=True)

    async def _one(self, run: ItemRun, executor: ItemExecutor, item: ClaimedItem) -> ItemOutcome:
        async with self._slots:
            while True:
                try:
                    return await executor(run, item)
                except RateLimited as limited:
                    await self._sleep(min(limited.retry_after_s or 1.0, MAX_RATE_LIMIT_WAIT_S))

    async def _pause(self, session: AsyncSession, job_id: str, down: ProviderDown) -> None:
        job = await session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != JobStatus.RUNNING:
            return
        pauses = int((job.params or {}).get("pauses", 0)) + 1
        delay = min(FIRST_PAUSE_S * 2 ** (pauses - 1), LONGEST_PAUSE_S)
        job.status = JobStatus.PAUSED.value
        job.pause_reason = down.cause.code.value
        job.resume_at = utcnow() + timedelta(seconds=delay)
        job.params = {**(job.params or {}), "pauses": pauses}
        log.warning("job %s paused for %.0f s: %s", job_id, delay, down.cause.code.value)


def request_cancel(job: Job) -> bool:
    """Mark the job to be cancelled (workers stop claiming; `settle` ends it); False if done."""
    if JobStatus(job.status).finished:
        return False
    if job.status != JobStatus.CANCELLING:
        job.status = JobStatus.CANCELLING.value
        job.cancel_requested_at = utcnow()
    return True
