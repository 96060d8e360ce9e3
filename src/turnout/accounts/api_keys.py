"""API keys: shown once at creation, stored as SHA-256 hashes, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.security.audit import AuditTrail
from turnout.security.roles import Principal, Role
from turnout.security.tokens import api_key_prefix, generate_api_key, hash_api_key
from turnout.store.models import ApiKey
from turnout.store.scoped import get_scoped, snapshot
from turnout.store.types import utcnow

KEY_FIELDS = ("name", "role", "prefix", "rpm_limit", "revoked_at")


async def create_api_key(
    session: AsyncSession,
    *,
    tenant_id: str,
    name: str,
    role: Role,
    principal: Principal | None,
    rpm_limit: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key row and the plaintext key, which is never retrievable again."""
    plaintext = generate_api_key()
    row = ApiKey(
        tenant_id=tenant_id,
        name=name,
        role=role,
        prefix=api_key_prefix(plaintext),
        key_hash=hash_api_key(plaintext),
        rpm_limit=rpm_limit,
        created_by_user_id=principal.user_id if principal else None,
    )
    session.add(row)
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        "create", "api_key", row.id, after=snapshot(row, KEY_FIELDS)
    )
    return row, plaintext


async def find_active_key(session: AsyncSession, plaintext: str) -> ApiKey | None:
    statement = select(ApiKey).where(
        ApiKey.key_hash == hash_api_key(plaintext), ApiKey.revoked_at.is_(None)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def list_api_keys(session: AsyncSession, *, tenant_id: str) -> list[ApiKey]:
    statement = (
        select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at, ApiKey.id)
    )
    return list((await session.execute(statement)).scalars())


async def revoke_api_key(
    session: AsyncSession, *, tenant_id: str, key_id: str, principal: Principal
) -> ApiKey:
    """Revoke a key of the tenant; revoking twice is harmless and audited once."""
    row = await get_scoped(session, ApiKey, key_id, tenant_id=tenant_id, resource="api_key")
    if row.revoked_at is None:
        before = snapshot(row, KEY_FIELDS)
        row.revoked_at = utcnow()
        await session.flush()
        AuditTrail(session, principal, tenant_id).record(
            "revoke", "api_key", row.id, before=before, after=snapshot(row, KEY_FIELDS)
        )
    return row


async def touch_last_used(session: AsyncSession, *, used: dict[str, datetime]) -> None:
    """Write buffered last-used times (key id → time) in one statement per key."""
    for key_id, when in used.items():
        await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=when))
