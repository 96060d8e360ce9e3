"""Shutting the app down closes every HTTP client it opened, retiring provider pools included."""

from __future__ import annotations

import gc
import logging
import warnings

from fastapi import FastAPI

from tests.api.test_provider_configs import create, payload_for
from tests.conftest import TenantFixture
from tests.health.conftest import FAST_INTERVAL_S, Receiver, client_of, eventually, second_app
from turnout.fakeupstream import FakeUpstream, Fault
from turnout.security.roles import Role
from turnout.settings import Settings


async def _use_every_http_client(
    app: FastAPI, settings: Settings, tenant: TenantFixture, upstream: FakeUpstream, hook: Receiver
) -> None:
    """Generate, test a connection, let the monitor check and alert, then edit the provider so
    its pool is retiring when the app stops."""
    overrides = {"health_interval_s": FAST_INTERVAL_S, "health_failure_threshold": 1}
    async with second_app(app, settings, **overrides) as turnout, client_of(turnout) as client:
        admin, viewer = tenant.headers(), tenant.headers(Role.VIEWER)
        member = tenant.headers(Role.MEMBER, via_key=True)
        assert (
            await client.put("/api/v1/llm/alerts/webhook", json={"url": hook.url}, headers=admin)
        ).is_success
        provider = await create(client, tenant, payload_for("openai", upstream))
        routing = {"active_provider_id": provider["id"], "fallback_provider_ids": []}
        assert (await client.put("/api/v1/llm/routing", json=routing, headers=admin)).is_success

        async def checked() -> bool:
            rows = (await client.get("/api/v1/llm/health", headers=viewer)).json()
            return any(r["provider_id"] == provider["id"] and r["last_check_at"] for r in rows)

        async def alerted() -> bool:
            return bool(hook.bodies)

        generated = await client.post("/api/v1/llm/generate", json={"prompt": "hi"}, headers=member)
        assert generated.status_code == 200, generated.text
        tested = await client.post(f"/admin/config/llm/{provider['id']}/test", headers=admin)
        assert tested.json()["ok"] is True
        await eventually(checked, within_s=30)
        upstream.set_fault(Fault(status=500, flavors=("openai",)))
        await eventually(alerted, within_s=30)
        upstream.set_fault(None)
        edited = await client.put(
            f"/admin/config/llm/{provider['id']}", json={"name": "renamed"}, headers=admin
        )
        assert edited.status_code == 200


async def test_shutdown_leaves_no_http_client_unclosed(app, settings, tenant, upstream, caplog):
    caplog.set_level(logging.ERROR, logger="asyncio")
    hook = Receiver()
    await hook.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await _use_every_http_client(app, settings, tenant, upstream, hook)
            gc.collect()
    finally:
        await hook.stop()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    unclosed += [r.getMessage() for r in caplog.records if "Unclosed" in r.getMessage()]
    assert unclosed == []
