"""Users: creation, role changes, password changes and deactivation, all tenant-scoped."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import Conflict, ValidationFailed
from turnout.security.audit import AuditTrail
from turnout.security.passwords import hash_password_in_thread
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
    """Add a user to the tenant; a username is unique within its tenant, unseen by others."""
    check_password_strength(password)
    taken = await session.execute(
        select(User.id).where(User.tenant_id == tenant_id, User.username == username)
    )
    if taken.first() is not None:
        raise ValidationFailed([{"field": "username", "code": "validation.duplicate"}])
    password_hash = await hash_password_in_thread(password)
    user = User(tenant_id=tenant_id, username=username, password_hash=password_hash, role=role)
    session.add(user)
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        "create", "user", user.id, after=snapshot(user, USER_FIELDS)
    )
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
    """Change a user's role, active flag or password; an admin cannot demote or lock themselves.

    A new password, a deactivation or a demotion also ends the user's sessions."""
    user = await get_user(session, tenant_id=tenant_id, user_id=user_id)
    if user.id == principal.user_id and (
        (role is not None and role != Role.ADMIN) or is_active is False
    ):
        raise Conflict(reason="own_account_demotion")
    if password is not None:
        check_password_strength(password)
    before = snapshot(user, USER_FIELDS)
    ends_sessions = _ends_sessions(user, role=role, is_active=is_active, password=password)
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    if password is not None:
        user.password_hash = await hash_password_in_thread(password)
    if ends_sessions:
        user.session_epoch += 1
    after = snapshot(user, USER_FIELDS) | ({"password": "changed"} if password else {})
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        "update", "user", user.id, before=before, after=after
    )
    return user


def _ends_sessions(
    user: User, *, role: Role | None, is_active: bool | None, password: str | None
) -> bool:
    """Whether the change takes something away, so sessions issued before must not outlive it."""
    demoted = role is not None and not role.allows(Role(user.role))
    deactivated = is_active is False and user.is_active
    return password is not None or demoted or deactivated


async def delete_user(
    session: AsyncSession, *, tenant_id: str, user_id: str, principal: Principal
) -> None:
    user = await get_user(session, tenant_id=tenant_id, user_id=user_id)
    if user.id == principal.user_id:
        raise Conflict(reason="own_account_deletion")
    AuditTrail(session, principal, tenant_id).record(
        "delete", "user", user.id, before=snapshot(user, USER_FIELDS)
    )
    await session.delete(user)
