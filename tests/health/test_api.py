"""GET /api/v1/llm/health and the alert webhook setting, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.test_provider_configs import create, payload_for
from turnout.health import HealthState, ProviderRef
from turnout.health.store import HealthRecords, HealthWrite
from turnout.security.roles import Role

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOOK = "https://hooks.example.com/services/T000/B000/abcdefghijkl"


@pytest.mark.usefixtures("paused_monitor")
async def test_health_lists_the_tenants_providers_only(client, tenant, other_tenant, upstream,
                                                       services):
    mine = await create(client, tenant, payload_for("openai", upstream, name="mine"))
    theirs = await create(client, other_tenant, payload_for("openai", upstream))
    failing = HealthState(
        status="unhealthy", consecutive_failures=4, latency_ms=12.5, last_check_at=AT,
        last_error="UPSTREAM_ERROR: boom", updated_at=AT,
    )
    await HealthRecords(services.sessions).save(
        [HealthWrite(ProviderRef(mine["id"], tenant.id, "mine", "openai"), failing, "unknown")]
    )
    fresh = await create(client, tenant, payload_for("qwen", upstream, name="new"))

    response = await client.get("/api/v1/llm/health", headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200
    body = {item["provider_id"]: item for item in response.json()}
    assert set(body) == {mine["id"], fresh["id"]}
    assert theirs["id"] not in response.text
    assert body[mine["id"]] | {"last_check_at": None} == {
        "provider_id": mine["id"], "name": "mine", "provider_type": "openai", "enabled": True,
        "status": "unhealthy", "last_check_at": None, "last_success_at": None,
        "latency_ms": 12.5, "consecutive_failures": 4, "consecutive_successes": 0,
        # A viewer gets Turnout's message for the code, never the upstream's words.
        "last_error_code": "UPSTREAM_ERROR", "last_error": "The provider reported a server error.",
        "circuit": "closed",
    }
    assert datetime.fromisoformat(body[mine["id"]]["last_check_at"]) == AT
    assert body[fresh["id"]]["status"] == "unknown"

    anonymous = await client.get("/api/v1/llm/health")
    assert anonymous.status_code == 401


async def test_admins_set_read_and_clear_the_alert_webhook_with_an_audit_trail(client, tenant):
    path = "/api/v1/llm/alerts/webhook"
    assert (await client.get(path, headers=tenant.headers())).json() == {
        "configured": False, "url": None,
    }
    saved = await client.put(path, json={"url": HOOK}, headers=tenant.headers())
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"configured": True, "url": "https://hooks.example.com/…ijkl"}
    assert (await client.get(path, headers=tenant.headers())).json() == saved.json()

    audit = await client.get(
        "/api/v1/audit", params={"target_type": "alert_webhook"}, headers=tenant.headers()
    )
    assert audit.status_code == 200
    assert "abcdefghijkl" not in audit.text and "hooks.example.com" in audit.text

    cleared = await client.put(path, json={"url": None}, headers=tenant.headers())
    assert cleared.json() == {"configured": False, "url": None}


async def test_the_webhook_must_pass_the_outbound_guard_and_needs_an_admin(client, tenant):
    path = "/api/v1/llm/alerts/webhook"
    for url in ("http://169.254.169.254/latest", "http://10.0.0.8/hook", "ftp://example.com/x"):
        refused = await client.put(path, json={"url": url}, headers=tenant.headers())
        assert refused.status_code == 422, url
        assert refused.json()["error"]["code"] == "OUTBOUND_URL_BLOCKED"
    missing = await client.put(path, json={}, headers=tenant.headers())
    assert missing.status_code == 422
    member = await client.put(path, json={"url": HOOK}, headers=tenant.headers(Role.MEMBER))
    assert member.status_code == 403
    viewer = await client.get(path, headers=tenant.headers(Role.VIEWER))
    assert viewer.status_code == 403
