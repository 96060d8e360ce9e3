"""Tenants: created by the CLI or bootstrap, never through the tenant-scoped API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.store.models import Tenant

DEFAULT_TENANT = "default"


async def get_or_create_tenant(session: AsyncSession, *, name: str) -> tuple[Tenant, bool]:
    """The tenant named `name`, creating it when missing; the flag says whether it was created."""
    tenant = (await session.execute(select(Tenant).where(Tenant.name == name))).scalar_one_or_none()
    if tenant is not None:
        return tenant, False
    tenant = Tenant(name=name)
    session.add(tenant)
    await session.flush()
    return tenant, True
