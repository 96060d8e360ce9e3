"""The first start creates tenant `default` and its `admin`, whatever other tenants hold."""

from __future__ import annotations

from sqlalchemy import select

from turnout.accounts.tenants import get_or_create_tenant
from turnout.bootstrap import ensure_default_admin
from turnout.security.passwords import verify_password
from turnout.security.roles import Role
from turnout.store.models import User


async def test_an_admin_of_another_tenant_does_not_stand_in_for_the_first_admin(services):
    async with services.sessions() as session:
        acme, _ = await get_or_create_tenant(session, name="acme")
        session.add(User(tenant_id=acme.id, username="admin", password_hash="x", role=Role.ADMIN))
        await session.commit()
        first = await ensure_default_admin(session, admin_password="first-admin-password")
        again = await ensure_default_admin(session, admin_password="another-password")
        admin = (
            await session.execute(
                select(User).where(User.tenant_id == first.tenant_id, User.username == "admin")
            )
        ).scalar_one()
    assert first.admin_created and not again.admin_created
    assert verify_password("first-admin-password", admin.password_hash)
