"""The job system as the app uses it: submit, inspect, cancel, delete; and its lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.jobs import store
from turnout.jobs.dispatch import Dispatcher
from turnout.jobs.runner import JobRunner, request_cancel
from turnout.jobs.stats import JobStatsReader
from turnout.jobs.store import JobStatus, NewItem, Progress
from turnout.store.models import Job
from turnout.store.types import utcnow


@dataclass(frozen=True, slots=True)
class Creator:
    tenant_id: str
    user_id: str | None
    api_key_id: str | None


@dataclass(frozen=True, slots=True)
class JobView:
    """A job with the progress counted from its items."""

    job: Job
    progress: Progress

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace since the job started, once something has finished."""
        job, done, total = self.job, self.progress.done, self.progress.total
        if job.started_at is None or done == 0 or JobStatus(job.status).finished:
            return None
        elapsed = (utcnow() - job.started_at).total_seconds()
        return round(elapsed / done * (total - done), 1)


class JobSystem:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        runner: JobRunner,
        dispatcher: Dispatcher,
        stats: JobStatsReader,
    ) -> None:
        self._sessions = sessions
        self.runner = runner
        self.dispatcher = dispatcher
        self.stats = stats

    async def start(self) -> None:
        await self.dispatcher.start()

    async def close(self) -> None:
        await self.dispatcher.close()

    async def submit(
        self,
        *,
        creator: Creator,
        kind: str,
        items: Iterable[NewItem] | AsyncIterable[NewItem],
        params: dict[str, Any],
        client_key: str | None = None,
    ) -> tuple[JobView, bool]:
        """The new job (True), or the tenant's job with the same client key (False)."""
        if client_key and (existing := await self._by_client_key(creator, client_key)):
            return existing, False
        job = Job(
            tenant_id=creator.tenant_id,
            kind=kind,
            status=JobStatus.QUEUED.value,
            created_by_user_id=creator.user_id,
            created_by_key_id=creator.api_key_id,
            client_key=client_key,
            params=params,
        )
        try:
            async with self._sessions.begin() as session:
                await store.insert_job(session, job, items)
        except IntegrityError:
            if client_key and (existing := await self._by_client_key(creator, client_key)):
                return existing, False  # the same submission, sent twice at once
            raise
        await self.dispatcher.dispatch(job.id)
        return await self.view(job.id, tenant_id=creator.tenant_id), True

    async def view(self, job_id: str, *, tenant_id: str) -> JobView:
        async with self._sessions() as session:
            job = await store.get_job(session, job_id, tenant_id=tenant_id)
            return JobView(job, await store.progress(session, job_id))

    async def list(
        self, *, tenant_id: str, status: str | None, kind: str | None, limit: int,
        before: datetime | None,
    ) -> list[JobView]:
        """The tenant's jobs, newest first (created before `before`, when given)."""
        async with self._sessions() as session:
            statement = select(Job).where(Job.tenant_id == tenant_id)
            if status:
                statement = statement.where(Job.status == status)
            if kind:
                statement = statement.where(Job.kind == kind)
            if before:
                statement = statement.where(Job.created_at < before)
            statement = statement.order_by(Job.created_at.desc()).limit(limit)
            jobs = list((await session.execute(statement)).scalars())
            return [JobView(job, await store.progress(session, job.id)) for job in jobs]

    async def cancel(self, job_id: str, *, tenant_id: str) -> JobView:
        async with self._sessions.begin() as session:
            job = await store.get_job(session, job_id, tenant_id=tenant_id)
            cancelling = request_cancel(job)
        if cancelling:
            await self.runner.settle(job_id)
            await self.dispatcher.dispatch(job_id)
        return await self.view(job_id, tenant_id=tenant_id)

    async def delete(self, job_id: str, *, tenant_id: str) -> None:
        async with self._sessions.begin() as session:
            job = await store.get_job(session, job_id, tenant_id=tenant_id)
            await store.delete_finished(session, job)

    async def _by_client_key(self, creator: Creator, client_key: str) -> JobView | None:
        async with self._sessions() as session:
            job = await store.find_by_client_key(session, creator.tenant_id, client_key)
            return None if job is None else JobView(job, await store.progress(session, job.id))
