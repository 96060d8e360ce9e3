"""The configuration audit trail of the caller's tenant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from turnout.api.deps import CurrentAdmin, SessionDep
from turnout.api.schemas.accounts import AuditEntryPublic, AuditPage
from turnout.api.schemas.errors import error_responses
from turnout.store.models import AuditLog

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
MAX_OFFSET = 1_000_000_000


@router.get("", response_model=AuditPage, responses=error_responses(401, 403, 422))
async def list_audit(
    principal: CurrentAdmin,
    session: SessionDep,
    target_type: str | None = None,
    target_id: str | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    # Bounded: the databases take at most a 64-bit offset, and none this deep means anything.
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AuditPage:
    conditions = [AuditLog.tenant_id == principal.tenant_id]
    if target_type:
        conditions.append(AuditLog.target_type == target_type)
    if target_id:
        conditions.append(AuditLog.target_id == target_id)
    if action:
        conditions.append(AuditLog.action == action)
    total = (await session.execute(select(func.count()).where(*conditions))).scalar_one()
    rows = await session.execute(
        select(AuditLog)
        .where(*conditions)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return AuditPage(
        items=[AuditEntryPublic.model_validate(row) for row in rows.scalars()], total=total
    )
