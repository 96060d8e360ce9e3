"""A tenant's alert webhook: where provider health transitions are POSTed.

Webhook URLs often carry their own credential in the path (Slack, DingTalk, WeCom hooks), so
responses, audit entries and logs show only the origin and the last characters.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from turnout.errors import NotFound
from turnout.security.audit import record_audit
from turnout.security.masking import MASK
from turnout.security.outbound import OutboundPolicy
from turnout.security.roles import Principal
from turnout.store.models import Tenant

_VISIBLE_TAIL = 4


def mask_url(url: str | None) -> str | None:
    """`https://hooks.example.com/…a1b2`: the origin, then the last four characters."""
    if not url:
        return None
    parts = urlsplit(url)
    rest = url[len(f"{parts.scheme}://{parts.netloc}"):]
    tail = rest[-_VISIBLE_TAIL:] if len(rest) > 2 * _VISIBLE_TAIL else ""
    return f"{parts.scheme}://{parts.hostname or ''}{_port(parts.port)}/{MASK}{tail}"


async def get_alert_webhook(session: AsyncSession, *, tenant_id: str) -> str | None:
    """The tenant's webhook URL, or None."""
    tenant = await session.get(Tenant, tenant_id)
    return tenant.alert_webhook_url if tenant else None


async def set_alert_webhook(
    session: AsyncSession,
    *,
    tenant_id: str,
    url: str | None,
    principal: Principal,
    outbound: OutboundPolicy,
    request_id: str | None = None,
) -> str | None:
    """Set (or clear, with None) the webhook, audited; the URL must pass the outbound guard."""
    if url is not None:
        await outbound.check(url, deployment_mode="cloud")
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(resource="tenant", details={"id": tenant_id})
    before = tenant.alert_webhook_url
    tenant.alert_webhook_url = url
    record_audit(
        session, principal=principal, tenant_id=tenant_id, action="update",
        target_type="alert_webhook", target_id=tenant_id, before={"url": mask_url(before)},
        after={"url": mask_url(url)}, request_id=request_id,
    )
    return url


def _port(port: int | None) -> str:
    return f":{port}" if port else ""
