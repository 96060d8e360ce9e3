"""Provider configuration through the admin API, against the fake upstream."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import TenantFixture
from turnout.configs.connection_test import ConnectionTestOutcome
from turnout.configs.last_test import LastTest, record_last_test
from turnout.fakeupstream import FakeUpstream
from turnout.providers import CATALOG, ChatRequest
from turnout.security.roles import Role
from turnout.store.models import ProviderConfig

ALL_TYPES = sorted(CATALOG)


def payload_for(provider_type: str, upstream: FakeUpstream, **overrides) -> dict:
    entry = CATALOG[provider_type]
    body = {
        "name": f"{provider_type}-{secrets.token_hex(3)}",
        "provider_type": provider_type,
        "deployment_mode": entry.default_deployment_mode,
        "base_url": upstream.url_for(provider_type),
        "models": {"chat": entry.default_chat_model or "echo-model"},
        "options": {"timeout_s": 5, "max_retries": 1},
    }
    if entry.capabilities.embed:
        body["models"]["embedding"] = entry.default_embedding_model or "echo-embedding"
    if any(spec.name == "api_key" for spec in entry.fields):
        body["api_key"] = f"sk-live-{secrets.token_hex(12)}"
    if provider_type == "azure_openai":
        body["extra"] = {"deployment": "gpt4o-prod", "embedding_deployment": "embed-prod"}
    return body | overrides


async def create(client, tenant: TenantFixture, body: dict) -> dict:
    response = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("provider_type", ALL_TYPES)
async def test_every_type_is_configured_tested_and_answers_through_its_adapter(
    client, tenant, upstream, services, provider_type
):
    body = payload_for(provider_type, upstream)
    created = await create(client, tenant, body)
    assert created["deployment_mode"] == body["deployment_mode"]
    if "api_key" in body:
        assert created["api_key"].endswith(body["api_key"][-4:]) and "…" in created["api_key"]

    tested = await client.post(f"/admin/config/llm/{created['id']}/test", headers=tenant.headers())
    assert tested.status_code == 200
    assert tested.json()["ok"] is True, tested.json()
    assert tested.json()["latency_ms"] >= 0

    live = await services.runtime.provider(tenant_id=tenant.id, provider_id=created["id"])
    result = await live.adapter.generate(
        ChatRequest(messages=({"role": "user", "content": "label this sentence"},))
    )
    assert result.content == "echo: label this sentence"
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens
    assert result.usage.prompt_tokens > 0

    if CATALOG[provider_type].capabilities.stream:
        events = [
            e
            async for e in live.adapter.stream_generate(
                ChatRequest(messages=({"role": "user", "content": "one two three"},))
            )
        ]
        text = "".join(e.delta or "" for e in events)
        assert text == "echo: one two three"
    if CATALOG[provider_type].capabilities.embed:
        embedded = await live.adapter.embed(["alpha", "beta"])
        assert len(embedded.embeddings) == 2 and embedded.dimensions > 0


async def test_connection_test_reports_a_rejected_key(client, tenant, upstream):
    created = await create(
        client, tenant, payload_for("openai", upstream, api_key="bad-key-123456")
    )
    tested = await client.post(
        f"/admin/config/llm/{created['id']}/test",
        headers=tenant.headers() | {"Accept-Language": "zh-CN"},
    )
    body = tested.json()
    assert body["ok"] is False and body["error_code"] == "INVALID_API_KEY"
    assert body["message"] == "提供商拒绝了所配置的 API 密钥。"


async def test_invalid_config_is_refused_field_by_field_and_nothing_is_stored(
    client, tenant, services
):
    response = await client.post(
        "/admin/config/llm",
        json={
            "name": "",
            "provider_type": "azure_openai",
            "deployment_mode": "local",
            "options": {"timeout_s": -1},
        },
        headers=tenant.headers(),
    )
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["details"]["fields"]}
    assert {"name", "deployment_mode", "options.timeout_s", "api_key", "extra.deployment"} <= fields
    assert all(f["message"] for f in response.json()["error"]["details"]["fields"])
    assert (await client.get("/admin/config/llm", headers=tenant.headers())).json() == []


async def test_unknown_provider_type_is_a_field_error(client, tenant):
    response = await client.post(
        "/admin/config/llm", json={"name": "x", "provider_type": "skynet"}, headers=tenant.headers()
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"][0]["field"] == "provider_type"


async def test_update_keeps_the_stored_key_unless_a_new_one_is_sent(
    client, tenant, upstream, services
):
    body = payload_for("deepseek", upstream)
    created = await create(client, tenant, body)
    renamed = await client.put(
        f"/admin/config/llm/{created['id']}", json={"name": "renamed"}, headers=tenant.headers()
    )
    assert renamed.status_code == 200
    assert renamed.json()["api_key"] == created["api_key"] and renamed.json()["name"] == "renamed"
    live = await services.runtime.provider(tenant_id=tenant.id, provider_id=created["id"])
    assert live.adapter.connection.api_key() == body["api_key"]

    rekeyed = await client.put(
        f"/admin/config/llm/{created['id']}",
        json={"api_key": "sk-new-0000000000009999"},
        headers=tenant.headers(),
    )
    assert rekeyed.json()["api_key"] == "sk-…9999"
    live = await services.runtime.provider(tenant_id=tenant.id, provider_id=created["id"])
    assert live.adapter.connection.api_key() == "sk-new-0000000000009999"


async def test_active_provider_cannot_be_deleted(client, tenant, upstream):
    active = await create(client, tenant, payload_for("openai", upstream))
    spare = await create(client, tenant, payload_for("qwen", upstream))
    activated = await client.post(
        f"/api/v1/llm/providers/{active['id']}/activate", headers=tenant.headers()
    )
    assert activated.json() == {
        "active_provider_id": active["id"],
        "fallback_provider_ids": [],
        "fallback_for_pinned": False,
    }
    refused = await client.delete(f"/admin/config/llm/{active['id']}", headers=tenant.headers())
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "ACTIVE_PROVIDER_DELETE"
    assert (
        await client.get(f"/admin/config/llm/{active['id']}", headers=tenant.headers())
    ).status_code == 200
    assert (
        await client.delete(f"/admin/config/llm/{spare['id']}", headers=tenant.headers())
    ).status_code == 204


@pytest.mark.parametrize(
    ("url", "mode", "reason"),
    [
        ("http://169.254.169.254/v1", "private", "metadata"),
        ("http://10.0.0.8:8000/v1", "cloud", "private"),
        ("http://[fe80::1]:8000/v1", "local", "link_local"),
    ],
)
async def test_outbound_guard_refuses_internal_targets(client, tenant, url, mode, reason):
    body = {
        "name": "ssrf",
        "provider_type": "openai_compatible",
        "deployment_mode": mode,
        "base_url": url,
        "models": {"chat": "m"},
    }
    response = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "OUTBOUND_URL_BLOCKED"
    assert (await client.get("/admin/config/llm", headers=tenant.headers())).json() == []


async def test_provider_key_never_appears_in_database_logs_or_responses(
    client, tenant, upstream, services, caplog
):
    caplog.set_level(logging.DEBUG)
    key = f"sk-proj-{secrets.token_hex(16)}"
    responses = []
    created = await create(client, tenant, payload_for("openai", upstream, api_key=key))
    responses.append(str(created))
    for path in (f"/admin/config/llm/{created['id']}", "/admin/config/llm", "/api/v1/audit"):
        responses.append((await client.get(path, headers=tenant.headers())).text)
    responses.append(
        (
            await client.post(f"/admin/config/llm/{created['id']}/test", headers=tenant.headers())
        ).text
    )
    assert not [text for text in responses if key in text]
    assert key not in caplog.text
    async with services.sessions() as session:
        row = (await session.execute(select(ProviderConfig))).scalar_one()
        stored = " ".join(str(getattr(row, c.name)) for c in ProviderConfig.__table__.columns)
    assert key not in stored and key[-12:] not in stored
    database = services.engine.url.database
    if services.engine.url.get_backend_name() == "sqlite" and database:
        # The file itself, write-ahead log included: no plaintext anywhere on disk.
        raw = b"".join(
            Path(name).read_bytes() for name in (database, f"{database}-wal") if Path(name).exists()
        )
        assert key.encode() not in raw and b"sk-proj-" not in raw
    # The fake upstream did receive the real key: encryption is not a one-way street.
    assert any(r.headers.get("authorization") == f"Bearer {key}" for r in upstream.requests)


async def test_other_tenant_cannot_see_or_touch_configs(client, tenant, other_tenant, upstream):
    created = await create(client, tenant, payload_for("openai", upstream))
    for method, path in [
        ("GET", f"/admin/config/llm/{created['id']}"),
        ("PUT", f"/admin/config/llm/{created['id']}"),
        ("DELETE", f"/admin/config/llm/{created['id']}"),
        ("POST", f"/admin/config/llm/{created['id']}/test"),
        ("POST", f"/api/v1/llm/providers/{created['id']}/activate"),
    ]:
        response = await client.request(method, path, json={}, headers=other_tenant.headers())
        assert response.status_code == 404, (method, path, response.text)
    assert (await client.get("/admin/config/llm", headers=other_tenant.headers())).json() == []
    member = await client.get("/admin/config/llm", headers=tenant.headers(Role.MEMBER))
    assert member.status_code == 403


async def _test(client, tenant: TenantFixture, config_id: str, locale: str = "en-US") -> dict:
    response = await client.post(
        f"/admin/config/llm/{config_id}/test",
        headers=tenant.headers() | {"Accept-Language": locale},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _listed(client, tenant: TenantFixture, locale: str = "en-US") -> dict[str, dict]:
    response = await client.get(
        "/admin/config/llm", headers=tenant.headers() | {"Accept-Language": locale}
    )
    assert response.status_code == 200, response.text
    return {config["id"]: config for config in response.json()}


async def test_a_connection_test_is_kept_and_shown_with_the_provider(client, tenant, upstream):
    tested = await create(client, tenant, payload_for("openai", upstream))
    untested = await create(client, tenant, payload_for("deepseek", upstream))
    assert tested["last_test"] is None

    answered = await _test(client, tenant, tested["id"])

    listed = await _listed(client, tenant)
    last = listed[tested["id"]]["last_test"]
    assert last["ok"] is True and last["error_code"] is None
    assert last["latency_ms"] == answered["latency_ms"]
    assert last["models"] == answered["models"] and last["models"]
    assert last["message"] == answered["message"]
    assert last["tested_at"]
    assert listed[untested["id"]]["last_test"] is None
    one = await client.get(f"/admin/config/llm/{tested['id']}", headers=tenant.headers())
    assert one.json()["last_test"] == last
    # A test does not edit the config.
    assert one.json()["updated_at"] == tested["updated_at"]


async def test_a_failed_test_keeps_our_code_and_message_in_the_reader_s_language(
    client, tenant, upstream, services
):
    created = await create(client, tenant, payload_for("openai", upstream, api_key="bad-key-1234"))
    await _test(client, tenant, created["id"], locale="zh-CN")

    english = (await _listed(client, tenant, "en-US"))[created["id"]]["last_test"]
    chinese = (await _listed(client, tenant, "zh-CN"))[created["id"]]["last_test"]
    assert english["ok"] is False and english["error_code"] == "INVALID_API_KEY"
    assert english["message"] == "The provider rejected the configured API key."
    assert chinese["message"] == "提供商拒绝了所配置的 API 密钥。"
    assert english["models"] is None

    async with services.sessions() as session:
        row = await session.get(ProviderConfig, created["id"])
    assert row is not None
    stored = repr([getattr(row, c) for c in vars(row) if c.startswith("last_test_")])
    assert "Incorrect API key" not in stored and "bad-key" not in stored


async def test_another_tenant_sees_no_test_result(client, tenant, other_tenant, upstream):
    created = await create(client, tenant, payload_for("openai", upstream))
    await _test(client, tenant, created["id"])
    assert (await _listed(client, tenant))[created["id"]]["last_test"] is not None

    assert await _listed(client, other_tenant) == {}
    foreign = await client.get(f"/admin/config/llm/{created['id']}", headers=other_tenant.headers())
    assert foreign.status_code == 404


@pytest.mark.parametrize(
    ("change", "clears"),
    [
        ({"base_url": "URL"}, True),
        ({"api_key": "sk-new-0000000000008888"}, True),
        ({"options": {"timeout_s": 7, "max_retries": 1}}, True),
        ({"options": {"timeout_s": 5, "max_retries": 1, "rpm": 60}}, False),
        ({"name": "renamed"}, False),
        ({"enabled": False}, False),
    ],
)
async def test_changing_the_tested_settings_clears_the_last_test(
    client, tenant, upstream, change, clears
):
    created = await create(client, tenant, payload_for("openai", upstream))
    await _test(client, tenant, created["id"])
    if change.get("base_url") == "URL":
        change = {"base_url": upstream.url_for("openai").rstrip("/") + "/"}
    edited = await client.put(
        f"/admin/config/llm/{created['id']}", json=change, headers=tenant.headers()
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["last_test"] is None) is clears
    assert ((await _listed(client, tenant))[created["id"]]["last_test"] is None) is clears


async def test_a_result_of_settings_edited_during_the_test_is_not_kept(
    client, tenant, upstream, services
):
    created = await create(client, tenant, payload_for("openai", upstream))
    async with services.sessions() as session:
        before_edit = await session.get(ProviderConfig, created["id"])
    assert before_edit is not None
    edited = await client.put(
        f"/admin/config/llm/{created['id']}",
        json={"base_url": upstream.url_for("openai").rstrip("/") + "/"},
        headers=tenant.headers(),
    )
    assert edited.status_code == 200

    finished = LastTest.of_outcome(ConnectionTestOutcome(True, 5.0, None, ["gpt-4o-mini"]))
    async with services.sessions() as session:
        kept = await record_last_test(
            session, config=before_edit, started_at=before_edit.updated_at, test=finished
        )
        await session.commit()
    assert kept is False
    assert (await _listed(client, tenant))[created["id"]]["last_test"] is None
