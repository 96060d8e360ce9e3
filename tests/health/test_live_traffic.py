"""Live traffic marks a failing provider long before the next scheduled check."""

from __future__ import annotations

import logging

from sqlalchemy import select

from tests.api.test_provider_configs import create, payload_for
from tests.health.conftest import client_of, eventually
from turnout.fakeupstream import Fault
from turnout.security.roles import Role
from turnout.store.models import ProviderHealth


async def test_failing_live_requests_mark_the_provider_unhealthy(
    quiet_app, tenant, upstream, services, caplog
):
    caplog.set_level(logging.INFO, logger="turnout.alerts")
    monitor = quiet_app.state.services.health
    async with client_of(quiet_app) as client:
        admin, member = tenant.headers(), tenant.headers(Role.MEMBER, via_key=True)
        primary = await create(client, tenant, payload_for("qwen", upstream, name="primary"))
        backup = await create(client, tenant, payload_for("zhipu", upstream, name="backup"))
        routing = {"active_provider_id": primary["id"], "fallback_provider_ids": [backup["id"]]}
        assert (await client.put("/api/v1/llm/routing", json=routing, headers=admin)).is_success
        upstream.set_fault(Fault(error="server_error", flavors=("qwen",)))

        served = []
        for _ in range(3):
            response = await client.post(
                "/api/v1/llm/generate", json={"prompt": "hello"}, headers=member
            )
            assert response.status_code == 200, response.text
            served.append(response.json())

        # Each request tries the primary twice (max_retries 1): the third failure marks it.
        assert all(body["provider_id"] == backup["id"] for body in served)
        tried = [[a["provider_id"] for a in body["attempts"]] for body in served]
        assert tried[0].count(primary["id"]) == 2
        assert primary["id"] not in tried[2]
        assert monitor.is_unhealthy(primary["id"])
        assert monitor.get_healthy_providers(tenant.id) == [backup["id"]]

        async def stored() -> bool:
            async with services.sessions() as session:
                rows = await session.execute(
                    select(ProviderHealth.status).where(ProviderHealth.provider_id == primary["id"])
                )
                return rows.scalar() == "unhealthy"

        await eventually(stored, within_s=30)
        health = (await client.get("/api/v1/llm/health", headers=admin)).json()
        mine = next(item for item in health if item["provider_id"] == primary["id"])
        assert mine["last_check_at"] is None  # no scheduled check ran: traffic alone did it
        assert mine["last_error"].startswith("UPSTREAM_ERROR")
        logged = [r.getMessage() for r in caplog.records if r.name == "turnout.alerts"]
        assert sum(f"provider_id={primary['id']}" in line and "to=unhealthy" in line
                   for line in logged) == 1
