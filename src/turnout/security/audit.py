"""The configuration audit trail: who changed what, when, with a before/after diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from turnout.security.masking import mask_mapping
from turnout.security.roles import Principal
from turnout.store.models import AuditLog


def diff_snapshots(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """Field → {before, after} for every field whose value changed."""
    old, new = before or {}, after or {}
    return {
        name: {"before": old.get(name), "after": new.get(name)}
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    }


def record_audit(
    session: AsyncSession,
    *,
    principal: Principal | None,
    tenant_id: str,
    action: str,
    target_type: str,
    target_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction (committed or rolled back with the change)."""
    masked_before = mask_mapping(before) if before is not None else None
    masked_after = mask_mapping(after) if after is not None else None
    entry = AuditLog(
        tenant_id=tenant_id,
        actor_type=principal.kind if principal else "system",
        actor_id=principal.id if principal else None,
        actor_name=principal.name if principal else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=masked_before,
        after=masked_after,
        diff=diff_snapshots(masked_before, masked_after),
        request_id=request_id,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True, slots=True)
class AuditTrail:
    """One principal's changes to one tenant, recorded in the session that makes them."""

    session: AsyncSession
    principal: Principal | None
    tenant_id: str

    def record(
        self,
        action: str,
        target_type: str,
        target_id: str | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditLog:
        return record_audit(
            self.session,
            principal=self.principal,
            tenant_id=self.tenant_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            before=before,
            after=after,
        )
