"""Users: creation, lookup for login, role changes and deactivation, all tenant-scoped."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import Conflict, InvalidCredentials, ValidationFailed
from turnout.security.audit import AuditTrail
from turnout.security.passwords import hash_password, verify_password
from turnout.security.roles import Principal, Role
from turnout.store.models import User
from turnout.store.scoped import get_scoped, snapshot

USER_FIELDS = ("username", "role", "is_active")
MIN_PASSWORD_LENGTH = 8


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed([{"field": "password", "code": "validation.weak_password"}])


async def create_user(
    session: AsyncSession,
    *,
    tenant_id: str,
    username: str,
    password: str,
    role: Role,
    principal: Principal | None,
) -> User:
    """Add a user to the tenant; usernames are unique across Turnout."""
    check_password_strength(password)
    taken = await session.execute(select(User.id).where(User.username == username))
    if taken.first() is not None:
        raise ValidationFailed([{"field": "username", "code": "validation.duplicate"}])
    user = User(
        tenant_id=tenant_id, username=username, password_hash=hash_password(password), role=role
    )
    session.add(user)
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        "create", "user", user.id, after=snapshot(user, USER_FIELDS)
    )
    return user


async def authenticate(session: AsyncSession, *, username: str, password: str) -> User:
    """The active user with these credentials, else InvalidCredentials (same for every cause)."""
    user = (
        await session.execute(select(User).where(User.username == username))
    ).scalar_one_or_none()
    if not verify_password(password, user.password_hash if user else None):
        raise InvalidCredentials()
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return user


async def list_users(session: AsyncSession, *, tenant_id: str) -> list[User]:
    statement = select(User).where(User.tenant_id == tenant_id).order_by(User.created_at, User.id)
    return list((await session.execute(statement)).scalars())


async def get_user(session: AsyncSession, *, tenant_id: str, user_id: str) -> User:
    return await get_scoped(session, User, user_id, tenant_id=tenant_id, resource="user")


async def update_user(
    session: AsyncSession,
    *,
    tenant_id: str,
    user_id: str,
    principal: Principal,
    role: Role | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, active flag or password; an admin cannot demote or lock themselves."""
    user = await get_user(session, tenant_id=tenant_id, user_id=user_id)
    if user.id == principal.user_id and (
        (role is not None and role != Role.ADMIN) or is_active is False
    ):
        raise Conflict(reason="cannot demote or deactivate yourself")
    before = snapshot(user, USER_FIELDS)
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    if password is not None:
        check_password_strength(password)
        user.password_hash = hash_password(password)
    after = snapshot(user, USER_FIELDS) | ({"password": "changed"} if password else {})
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        "update", "user", user.id, before=before, after=after
    )
    return user


async def delete_user(
    session: AsyncSession, *, tenant_id: str, user_id: str, principal: Principal
) -> None:
    user = await get_user(session, tenant_id=tenant_id, user_id=user_id)
    if user.id == principal.user_id:
        raise Conflict(reason="cannot delete yourself")
    AuditTrail(session, principal, tenant_id).record(
        "delete", "user", user.id, before=snapshot(user, USER_FIELDS)
    )
    await session.delete(user)
