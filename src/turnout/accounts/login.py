"""Login: throttled, timed the same for every cause of failure, and tenant-aware.

Usernames are unique per tenant. A login may name its tenant; one that does not is tried against
every tenant holding the username (the oldest `MAX_CANDIDATES`), one verification each, and
succeeds when exactly one active user's password matches. A username nobody has costs one
verification against a dummy hash, like a wrong password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import InvalidCredentials, TenantRequired
from turnout.security.login_throttle import LoginThrottle
from turnout.security.passwords import verify_each_in_thread
from turnout.store.models import Tenant, User

# Bounds the work of one login without a tenant: a username held by more tenants than this
# must name its tenant to reach the newer ones.
MAX_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    username: str
    password: str
    tenant: str | None
    address: str  # the client's network address, as the server saw the connection


async def log_in(session: AsyncSession, *, throttle: LoginThrottle, attempt: LoginAttempt) -> User:
    """The user these credentials name, unless the username or address is throttled."""
    await throttle.check(username=attempt.username, address=attempt.address)
    try:
        return await authenticate(
            session, username=attempt.username, password=attempt.password, tenant=attempt.tenant
        )
    except InvalidCredentials:
        await throttle.failed(username=attempt.username, address=attempt.address)
        raise


async def authenticate(
    session: AsyncSession, *, username: str, password: str, tenant: str | None = None
) -> User:
    """The one active user these credentials fit, else InvalidCredentials (same for every cause)
    or TenantRequired (the password fits active users of several tenants)."""
    candidates = await _candidates(session, username=username, tenant=tenant)
    # The read is over: end its transaction so no connection is held while hashing.
    await session.commit()
    matches = await verify_each_in_thread(password, [user.password_hash for user in candidates])
    fitting = [user for user, ok in zip(candidates, matches, strict=True) if ok and user.is_active]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        raise TenantRequired()
    raise InvalidCredentials()


async def _candidates(
    session: AsyncSession, *, username: str, tenant: str | None
) -> Sequence[User]:
    statement = select(User).where(User.username == username)
    if tenant is not None:
        statement = statement.join(Tenant, Tenant.id == User.tenant_id).where(Tenant.name == tenant)
    statement = statement.order_by(User.created_at, User.id).limit(MAX_CANDIDATES)
    return (await session.execute(statement)).scalars().all()
