"""GET /metrics over real traffic: names, counts, bounded labels, nothing tenant-specific."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.test_provider_configs import create, payload_for
from turnout.fakeupstream import Fault
from turnout.security.roles import Role

PROMPT = "a prompt that must never become a label"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def scrape(client) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@pytest.mark.usefixtures("paused_monitor")
async def test_metrics_are_open_named_turnout_and_carry_no_tenant_data(client, tenant, upstream):
    primary = await create(client, tenant, payload_for("openai", upstream))
    await client.put("/api/v1/llm/routing", headers=tenant.headers(),
                     json={"active_provider_id": primary["id"], "fallback_provider_ids": []})
    before = await scrape(client)
    member = tenant.headers(Role.MEMBER, via_key=True)
    body = {"prompt": PROMPT, "options": {"temperature": 0}}
    for _ in range(2):  # deterministic: a cache miss, then a hit
        response = await client.post("/api/v1/llm/generate", json=body, headers=member)
        assert response.status_code == 200, response.text
    after = await scrape(client)

    families = list(text_string_to_metric_families(after))
    assert families and all(f.name.startswith("turnout_") for f in families)
    for secret in (tenant.id, tenant.api_keys[Role.MEMBER], primary["id"], PROMPT, "echo:"):
        assert secret not in after
    model = response.json()["model"]
    ok = {"provider_type": "openai", "model": model, "status": "ok"}
    assert value(after, "turnout_requests_total", **ok) - value(before, "turnout_requests_total",
                                                                 **ok) == 2
    for result in ("miss", "hit"):
        labels = {"provider_type": "openai", "result": result}
        assert value(after, "turnout_cache_lookups_total", **labels) - value(
            before, "turnout_cache_lookups_total", **labels) == 1
    tokens = {"provider_type": "openai", "model": model, "kind": "prompt"}
    assert value(after, "turnout_tokens_total", **tokens) > value(before, "turnout_tokens_total",
                                                                  **tokens)
    seconds = {"provider_type": "openai", "status": "ok"}
    assert value(after, "turnout_request_duration_seconds_count", **seconds) - value(
        before, "turnout_request_duration_seconds_count", **seconds) == 2
    assert value(after, "turnout_gateway_overhead_seconds_count", provider_type="openai") > 0
    assert value(after, "turnout_upstream_duration_seconds_count",
                 provider_type="openai", outcome="ok") > 0


@pytest.mark.usefixtures("paused_monitor")
async def test_retries_failovers_and_rate_limits_are_counted(client, tenant, upstream):
    limited = await create(client, tenant, payload_for(
        "qwen", upstream, options={"timeout_s": 5, "max_retries": 1, "rpm": 1}))
    backup = await create(client, tenant, payload_for("deepseek", upstream))
    await client.put("/api/v1/llm/routing", headers=tenant.headers(), json={
        "active_provider_id": limited["id"], "fallback_provider_ids": [backup["id"]]})
    member = tenant.headers(Role.MEMBER, via_key=True)
    before = await scrape(client)

    upstream.enqueue(Fault(status=503, flavors=("qwen",)), times=2)
    failed_over = await client.post("/api/v1/llm/generate", json={"prompt": "hi"}, headers=member)
    assert failed_over.json()["provider_id"] == backup["id"]
    held_back = await client.post("/api/v1/llm/generate", json={"prompt": "hi"}, headers=member)
    assert held_back.json()["provider_id"] == backup["id"]  # qwen is over its 1 rpm
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("turnout_retries_total", provider_type="qwen") == 1
    assert delta("turnout_failovers_total", provider_type="qwen") == 1
    assert delta("turnout_rate_limited_total", scope="provider", provider_type="qwen") == 1
    assert delta("turnout_upstream_duration_seconds_count",
                 provider_type="qwen", outcome="error") == 2


async def test_the_usage_backlog_is_published(client, services):
    services.metrics.usage_rows_pending.set(7)
    try:
        assert value(await scrape(client), "turnout_usage_rows_pending") == 7
    finally:
        services.metrics.usage_rows_pending.set(0)
