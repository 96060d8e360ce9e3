"""A real call to a provider's cheap endpoint, timed, guarded by the outbound URL policy.

A local or private config reaches internal networks, so its test must not become a port
scanner: a closed port, a port that answers something other than an LLM API and a name that does
not resolve all look the same to the admin (CONNECTION_ERROR, our message, no latency); only the
guard's refusal, decided before any packet is sent, is told apart. The real cause is logged for
the operator. Cloud configs reach public addresses only and keep their precise diagnostics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from turnout.configs.runtime import ProviderRuntime
from turnout.errors import OutboundUrlBlocked, TurnoutError, UpstreamConnectionError
from turnout.security.outbound import LOCAL_MODES, OutboundPolicy

log = logging.getLogger("turnout.configs")


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
        # Early and cheap; the connection itself is checked again by the guarded connector.
        await outbound.check(connection.base_url, deployment_mode=connection.deployment_mode)
    except TurnoutError as exc:
        return ConnectionTestOutcome(False, 0.0, exc, None)
    result = await live.adapter.health_check()
    error = result.error
    if result.ok or error is None or isinstance(error, OutboundUrlBlocked):
        return ConnectionTestOutcome(result.ok, result.latency_ms, error, result.models)
    if connection.deployment_mode in LOCAL_MODES:
        log.info(
            "connection test of provider %s failed: %s %s", provider_id, error.code, error.detail
        )
        return ConnectionTestOutcome(False, 0.0, UpstreamConnectionError(provider=live.name), None)
    return ConnectionTestOutcome(False, result.latency_ms, error, None)
