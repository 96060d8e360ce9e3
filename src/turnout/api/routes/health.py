"""Provider health of the caller's tenant, and the webhook its health alerts go to."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from turnout.api.attempts import Audience, audience_of
from turnout.api.deps import CurrentAdmin, CurrentViewer, RequestIdDep, ServicesDep, SessionDep
from turnout.api.schemas.errors import error_responses
from turnout.errors import ErrorCode
from turnout.health import HealthState, HealthStatus, ProviderRef
from turnout.health.alert_settings import get_alert_webhook, mask_url, set_alert_webhook
from turnout.health.store import tenant_health
from turnout.i18n import load_catalogs

router = APIRouter(prefix="/api/v1/llm", tags=["health"], responses=error_responses(401, 403))


class ProviderHealthPublic(BaseModel):
    provider_id: str
    name: str
    provider_type: str
    enabled: bool
    status: HealthStatus
    last_check_at: datetime | None
    last_success_at: datetime | None
    latency_ms: float | None = Field(description="of the last successful check")
    consecutive_failures: int
    consecutive_successes: int
    last_error_code: str | None = Field(description="Turnout's error code of the last failure")
    last_error: str | None = Field(
        description="Turnout's message for it, in the caller's language; admins get the "
        "scrubbed upstream excerpt instead"
    )
    circuit: str = Field(description="closed, open or half_open, on the replica that answered")

    @classmethod
    def of(
        cls, ref: ProviderRef, state: HealthState, circuit: str, audience: Audience
    ) -> ProviderHealthPublic:
        code, message = _last_error(state.last_error, audience)
        return cls(
            provider_id=ref.id,
            name=ref.name,
            provider_type=ref.provider_type,
            enabled=ref.enabled,
            status=state.status,
            last_check_at=state.last_check_at,
            last_success_at=state.last_success_at,
            latency_ms=state.latency_ms,
            consecutive_failures=state.consecutive_failures,
            consecutive_successes=state.consecutive_successes,
            last_error_code=code,
            last_error=message,
            circuit=circuit,
        )


def _last_error(stored: str | None, audience: Audience) -> tuple[str | None, str | None]:
    """(code, text to show) of a stored `CODE: scrubbed detail` failure."""
    if stored is None:
        return None, None
    head = stored.partition(":")[0].strip()
    code = head if head in ErrorCode.__members__ else None
    if audience.admin:
        return code, stored
    key = f"errors.{code}" if code else "health.check_failed"
    return code, load_catalogs().t(key, audience.locale)


class AlertWebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(max_length=2048, description="http(s) URL; null removes the webhook")


class AlertWebhookPublic(BaseModel):
    configured: bool
    url: str | None = Field(description="masked, e.g. https://hooks.example.com/…a1b2")


@router.get("/health", response_model=list[ProviderHealthPublic])
async def read_health(
    request: Request, principal: CurrentViewer, session: SessionDep, services: ServicesDep
) -> list[ProviderHealthPublic]:
    """Each provider of the tenant with its health status (unknown until first checked)."""
    audience = audience_of(request)
    circuit = services.switcher.deps.circuit
    rows = await tenant_health(session, tenant_id=principal.tenant_id)
    return [
        ProviderHealthPublic.of(ref, state or HealthState(), circuit.state(ref.id), audience)
        for ref, state in rows
    ]


@router.get("/alerts/webhook", response_model=AlertWebhookPublic)
async def read_alert_webhook(principal: CurrentAdmin, session: SessionDep) -> AlertWebhookPublic:
    url = await get_alert_webhook(session, tenant_id=principal.tenant_id)
    return AlertWebhookPublic(configured=url is not None, url=mask_url(url))


@router.put("/alerts/webhook", response_model=AlertWebhookPublic, responses=error_responses(422))
async def replace_alert_webhook(
    body: AlertWebhookUpdate,
    principal: CurrentAdmin,
    session: SessionDep,
    services: ServicesDep,
    request_id: RequestIdDep,
) -> AlertWebhookPublic:
    url = await set_alert_webhook(
        session,
        tenant_id=principal.tenant_id,
        url=body.url,
        principal=principal,
        outbound=services.outbound,
        request_id=request_id,
    )
    await session.commit()
    return AlertWebhookPublic(configured=url is not None, url=mask_url(url))
