"""The primary failing in every way the fake upstream can fail: the fallback answers."""

from __future__ import annotations

import pytest
from tests.gateway.helpers import ask, providers

from turnout.fakeupstream import PRESETS, Fault

PRIMARY = ("openai",)
# Which of our codes each way of failing must surface as, and whether it is retried in place.
PRESET_CODES = {
    "rate_limit": ("UPSTREAM_RATE_LIMITED", True),
    "quota": ("QUOTA_EXCEEDED", False),
    "auth": ("INVALID_API_KEY", False),
    "content_filter": ("CONTENT_FILTERED", False),
    "context_length": ("CONTEXT_LENGTH_EXCEEDED", False),
    "invalid_request": ("INVALID_REQUEST", False),
    "model_not_found": ("MODEL_NOT_FOUND", False),
    "server_error": ("UPSTREAM_ERROR", True),
    "unavailable": ("UPSTREAM_ERROR", True),
}
RAW_FAULTS = {
    "timeout": (Fault(hang=True, flavors=PRIMARY), "TIMEOUT", True),
    "slow": (Fault(latency_s=2.0, flavors=PRIMARY), "TIMEOUT", True),
    "dropped connection": (Fault(drop_connection=True, flavors=PRIMARY), "CONNECTION_ERROR", True),
    "malformed json": (Fault(malformed_json=True, flavors=PRIMARY), "MALFORMED_RESPONSE", False),
    "502": (Fault(status=502, flavors=PRIMARY), "UPSTREAM_ERROR", True),
}


def test_every_preset_is_covered():
    assert set(PRESET_CODES) == set(PRESETS)


async def _failover(client, tenant, upstream, fault: Fault, code: str, retried: bool):
    setup = await providers(client, tenant, upstream, "openai", "qwen")
    upstream.set_fault(fault)
    response = await client.post(
        "/api/v1/llm/generate", json=ask("still works", timeout_s=0.5), headers=setup.member()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["content"] == "echo: still works"
    assert body["provider_id"] == setup.ids["qwen"]
    failed = [a for a in body["attempts"] if a["provider_id"] == setup.ids["openai"]]
    assert {a["code"] for a in failed} == {code}
    assert all(a["status"] == "error" for a in failed)
    assert len(failed) == (3 if retried else 1)
    assert body["attempts"][-1] == body["attempts"][-1] | {
        "provider_id": setup.ids["qwen"],
        "status": "ok",
    }


@pytest.mark.parametrize("preset", sorted(PRESET_CODES))
async def test_error_presets_fail_over(client, tenant, upstream, preset):
    code, retried = PRESET_CODES[preset]
    await _failover(
        client,
        tenant,
        upstream,
        Fault(error=preset, flavors=PRIMARY, retry_after_s=0.01 if retried else None),
        code,
        retried,
    )


@pytest.mark.parametrize("name", sorted(RAW_FAULTS))
async def test_transport_faults_fail_over(client, tenant, upstream, name):
    fault, code, retried = RAW_FAULTS[name]
    await _failover(client, tenant, upstream, fault, code, retried)


async def test_retry_after_is_honoured_before_the_next_try(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "qwen")
    upstream.enqueue(Fault(error="rate_limit", retry_after_s=0.3, flavors=PRIMARY))
    response = await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())
    body = response.json()
    assert body["provider_id"] == setup.ids["openai"]  # the second try on the primary worked
    assert [a["status"] for a in body["attempts"]] == ["error", "ok"]
    assert body["latency_ms"] >= 300


async def test_when_every_provider_fails_each_attempt_is_reported(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "qwen", "deepseek")
    upstream.set_fault(Fault(error="auth"))
    response = await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "ALL_PROVIDERS_FAILED"
    attempts = error["details"]["attempts"]
    assert [a["provider"] for a in attempts] == ["openai", "qwen", "deepseek"]
    assert {a["code"] for a in attempts} == {"INVALID_API_KEY"}
    assert all(a["message"] for a in attempts)


async def test_a_provider_that_keeps_failing_is_skipped_for_a_cooldown(
    client, tenant, upstream, services
):
    setup = await providers(client, tenant, upstream, "openai", "qwen", max_retries=0)
    upstream.set_fault(Fault(status=500, flavors=PRIMARY))
    for _ in range(services.switcher.deps.circuit.failure_threshold):
        await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())
    calls = sum(1 for r in upstream.requests if r.flavor == "openai")
    response = await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())
    assert response.json()["provider_id"] == setup.ids["qwen"]
    primary = [a for a in response.json()["attempts"] if a["provider_id"] == setup.ids["openai"]]
    # Left out as unhealthy, or skipped by its open circuit: either way, not called.
    assert all(a["code"] == "CIRCUIT_OPEN" for a in primary)
    assert sum(1 for r in upstream.requests if r.flavor == "openai") == calls
    services.switcher.deps.circuit.reset(setup.ids["openai"])


async def test_whole_request_deadline_bounds_retries_and_failover(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "qwen")
    upstream.set_fault(Fault(hang=True))
    response = await client.post(
        "/api/v1/llm/generate", json=ask(timeout_s=0.2, deadline_s=0.5), headers=setup.member()
    )
    assert response.status_code == 503
    body = response.json()["error"]
    assert body["code"] == "ALL_PROVIDERS_FAILED"
    total = sum(a["latency_ms"] for a in body["details"]["attempts"])
    assert total <= 700
