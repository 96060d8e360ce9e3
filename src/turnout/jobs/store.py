"""Jobs and their items in the database: the one truth for status, progress, results and resume.

Progress, usage and cost are counted from the items (GROUP BY status), never kept twice.
An item is claimed by an atomic lease: a single UPDATE … RETURNING that moves pending items (or
items whose lease ran out) to `running` under the claimant's name; on PostgreSQL the selection
uses FOR UPDATE SKIP LOCKED so concurrent claimants never wait on or take each other's rows, on
SQLite the database's single writer makes the statement atomic. Outcomes are written only while
the lease is still the writer's, so an item whose lease was taken over is never written twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from turnout.errors import Conflict
from turnout.store.bulk import BulkInsert
from turnout.store.models import Job, JobItem
from turnout.store.scoped import get_scoped
from turnout.store.types import utcnow

INSERT_CHUNK = 5000
_INSERT_ITEMS = BulkInsert(JobItem.__table__)  # type: ignore[arg-type]


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"  # its provider is down: resumes at `resume_at`
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.CANCELLED, JobStatus.COMPLETED, JobStatus.FAILED)


class ItemStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"  # never run: the job was cancelled first


DONE = (ItemStatus.COMPLETED, ItemStatus.FAILED, ItemStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class NewItem:
    request: dict[str, Any] | None  # None: the line could not be read; `error` says why
    custom_id: str | None = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    counts: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def of(self, status: ItemStatus) -> int:
        return self.counts.get(status.value, 0)

    @property
    def done(self) -> int:
        return sum(self.of(status) for status in DONE)

    @property
    def open(self) -> int:
        """Items still to run or running."""
        return self.of(ItemStatus.PENDING) + self.of(ItemStatus.RUNNING)


@dataclass(frozen=True, slots=True)
class ClaimedItem:
    id: int
    position: int
    custom_id: str | None
    request: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    item_id: int
    status: ItemStatus  # COMPLETED or FAILED
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float = 0.0
    latency_ms: float | None = None


async def find_by_client_key(session: AsyncSession, tenant_id: str, client_key: str) -> Job | None:
    statement = select(Job).where(Job.tenant_id == tenant_id, Job.client_key == client_key)
    return (await session.execute(statement)).scalar_one_or_none()


async def insert_job(
    session: AsyncSession, job: Job, items: Iterable[NewItem] | AsyncIterable[NewItem]
) -> Job:
    """Store `job` and its items in the session's transaction (the caller commits).

    `items` may be made as they are read (an async iterable), so a big submission is validated
    while its rows are written, without being held whole.
    """
    session.add(job)
    await session.flush()
    connection = await session.connection()
    chunk: list[dict[str, Any]] = []
    position = 0
    async for item in _each(items):
        chunk.append(_item_row(job.id, position, item))
        position += 1
        if len(chunk) >= INSERT_CHUNK:
            await _INSERT_ITEMS(connection, chunk)
            chunk = []
    if chunk:
        await _INSERT_ITEMS(connection, chunk)
    return job


async def _each(items: Iterable[NewItem] | AsyncIterable[NewItem]) -> AsyncIterable[NewItem]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


def _item_row(job_id: str, position: int, item: NewItem) -> dict[str, Any]:
    failed = item.request is None
    return {
        "job_id": job_id,
        "position": position,
        "custom_id": item.custom_id,
        "status": (ItemStatus.FAILED if failed else ItemStatus.PENDING).value,
        "attempts": 0,
        "request": item.request,
        "error": item.error,
        "finished_at": utcnow() if failed else None,
    }


async def get_job(session: AsyncSession, job_id: str, *, tenant_id: str) -> Job:
    return await get_scoped(session, Job, job_id, tenant_id=tenant_id, resource="job")


async def progress(session: AsyncSession | AsyncConnection, job_id: str) -> Progress:
    statement = (
        select(
            JobItem.status,
            func.count(),
            func.coalesce(func.sum(JobItem.prompt_tokens), 0),
            func.coalesce(func.sum(JobItem.completion_tokens), 0),
            func.coalesce(func.sum(JobItem.total_tokens), 0),
            func.coalesce(func.sum(JobItem.cost), 0.0),
        )
        .where(JobItem.job_id == job_id)
        .group_by(JobItem.status)
    )
    rows = list(await session.execute(statement))
    return Progress(
        counts={row[0]: int(row[1]) for row in rows},
        prompt_tokens=sum(int(row[2]) for row in rows),
        completion_tokens=sum(int(row[3]) for row in rows),
        total_tokens=sum(int(row[4]) for row in rows),
        cost=round(sum(float(row[5]) for row in rows), 8),
    )


async def claim(
    connection: AsyncConnection,
    job_id: str,
    *,
    owner: str,
    limit: int,
    lease_s: float,
    positions: tuple[int, int] | None = None,
) -> list[ClaimedItem]:
    """Lease up to `limit` runnable items of the job (lowest positions first)."""
    now = utcnow()
    runnable = or_(
        JobItem.status == ItemStatus.PENDING.value,
        and_(JobItem.status == ItemStatus.RUNNING.value, JobItem.lease_expires_at < now),
    )
    chosen = select(JobItem.id).where(JobItem.job_id == job_id, runnable)
    if positions is not None:
        chosen = chosen.where(JobItem.position.between(*positions))
    chosen = chosen.order_by(JobItem.position).limit(limit)
    if connection.dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    statement = (
        update(JobItem)
        .where(JobItem.id.in_(chosen.scalar_subquery()))
        .values(
            status=ItemStatus.RUNNING.value,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_s),
            attempts=JobItem.attempts + 1,
        )
        .returning(
            JobItem.id, JobItem.position, JobItem.custom_id, JobItem.request, JobItem.attempts
        )
    )
    rows = await connection.execute(statement)
    claimed = [ClaimedItem(row[0], row[1], row[2], row[3] or {}, row[4]) for row in rows]
    return sorted(claimed, key=lambda item: item.position)


async def extend_leases(
    connection: AsyncConnection, item_ids: Sequence[int], *, owner: str, lease_s: float
) -> None:
    await connection.execute(
        update(JobItem)
        .where(JobItem.id.in_(item_ids), JobItem.lease_owner == owner)
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))
    )


_RECORD = (
    update(JobItem)
    .where(
        JobItem.id == bindparam("item_id"),
        JobItem.lease_owner == bindparam("owner"),
        JobItem.status == ItemStatus.RUNNING.value,
    )
    .values(
        status=bindparam("new_status"),
        result=bindparam("new_result"),
        error=bindparam("new_error"),
        prompt_tokens=bindparam("new_prompt_tokens"),
        completion_tokens=bindparam("new_completion_tokens"),
        total_tokens=bindparam("new_total_tokens"),
        cost=bindparam("new_cost"),
        latency_ms=bindparam("new_latency_ms"),
        finished_at=bindparam("new_finished_at"),
        lease_owner=None,
        lease_expires_at=None,
    )
)


async def record(
    connection: AsyncConnection, outcomes: Sequence[ItemOutcome], *, owner: str
) -> None:
    """Write finished items, as long as `owner` still holds their lease (one statement)."""
    if not outcomes:
        return
    now = utcnow()
    await connection.execute(
        _RECORD,
        [
            {
                "item_id": o.item_id,
                "owner": owner,
                "new_status": o.status.value,
                "new_result": o.result,
                "new_error": o.error,
                "new_prompt_tokens": o.prompt_tokens,
                "new_completion_tokens": o.completion_tokens,
                "new_total_tokens": o.total_tokens,
                "new_cost": o.cost,
                "new_latency_ms": o.latency_ms,
                "new_finished_at": now,
            }
            for o in outcomes
        ],
    )


async def release(
    connection: AsyncConnection, item_ids: Sequence[int], *, owner: str, undo_attempt: bool
) -> None:
    """Give leased items back (pending again), e.g. when their provider is down."""
    if not item_ids:
        return
    values: dict[str, Any] = {
        "status": ItemStatus.PENDING.value, "lease_owner": None, "lease_expires_at": None,
    }
    if undo_attempt:
        values["attempts"] = JobItem.attempts - 1
    await connection.execute(
        update(JobItem)
        .where(
            JobItem.id.in_(item_ids),
            JobItem.lease_owner == owner,
            JobItem.status == ItemStatus.RUNNING.value,
        )
        .values(**values)
    )


async def cancel_pending(connection: AsyncConnection, job_id: str) -> None:
    """Items that never ran are cancelled; running ones finish (or lapse) on their own."""
    await connection.execute(
        update(JobItem)
        .where(JobItem.job_id == job_id, JobItem.status == ItemStatus.PENDING.value)
        .values(status=ItemStatus.CANCELLED.value, finished_at=utcnow())
    )


async def abandon_lapsed(connection: AsyncConnection, job_id: str) -> None:
    """Running items of a cancelled job whose lease ran out are marked abandoned (failed)."""
    await connection.execute(
        update(JobItem)
        .where(
            JobItem.job_id == job_id,
            JobItem.status == ItemStatus.RUNNING.value,
            JobItem.lease_expires_at < utcnow(),
        )
        .values(
            status=ItemStatus.FAILED.value,
            error={"code": "ABANDONED", "message": "cancelled while running"},
            finished_at=utcnow(),
            lease_owner=None,
            lease_expires_at=None,
        )
    )


async def set_status(
    connection: AsyncConnection, job_id: str, status: JobStatus, *, was: JobStatus,
    **values: Any,
) -> bool:
    """Move the job from `was` to `status`; False when it was no longer `was`.

    Conditional because a row lock is not to be had everywhere (SQLite ignores FOR UPDATE):
    of two runners settling the job at once, one moves it and the other finds it moved.
    """
    result = await connection.execute(
        update(Job).where(Job.id == job_id, Job.status == was.value)
        .values(status=status.value, updated_at=utcnow(), **values)
    )
    return bool(result.rowcount)


async def touch(connection: AsyncConnection, job_id: str) -> None:
    """Note that a worker moved the job just now (the queue's sweep looks for stale jobs)."""
    await connection.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow()))


async def delete_finished(session: AsyncSession, job: Job) -> None:
    if not JobStatus(job.status).finished:
        raise Conflict(reason="job_not_finished", details={"status": job.status})
    await session.execute(delete(JobItem).where(JobItem.job_id == job.id))
    await session.delete(job)


async def runnable_jobs(connection: AsyncConnection, *, now: datetime) -> list[str]:
    """Jobs with work a worker could claim now: queued or running, or paused and due."""
    statement = select(Job.id).where(
        or_(
            Job.status.in_((JobStatus.QUEUED.value, JobStatus.RUNNING.value)),
            and_(Job.status == JobStatus.PAUSED.value, Job.resume_at <= now),
            Job.status == JobStatus.CANCELLING.value,
        )
    )
    return [row[0] for row in await connection.execute(statement)]
