"""Tenant-scoped lookups: another tenant's row is indistinguishable from a missing one."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import NotFound

Row = TypeVar("Row")


async def get_scoped(
    session: AsyncSession, model: type[Row], row_id: str, *, tenant_id: str, resource: str
) -> Row:
    """The row with this id in this tenant, else NotFound (404) — never a foreign tenant's row."""
    statement = select(model).where(
        model.id == row_id,  # type: ignore[attr-defined]
        model.tenant_id == tenant_id,  # type: ignore[attr-defined]
    )
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound(resource=resource, details={"resource": resource, "id": row_id})
    return row


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """A JSON-friendly dict of some columns, for audit before/after images."""
    return {name: _plain(getattr(row, name)) for name in fields}


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
