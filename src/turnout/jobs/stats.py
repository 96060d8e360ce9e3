"""What the job system holds right now, counted from the database for `/metrics`.

Every process reads the same rows, so the figures agree whichever serving process is scraped,
and work done by `turnout worker` processes shows up too. Counting a big job's items costs a
scan of its index, so a scrape reuses figures younger than `max_age_s`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.jobs.store import JobStatus
from turnout.store.models import Job, JobItem

log = logging.getLogger("turnout.jobs")
UNFINISHED = tuple(s.value for s in JobStatus if not s.finished)


@dataclass(frozen=True, slots=True)
class JobStats:
    jobs: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, status) → jobs
    # (kind, item status) → items of jobs not yet finished; "pending" is the work left to claim.
    open_items: dict[tuple[str, str], int] = field(default_factory=dict)
    queue_messages: dict[str, int] = field(default_factory=dict)  # status → queue messages


QueueCounts = Callable[[], Awaitable[dict[str, int]]]


async def count_jobs(session: AsyncSession) -> tuple[dict[tuple[str, str], int],
                                                      dict[tuple[str, str], int]]:
    jobs = await session.execute(
        select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
    )
    items = await session.execute(
        select(Job.kind, JobItem.status, func.count())
        .join(Job, Job.id == JobItem.job_id)
        .where(Job.status.in_(UNFINISHED))
        .group_by(Job.kind, JobItem.status)
    )
    return ({(k, s): n for k, s, n in jobs}, {(k, s): n for k, s, n in items})


class JobStatsReader:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        queue_counts: QueueCounts | None = None,
        *,
        max_age_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._queue_counts = queue_counts
        self._max_age_s = max_age_s
        self._clock = clock
        self._last: tuple[float, JobStats] | None = None

    async def read(self) -> JobStats | None:
        """The figures, or None while the database cannot be read (the scrape goes on)."""
        now = self._clock()
        if self._last is not None and now - self._last[0] < self._max_age_s:
            return self._last[1]
        try:
            async with self._sessions() as session:
                jobs, open_items = await count_jobs(session)
            queue = await self._queue_counts() if self._queue_counts is not None else {}
        except (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("job figures for /metrics could not be read", exc_info=True)
            return None
        stats = JobStats(jobs, open_items, queue)
        self._last = (now, stats)
        return stats
