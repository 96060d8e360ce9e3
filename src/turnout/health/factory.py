"""Assemble the health monitor from the app's collaborators (called by the app factory)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.configs.runtime import ProviderRuntime
from turnout.errors import NotFound
from turnout.health.alert_settings import get_alert_webhook
from turnout.health.alerts import AlertDispatcher
from turnout.health.monitor import HealthMetrics, HealthMonitor
from turnout.health.status import HealthPolicy
from turnout.health.store import HealthRecords
from turnout.health.tracker import HealthTracker, ProviderRef
from turnout.i18n import Catalogs
from turnout.providers import HealthResult
from turnout.security.outbound import OutboundPolicy
from turnout.settings import Settings
from turnout.state.factory import StateBackends


def create_health_monitor(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    runtime: ProviderRuntime,
    state: StateBackends,
    outbound: OutboundPolicy,
    catalogs: Catalogs,
    metrics: HealthMetrics | None = None,
) -> HealthMonitor:
    """A monitor checking through `runtime`'s live adapters (not started)."""
    policy = HealthPolicy(
        failure_threshold=settings.health_failure_threshold,
        recovery_threshold=settings.health_recovery_threshold,
        degraded_latency_ms=settings.health_degraded_latency_ms,
    )

    async def webhook_url(tenant_id: str) -> str | None:
        async with sessions() as session:
            return await get_alert_webhook(session, tenant_id=tenant_id)

    async def check(ref: ProviderRef) -> HealthResult | None:
        try:
            live = await runtime.provider(tenant_id=ref.tenant_id, provider_id=ref.id)
        except NotFound:
            return None
        return await live.adapter.health_check()

    return HealthMonitor(
        tracker=HealthTracker(policy),
        store=HealthRecords(sessions),
        check=check,
        locks=state.locks,
        events=state.events,
        alerts=AlertDispatcher(webhook_url=webhook_url, outbound=outbound, catalogs=catalogs),
        interval_s=settings.health_interval_s,
        metrics=metrics,
    )
