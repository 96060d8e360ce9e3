"""Done when: with the upstream failing, the provider turns unhealthy within one interval plus
the failure threshold, an alert fires once, live traffic moves to the fallback, and the
provider recovers once the upstream does — in /api/v1/llm/health, the database and /metrics."""

from __future__ import annotations

import asyncio
import logging

from tests.api.test_provider_configs import create, payload_for
from tests.health.conftest import FAST_INTERVAL_S, client_of, eventually
from turnout.fakeupstream import Fault
from turnout.security.roles import Role
from turnout.store.models import ProviderHealth

FAILURES, RECOVERIES = 3, 2
LEAKED_KEY = "sk-proj-abcdefghijklmnopqrstuvwx"
# Waits are upper bounds for a loaded machine, never measurements: how fast the status moves is
# checked in monitor rounds (the alert's counters), not in seconds.
WAIT_S = 30


async def test_failing_upstream_unhealthy_alerted_once_failed_over_and_recovered(
    fast_app, tenant, upstream, receiver, services, caplog
):
    caplog.set_level(logging.INFO, logger="turnout.alerts")
    async with client_of(fast_app) as client:
        admin, viewer = tenant.headers(), tenant.headers(Role.VIEWER)
        member = tenant.headers(Role.MEMBER, via_key=True)
        primary = await create(client, tenant, payload_for("openai", upstream, name="primary"))
        backup = await create(client, tenant, payload_for("deepseek", upstream, name="backup"))
        routing = {"active_provider_id": primary["id"], "fallback_provider_ids": [backup["id"]]}
        assert (await client.put("/api/v1/llm/routing", json=routing, headers=admin)).is_success
        hook = {"url": receiver.url}
        assert (await client.put("/api/v1/llm/alerts/webhook", json=hook, headers=admin)).is_success

        async def status(provider_id: str) -> str:
            rows = (await client.get("/api/v1/llm/health", headers=viewer)).json()
            return next(r["status"] for r in rows if r["provider_id"] == provider_id)

        async def is_(provider_id: str, wanted: str) -> bool:
            return await status(provider_id) == wanted

        async def generate() -> dict:
            response = await client.post(
                "/api/v1/llm/generate", json={"prompt": "label this"}, headers=member
            )
            assert response.status_code == 200, response.text
            return response.json()

        async def metrics() -> str:
            response = await client.get("/metrics")
            assert response.status_code == 200
            return response.text

        await eventually(lambda: is_(primary["id"], "healthy"), within_s=WAIT_S)
        await eventually(lambda: is_(backup["id"], "healthy"), within_s=WAIT_S)
        assert (await generate())["provider_id"] == primary["id"]

        error = {"message": f"internal error near {LEAKED_KEY}", "type": "server_error"}
        upstream.set_fault(Fault(status=500, flavors=("openai",), body={"error": error}))
        await eventually(lambda: is_(primary["id"], "unhealthy"), within_s=WAIT_S)

        served = await generate()
        assert served["provider_id"] == backup["id"]
        assert primary["id"] not in {a["provider_id"] for a in served["attempts"]}

        async with services.sessions() as session:
            row = await session.get(ProviderHealth, primary["id"])
        assert row is not None and row.status == "unhealthy"
        assert row.consecutive_failures >= FAILURES and row.tenant_id == tenant.id
        assert row.last_error.startswith("UPSTREAM_ERROR") and LEAKED_KEY not in row.last_error
        text = await metrics()
        assert 'turnout_provider_health{provider_type="openai",status="unhealthy"} 1.0' in text
        assert 'turnout_health_checks_total{outcome="error",provider_type="openai"}' in text
        assert 'provider_type="deepseek",status="ok"' in text

        # Several more rounds fail while it stays unhealthy: still one alert.
        await asyncio.sleep(FAST_INTERVAL_S * 4)
        went_unhealthy = [b for b in receiver.bodies if b["to"] == "unhealthy"]
        assert len(went_unhealthy) == 1
        assert went_unhealthy[0]["provider"] == {
            "id": primary["id"], "name": "primary", "type": "openai",
        }
        assert LEAKED_KEY not in str(receiver.bodies)
        logged = [r.getMessage() for r in caplog.records if r.name == "turnout.alerts"]
        assert sum("to=unhealthy" in line for line in logged) == 1

        upstream.set_fault(None)
        await eventually(lambda: is_(primary["id"], "healthy"), within_s=WAIT_S)
        assert (await generate())["provider_id"] == primary["id"]
        text = await metrics()
        assert 'turnout_provider_health{provider_type="openai",status="healthy"} 1.0' in text
        assert 'turnout_provider_health{provider_type="openai",status="unhealthy"} 0.0' in text
        await eventually(
            lambda: _true(any(b["to"] == "healthy" for b in receiver.bodies)), within_s=WAIT_S
        )
        assert [(b["from"], b["to"]) for b in receiver.bodies] == [
            ("healthy", "degraded"), ("degraded", "unhealthy"), ("unhealthy", "healthy"),
        ]
        assert all(b["tenant_id"] == tenant.id for b in receiver.bodies)
        # Unhealthy on the threshold's failing round, healthy again on the recovery's last one.
        assert went_unhealthy[0]["health"]["consecutive_failures"] == FAILURES
        assert receiver.bodies[-1]["health"]["consecutive_successes"] == RECOVERIES


async def _true(value: bool) -> bool:
    return value
