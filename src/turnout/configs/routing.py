"""Each tenant's active provider and ordered fallbacks; a bad switch leaves routing unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import Conflict, ValidationFailed
from turnout.security.audit import AuditTrail
from turnout.security.roles import Principal
from turnout.store.models import ProviderConfig, TenantRouting
from turnout.store.scoped import get_scoped

MAX_FALLBACKS = 10


@dataclass(frozen=True)
class Routing:
    active_provider_id: str | None
    fallback_provider_ids: tuple[str, ...]
    # Whether a request naming its provider may still be served by the fallbacks.
    fallback_for_pinned: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "active_provider_id": self.active_provider_id,
            "fallback_provider_ids": list(self.fallback_provider_ids),
            "fallback_for_pinned": self.fallback_for_pinned,
        }


async def get_routing(session: AsyncSession, *, tenant_id: str) -> Routing:
    row = await session.get(TenantRouting, tenant_id)
    if row is None:
        return Routing(None, ())
    return Routing(
        row.active_provider_id, tuple(row.fallback_provider_ids), row.fallback_for_pinned
    )


async def _enabled_by_id(session: AsyncSession, tenant_id: str, ids: list[str]) -> dict[str, bool]:
    statement = select(ProviderConfig.id, ProviderConfig.enabled).where(
        ProviderConfig.tenant_id == tenant_id, ProviderConfig.id.in_(ids)
    )
    return {row.id: row.enabled for row in await session.execute(statement)}


def _issues(routing: Routing, enabled: dict[str, bool]) -> list[dict[str, object]]:
    issues: list[dict[str, object]] = []
    named = [("active_provider_id", routing.active_provider_id)] + [
        (f"fallback_provider_ids.{i}", pid) for i, pid in enumerate(routing.fallback_provider_ids)
    ]
    for field, provider_id in named:
        if provider_id is None:
            continue
        if provider_id not in enabled:
            issues.append({"field": field, "code": "validation.unknown_provider"})
        elif not enabled[provider_id]:
            issues.append({"field": field, "code": "validation.provider_disabled"})
    ids = [pid for _, pid in named if pid is not None]
    if len(set(ids)) != len(ids):
        issues.append({"field": "fallback_provider_ids", "code": "validation.duplicate"})
    if len(routing.fallback_provider_ids) > MAX_FALLBACKS:
        issues.append({"field": "fallback_provider_ids", "code": "validation.too_long"})
    return issues


async def set_routing(
    session: AsyncSession,
    *,
    tenant_id: str,
    routing: Routing,
    principal: Principal,
    action: str = "update",
) -> Routing:
    """Replace the tenant's routing after checking every id is an enabled provider of the tenant."""
    ids = [pid for pid in (routing.active_provider_id, *routing.fallback_provider_ids) if pid]
    issues = _issues(routing, await _enabled_by_id(session, tenant_id, ids))
    if issues:
        raise ValidationFailed(issues)
    before = await get_routing(session, tenant_id=tenant_id)
    row = await session.get(TenantRouting, tenant_id)
    if row is None:
        row = TenantRouting(tenant_id=tenant_id)
        session.add(row)
    row.active_provider_id = routing.active_provider_id
    row.fallback_provider_ids = list(routing.fallback_provider_ids)
    row.fallback_for_pinned = routing.fallback_for_pinned
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        action,
        "routing",
        routing.active_provider_id,
        before=before.as_dict(),
        after=routing.as_dict(),
    )
    return routing


async def activate_provider(
    session: AsyncSession, *, tenant_id: str, provider_id: str, principal: Principal
) -> Routing:
    """Make `provider_id` active (it leaves the fallbacks, which otherwise stay as they are)."""
    config = await get_scoped(
        session, ProviderConfig, provider_id, tenant_id=tenant_id, resource="provider"
    )
    if not config.enabled:
        raise Conflict(reason="provider_disabled", details={"provider_id": provider_id})
    current = await get_routing(session, tenant_id=tenant_id)
    fallbacks = tuple(pid for pid in current.fallback_provider_ids if pid != provider_id)
    return await set_routing(
        session,
        tenant_id=tenant_id,
        routing=Routing(provider_id, fallbacks, current.fallback_for_pinned),
        principal=principal,
        action="activate",
    )
