"""Re-encrypt every stored provider key under the newest secret key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.security.audit import AuditTrail
from turnout.security.crypto import SecretBox
from turnout.store.models import ProviderConfig


async def rotate_provider_secrets(session: AsyncSession, secret_box: SecretBox) -> int:
    """Rotate each encrypted key in one transaction; returns how many were re-encrypted."""
    rows = await session.execute(
        select(ProviderConfig).where(ProviderConfig.api_key_encrypted.is_not(None))
    )
    rotated = 0
    for config in rows.scalars():
        assert config.api_key_encrypted is not None
        config.api_key_encrypted = secret_box.rotate(config.api_key_encrypted)
        AuditTrail(session, None, config.tenant_id).record(
            "rotate",
            "provider",
            config.id,
            before={"api_key_encryption": "previous key"},
            after={"api_key_encryption": "newest key"},
        )
        rotated += 1
    await session.commit()
    return rotated
