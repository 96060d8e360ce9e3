"""Known models per provider type: the catalog's built-in list plus each tenant's own entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import ValidationFailed
from turnout.providers import CATALOG
from turnout.security.audit import AuditTrail
from turnout.security.roles import Principal
from turnout.store.models import ModelRegistryEntry
from turnout.store.scoped import get_scoped, snapshot

ENTRY_FIELDS = (
    "provider_type",
    "model",
    "kind",
    "context_window",
    "input_price_per_1k",
    "output_price_per_1k",
    "currency",
    "capabilities",
)


def builtin_entries(provider_type: str | None = None) -> list[dict[str, Any]]:
    """The catalog's models as registry entries (id None, builtin True)."""
    entries: list[dict[str, Any]] = []
    for entry in CATALOG.values():
        if provider_type and entry.type != provider_type:
            continue
        for info in entry.known_models:
            entries.append(
                {
                    "id": None,
                    "builtin": True,
                    "provider_type": entry.type,
                    "model": info.model,
                    "kind": info.kind,
                    "context_window": info.context_window,
                    "input_price_per_1k": info.input_price_per_1k,
                    "output_price_per_1k": info.output_price_per_1k,
                    "currency": info.currency,
                    "capabilities": {},
                }
            )
    return entries


async def list_models(
    session: AsyncSession, *, tenant_id: str, provider_type: str | None = None
) -> list[dict[str, Any]]:
    """Built-in entries overlaid by the tenant's own (same type and model: the tenant's wins)."""
    statement = select(ModelRegistryEntry).where(ModelRegistryEntry.tenant_id == tenant_id)
    if provider_type:
        statement = statement.where(ModelRegistryEntry.provider_type == provider_type)
    own = {
        (row.provider_type, row.model): snapshot(row, ENTRY_FIELDS)
        | {"id": row.id, "builtin": False}
        for row in (await session.execute(statement)).scalars()
    }
    merged = {(e["provider_type"], e["model"]): e for e in builtin_entries(provider_type)}
    merged.update(own)
    return sorted(merged.values(), key=lambda e: (e["provider_type"], e["model"]))


async def add_model(
    session: AsyncSession, *, tenant_id: str, values: dict[str, Any], principal: Principal
) -> ModelRegistryEntry:
    if values["provider_type"] not in CATALOG:
        raise ValidationFailed([{"field": "provider_type", "code": "validation.not_allowed"}])
    clash = await session.execute(
        select(ModelRegistryEntry.id).where(
            ModelRegistryEntry.tenant_id == tenant_id,
            ModelRegistryEntry.provider_type == values["provider_type"],
            ModelRegistryEntry.model == values["model"],
        )
    )
    if clash.first() is not None:
        raise ValidationFailed([{"field": "model", "code": "validation.duplicate"}])
    row = ModelRegistryEntry(tenant_id=tenant_id, **values)
    session.add(row)
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        "create", "model", row.id, after=snapshot(row, ENTRY_FIELDS)
    )
    return row


async def delete_model(
    session: AsyncSession, *, tenant_id: str, entry_id: str, principal: Principal
) -> None:
    row = await get_scoped(
        session, ModelRegistryEntry, entry_id, tenant_id=tenant_id, resource="model"
    )
    AuditTrail(session, principal, tenant_id).record(
        "delete", "model", row.id, before=snapshot(row, ENTRY_FIELDS)
    )
    await session.delete(row)
