"""How jobs get run: in the serving process (the embedded default), or by worker processes.

In-process: a task per job that has work, started when the job is created and by a sweep every
few seconds that finds jobs with claimable items (pending, lapsed leases, a pause that is over,
a requested cancel). The sweep is what resumes work after a crash or restart: it asks the
database what is left, so nothing is lost if a wake-up is.

A job's task runs it in LANES claim loops at once, sharing the runner's item slots, as a queue
worker holds two messages: while one lane writes its batch and claims the next, the other's
items use the slots. With one loop, a rate-limited job left its share of the limit unused at
every batch boundary (a 600 rpm job ran at 581/min).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.jobs import store
from turnout.jobs.runner import JobRunner
from turnout.store.types import utcnow

log = logging.getLogger("turnout.jobs")
SWEEP_S = 2.0
LANES = 2


class Dispatcher(Protocol):
    async def dispatch(self, job_id: str) -> None:
        """Have the job's work picked up soon."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class InProcessDispatcher:
    def __init__(
        self,
        runner: JobRunner,
        sessions: async_sessionmaker[AsyncSession],
        *,
        sweep_s: float = SWEEP_S,
        lanes: int = LANES,
    ) -> None:
        self.runner = runner
        self._sessions = sessions
        self._sweep_s = sweep_s
        self._lanes = lanes
        self._running: dict[str, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def dispatch(self, job_id: str) -> None:
        if job_id not in self._running:
            task = asyncio.create_task(self._run(job_id), name=f"turnout-job-{job_id}")
            self._running[job_id] = task

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="turnout-job-sweep")

    async def close(self) -> None:
        tasks = [t for t in (self._sweeper, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def sweep(self) -> None:
        """Dispatch every job the database says has work now."""
        async with self._sessions() as session:
            connection = await session.connection()
            job_ids = await store.runnable_jobs(connection, now=utcnow())
        for job_id in job_ids:
            await self.dispatch(job_id)

    async def _run(self, job_id: str) -> None:
        lanes = [asyncio.create_task(self.runner.run(job_id)) for _ in range(self._lanes)]
        try:
            for outcome in await asyncio.gather(*lanes, return_exceptions=True):
                if isinstance(outcome, Exception):
                    # A database hiccup: the next sweep picks the job up again.
                    log.error("job %s: run interrupted", job_id, exc_info=outcome)
        except asyncio.CancelledError:
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            raise
        finally:
            self._running.pop(job_id, None)

    async def _sweep_forever(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.sweep()
            await asyncio.sleep(self._sweep_s)
