"""A real call to a provider's cheap endpoint, timed, guarded by the outbound URL policy."""

from __future__ import annotations

from dataclasses import dataclass

from turnout.configs.runtime import ProviderRuntime
from turnout.errors import TurnoutError
from turnout.security.outbound import OutboundPolicy


@dataclass(frozen=True)
class ConnectionTestOutcome:
    ok: bool
    latency_ms: float
    error: TurnoutError | None
    models: list[str] | None


async def test_connection(
    *, runtime: ProviderRuntime, outbound: OutboundPolicy, tenant_id: str, provider_id: str
) -> ConnectionTestOutcome:
    """Call the catalog's connection-test endpoint; failures are reported, never raised."""
    live = await runtime.provider(tenant_id=tenant_id, provider_id=provider_id)
    connection = live.adapter.connection
    try:
        # Checked again now: DNS may point elsewhere than when the config was saved.
        await outbound.check(connection.base_url, deployment_mode=connection.deployment_mode)
    except TurnoutError as exc:
        return ConnectionTestOutcome(False, 0.0, exc, None)
    result = await live.adapter.health_check()
    return ConnectionTestOutcome(result.ok, result.latency_ms, result.error, result.models)
