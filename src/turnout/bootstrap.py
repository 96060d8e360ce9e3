"""First start: the `default` tenant and its `admin` user."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.accounts.tenants import DEFAULT_TENANT, get_or_create_tenant
from turnout.accounts.users import create_user
from turnout.security.roles import Role
from turnout.store.models import User

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class BootstrapResult:
    tenant_id: str
    admin_created: bool
    generated_password: str | None


async def ensure_default_admin(
    session: AsyncSession, *, admin_password: str | None
) -> BootstrapResult:
    """Create tenant `default` and user `admin` when missing; never touches an existing admin."""
    tenant, _ = await get_or_create_tenant(session, name=DEFAULT_TENANT)
    existing = await session.execute(
        select(User.id).where(User.tenant_id == tenant.id, User.username == ADMIN_USERNAME)
    )
    if existing.first() is not None:
        return BootstrapResult(tenant.id, False, None)
    password = admin_password or secrets.token_urlsafe(12)
    await create_user(
        session,
        tenant_id=tenant.id,
        username=ADMIN_USERNAME,
        password=password,
        role=Role.ADMIN,
        principal=None,
    )
    await session.commit()
    return BootstrapResult(tenant.id, True, None if admin_password else password)
