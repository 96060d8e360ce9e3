"""Jobs spread over `turnout worker` processes through pgqueuer (PostgreSQL deployments).

The queue only wakes workers and hands each a range of a job's item positions; the database
decides who runs what (items are claimed by lease, jobs/store.py), so a message delivered twice
or to two workers never runs a finished item twice. pgqueuer re-delivers the message of a
worker that died (its heartbeat stops) after `HEARTBEAT_TIMEOUT`; a worker told to stop hands
its message back at once (RetryRequested) after finishing the batch it is running.

A sweep on one replica at a time (a leader lock) also enqueues work for jobs nobody is moving:
a pause that is over, a cancel to carry out, or items left behind by lost messages — it asks
the database what is left, so nothing depends on a message arriving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import asyncpg
import orjson
from pgqueuer import AsyncpgDriver, AsyncpgPoolDriver, Queries, QueueManager, RetryRequested
from pgqueuer.models import Job as QueueMessage
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.jobs import store
from turnout.jobs.runner import JobRunner
from turnout.state.locks import LeaderLock
from turnout.store.models import Job, JobItem
from turnout.store.types import utcnow

log = logging.getLogger("turnout.jobs")
ENTRYPOINT = "turnout.job_items"
CHUNK_ITEMS = 100
HEARTBEAT_TIMEOUT = timedelta(seconds=60)
SWEEP_S = 10.0
SWEEP_LOCK = "jobs-sweep"


def asyncpg_dsn(database_url: str) -> str:
    """The plain PostgreSQL DSN of a SQLAlchemy URL (asyncpg takes no driver suffix)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def ensure_queue_schema(pool: asyncpg.Pool) -> None:
    """Install pgqueuer's tables once, or bring them up to this version (serialised)."""
    async with pool.acquire() as connection:
        queries = Queries(AsyncpgDriver(connection))
        async with queries.schema_lock():
            if await queries.schema_is_installed():
                await queries.apply_upgrade()
            else:
                await queries.install()


def _payload(job_id: str, positions: tuple[int, int] | None) -> bytes:
    return orjson.dumps({"job_id": job_id, "positions": positions})


class QueueDispatcher:
    """Enqueues work for workers; in serving processes, also sweeps (one replica at a time)."""

    def __init__(
        self,
        database_url: str,
        sessions: async_sessionmaker[AsyncSession],
        locks: LeaderLock,
        *,
        lease_s: float,
        sweep_s: float = SWEEP_S,
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._sessions = sessions
        self._locks = locks
        self._lease_s = lease_s
        self._sweep_s = sweep_s
        self._pool: asyncpg.Pool | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=4)
        await ensure_queue_schema(self._pool)
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="turnout-job-sweep")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._locks.release(SWEEP_LOCK)
        if self._pool is not None:
            await self._pool.close()

    async def dispatch(self, job_id: str) -> None:
        """One message per range of CHUNK_ITEMS positions, so several workers share the job."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(func.max(JobItem.position)).where(JobItem.job_id == job_id)
            )
        last = int(found or 0)
        ranges = [(start, min(start + CHUNK_ITEMS - 1, last))
                  for start in range(0, last + 1, CHUNK_ITEMS)]
        await self._enqueue([_payload(job_id, r) for r in ranges] or [_payload(job_id, None)])

    async def sweep(self) -> None:
        """Enqueue a whole-job message for jobs with work that nobody has touched lately."""
        stale_before = utcnow() - timedelta(seconds=3 * self._lease_s)
        async with self._sessions() as session:
            connection = await session.connection()
            job_ids = await store.runnable_jobs(connection, now=utcnow())
            if not job_ids:
                return
            rows = await session.execute(
                select(Job.id, Job.status, Job.updated_at).where(Job.id.in_(job_ids))
            )
            due = [row.id for row in rows
                   if row.status in ("paused", "cancelling") or row.updated_at < stale_before]
        for job_id in due:
            await self._enqueue([_payload(job_id, None)], dedupe=f"sweep:{job_id}")

    async def message_counts(self) -> dict[str, int]:
        """Messages of Turnout's job queue by status (queued, picked)."""
        assert self._pool is not None, "start() the dispatcher first"
        counts: dict[str, int] = {}
        for row in await Queries(AsyncpgPoolDriver(self._pool)).queue_size():
            if row.entrypoint == ENTRYPOINT:
                counts[row.status] = counts.get(row.status, 0) + row.count
        return counts

    async def _enqueue(self, payloads: list[bytes], *, dedupe: str | None = None) -> None:
        assert self._pool is not None, "start() the dispatcher first"
        queries = Queries(AsyncpgPoolDriver(self._pool))
        if dedupe is not None:
            await queries.enqueue(ENTRYPOINT, payloads[0], dedupe_key=dedupe, on_conflict="skip")
            return
        await queries.enqueue([ENTRYPOINT] * len(payloads), list(payloads), [0] * len(payloads))

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_s)
            try:
                if await self._locks.try_acquire(SWEEP_LOCK, ttl_s=self._sweep_s * 3):
                    await self.sweep()
            except Exception:  # the database or Redis may be away: try again next round
                log.warning("job sweep failed; retrying", exc_info=True)


class QueueWorker:
    """`turnout worker`: takes messages and runs their items until told to stop.

    One message's batches already fill the runner's item slots, so a worker holds only
    `chunks_at_once` messages: enough that a job waiting on its rate limit does not idle the
    worker, few enough that the other workers get their share of a job's chunks.
    """

    def __init__(self, database_url: str, runner: JobRunner, *, chunks_at_once: int = 2) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._runner = runner
        self._chunks = chunks_at_once
        self._manager: QueueManager | None = None

    async def run(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        try:
            manager = self._manager = QueueManager(Queries(AsyncpgDriver(connection)))
            manager.entrypoint(ENTRYPOINT)(self._handle)
            await manager.run(
                batch_size=1,
                max_concurrent_tasks=self._chunks,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
            )
        finally:
            await connection.close()

    def stop(self) -> None:
        """Finish the batches in hand, hand their messages back, and return from run()."""
        self._runner.stopping.set()
        if self._manager is not None:
            self._manager.shutdown.set()

    async def _handle(self, message: QueueMessage) -> None:
        body: dict[str, Any] = orjson.loads(message.payload or b"{}")
        raw = body.get("positions")
        positions = (int(raw[0]), int(raw[1])) if raw else None
        finished = await self._runner.run(body["job_id"], positions)
        if not finished:
            raise RetryRequested(reason="worker stopping")
