"""Files uploaded through the OpenAI Files API: tenant-scoped rows that hold their bytes.

Reads of a file's description leave its content (up to 100 MiB) unloaded. A batch's output and
error files are not rows: they are made from the job's items when read, and deleting one only
notes it in the job's params.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from turnout.errors import NotFound
from turnout.jobs import store
from turnout.jobs.system import Creator
from turnout.store.models import StoredFile
from turnout.store.types import new_id

ID_PREFIX = "file-"
DELETED_FILES = "deleted_files"  # job params: which generated files were deleted


def _not_found(file_id: str) -> NotFound:
    return NotFound(resource="file", details={"resource": "file", "id": file_id})


async def add_file(
    session: AsyncSession, *, creator: Creator, purpose: str, filename: str, content: bytes
) -> StoredFile:
    """Store an upload (the caller commits)."""
    row = StoredFile(
        id=ID_PREFIX + new_id().replace("-", ""),
        tenant_id=creator.tenant_id,
        purpose=purpose,
        filename=filename,
        size=len(content),
        content=content,
        created_by_user_id=creator.user_id,
        created_by_key_id=creator.api_key_id,
    )
    session.add(row)
    await session.flush()
    return row


async def file_info(session: AsyncSession, file_id: str, *, tenant_id: str) -> StoredFile:
    """The tenant's file without its content; NotFound for another tenant's."""
    statement = (
        select(StoredFile)
        .options(defer(StoredFile.content))
        .where(StoredFile.id == file_id, StoredFile.tenant_id == tenant_id)
    )
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise _not_found(file_id)
    return row


async def file_content(session: AsyncSession, file_id: str, *, tenant_id: str) -> bytes:
    statement = select(StoredFile.content).where(
        StoredFile.id == file_id, StoredFile.tenant_id == tenant_id
    )
    content = (await session.execute(statement)).scalar_one_or_none()
    if content is None:
        raise _not_found(file_id)
    return content


async def list_files(
    session: AsyncSession,
    *,
    tenant_id: str,
    purpose: str | None,
    after: str | None,
    limit: int,
    ascending: bool,
) -> list[StoredFile]:
    """The tenant's files by creation time, those past file `after` in that order."""
    statement = (
        select(StoredFile).options(defer(StoredFile.content))
        .where(StoredFile.tenant_id == tenant_id)
    )
    if purpose:
        statement = statement.where(StoredFile.purpose == purpose)
    if after:
        mark = await file_info(session, after, tenant_id=tenant_id)
        statement = statement.where(_past(mark, ascending=ascending))
    order = (StoredFile.created_at, StoredFile.id)
    statement = statement.order_by(*(o if ascending else o.desc() for o in order))
    return list((await session.execute(statement.limit(limit))).scalars())


def _past(mark: StoredFile, *, ascending: bool) -> ColumnElement[bool]:
    """Rows after `mark` in (created_at, id) order: ties on the time are broken by the id."""
    if ascending:
        return or_(
            StoredFile.created_at > mark.created_at,
            and_(StoredFile.created_at == mark.created_at, StoredFile.id > mark.id),
        )
    return or_(
        StoredFile.created_at < mark.created_at,
        and_(StoredFile.created_at == mark.created_at, StoredFile.id < mark.id),
    )


async def delete_file(session: AsyncSession, row: StoredFile) -> None:
    await session.delete(row)


async def forget_generated(
    session: AsyncSession, job_id: str, part: str, *, tenant_id: str
) -> None:
    """Note that a batch's generated file `part` (output or errors) was deleted."""
    job = await store.get_job(session, job_id, tenant_id=tenant_id)
    deleted = set((job.params or {}).get(DELETED_FILES, ()))
    job.params = {**(job.params or {}), DELETED_FILES: sorted(deleted | {part})}
