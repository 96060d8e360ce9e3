"""Through the API: the operator's outbound settings, enforced when saved and when connecting."""

from __future__ import annotations

import logging

import pytest

from tests.security.apps import activate, config_at, generate, guarded_client
from tests.security.resolvers import ScriptedResolver
from turnout.security.roles import Role


def blocked_attempt(response) -> dict:
    assert response.status_code == 503, response.text
    [attempt] = response.json()["error"]["details"]["attempts"]
    assert attempt["code"] == "OUTBOUND_URL_BLOCKED", attempt
    return attempt


async def test_a_name_that_turns_to_loopback_after_saving_never_reaches_it(
    app, settings, tenant, upstream, caplog
):
    # Public when saved (the one queued answer), the fake upstream's loopback ever after: the
    # health monitor's first check and the calls below all resolve it to 127.0.0.1.
    resolver = ScriptedResolver({"llm.vendor.example": ["127.0.0.1"]})
    resolver.then("llm.vendor.example", ["93.184.216.34"])
    async with guarded_client(app, settings, resolver) as client:
        body = config_at(upstream, "openai", host="llm.vendor.example")
        assert body["deployment_mode"] == "cloud"
        await activate(client, tenant, body)
        with caplog.at_level(logging.WARNING, logger="turnout.outbound"):
            response = await generate(client, tenant, **{"Accept-Language": "zh-CN"})
        member = await client.post(
            "/api/v1/llm/generate", json={"prompt": "hi"}, headers=tenant.headers(Role.MEMBER)
        )
    attempt = blocked_attempt(response)
    origin = f"http://llm.vendor.example:{upstream_port(upstream)}"
    reason = "该部署模式不允许访问的环回或私有地址"
    assert attempt["message"] == f"URL {origin} 指向被禁止的地址（{reason}）。"
    assert "detail" not in attempt or "Cannot connect" not in attempt["detail"]
    assert blocked_attempt(member)["message"].startswith("The URL http://llm.vendor.example:")
    assert reached(upstream, "llm.vendor.example") == []
    refusals = [r.getMessage() for r in caplog.records if r.name == "turnout.outbound"]
    assert refusals and all(
        "host=llm.vendor.example address=127.0.0.1 deployment_mode=cloud reason=private" in r
        for r in refusals
    )


async def test_connection_tests_and_health_checks_go_through_the_guard(
    app, settings, tenant, upstream
):
    resolver = ScriptedResolver({"llm.vendor.example": ["127.0.0.1"]})
    resolver.then("llm.vendor.example", ["93.184.216.34"])  # when saved
    async with guarded_client(app, settings, resolver) as client:
        provider_id = await activate(
            client, tenant, config_at(upstream, "openai", host="llm.vendor.example")
        )
        resolver.then("llm.vendor.example", ["93.184.216.34"])  # the test's early check
        tested = await client.post(
            f"/admin/config/llm/{provider_id}/test", headers=tenant.headers()
        )
    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert tested.json()["error_code"] == "OUTBOUND_URL_BLOCKED"
    assert reached(upstream, "llm.vendor.example") == []


async def test_a_mode_the_operator_did_not_enable_is_refused_on_its_field(
    app, settings, tenant, upstream
):
    async with guarded_client(
        app, settings, tenant_deployment_modes=["cloud"], outbound_allowlist=["127.0.0.1"]
    ) as client:
        ollama = config_at(upstream, "ollama")
        refused = await client.post("/admin/config/llm", json=ollama, headers=tenant.headers())
        default_private = config_at(upstream, "openai_compatible")
        del default_private["deployment_mode"]  # openai_compatible defaults to private
        zh = tenant.headers() | {"Accept-Language": "zh-CN"}
        refused_zh = await client.post("/admin/config/llm", json=default_private, headers=zh)
        cloud = await client.post(
            "/admin/config/llm", json=config_at(upstream, "openai"), headers=tenant.headers()
        )
    assert refused.status_code == 422 and refused_zh.status_code == 422
    [field] = refused.json()["error"]["details"]["fields"]
    assert field["field"] == "deployment_mode"
    assert field["message"] == "This deployment mode is not enabled on this server."
    [field_zh] = refused_zh.json()["error"]["details"]["fields"]
    assert field_zh["field"] == "deployment_mode"
    assert field_zh["message"] == "本服务器未启用此部署模式。"
    assert cloud.status_code == 201, cloud.text


async def test_a_stored_config_whose_mode_was_disabled_connects_nowhere(
    app, settings, client, tenant, upstream
):
    # Saved while every mode was allowed; the fake upstream knows it by its key.
    body = config_at(upstream, "openai_compatible", deployment_mode="local")
    await activate(client, tenant, body)
    async with guarded_client(app, settings, tenant_deployment_modes=["cloud"]) as restricted:
        response = await generate(restricted, tenant)
    assert blocked_attempt(response)["message"].endswith(
        "(a deployment mode this server does not allow)."
    )
    assert reached(upstream, body["api_key"]) == []


@pytest.mark.parametrize("mode", ["private", "local"])
async def test_a_private_network_outside_the_operators_list_is_refused_when_saved(
    client, tenant, upstream, mode
):
    body = config_at(upstream, "openai_compatible", deployment_mode=mode)
    body["base_url"] = "http://192.168.1.20:8000/v1"
    response = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "OUTBOUND_URL_BLOCKED"
    assert error["message"] == (
        "The URL http://192.168.1.20:8000/v1 points to a blocked address "
        "(a loopback or private address that this deployment mode may not reach)."
    )


async def test_a_private_network_outside_the_list_is_refused_when_connecting(
    app, settings, tenant, upstream
):
    # Loopback (allowed) when saved, then an address outside the list at every connection.
    resolver = ScriptedResolver({"vllm.internal": ["192.168.1.20"]})
    resolver.then("vllm.internal", ["127.0.0.1"])
    async with guarded_client(app, settings, resolver) as client:
        body = config_at(upstream, "openai_compatible", host="vllm.internal")
        await activate(client, tenant, body)
        response = await generate(client, tenant)
    assert blocked_attempt(response)["message"].endswith(
        "(a loopback or private address that this deployment mode may not reach)."
    )


async def test_only_the_listed_networks_are_private(app, settings, tenant, upstream):
    async with guarded_client(app, settings, private_networks=["10.0.0.0/8"]) as client:
        loopback = config_at(upstream, "ollama")
        refused = await client.post("/admin/config/llm", json=loopback, headers=tenant.headers())
        listed = config_at(upstream, "openai_compatible")
        listed["base_url"] = "http://10.1.2.3:8000/v1"
        accepted = await client.post("/admin/config/llm", json=listed, headers=tenant.headers())
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "OUTBOUND_URL_BLOCKED"
    assert accepted.status_code == 201, accepted.text


async def test_by_default_a_local_ollama_on_loopback_just_works(app, settings, tenant, upstream):
    resolver = ScriptedResolver({"ollama.lan": ["127.0.0.1"]})
    async with guarded_client(app, settings, resolver) as client:
        provider_id = await activate(client, tenant, config_at(upstream, "ollama"))
        tested = await client.post(
            f"/admin/config/llm/{provider_id}/test", headers=tenant.headers()
        )
        answered = await generate(client, tenant)
        by_name = config_at(upstream, "openai_compatible", host="ollama.lan")
        await activate(client, tenant, by_name)
        answered_by_name = await generate(client, tenant)
    assert tested.json()["ok"] is True, tested.json()
    assert answered.status_code == 200, answered.text
    assert answered_by_name.status_code == 200, answered_by_name.text
    assert len(upstream.requests) >= 3


def reached(upstream, marker: str) -> list:
    """Requests the fake upstream received with `marker` in a header (the host or the key):
    the session app's monitor may check other tests' leftovers meanwhile."""
    return [r for r in upstream.requests if any(marker in v for v in r.headers.values())]


def upstream_port(upstream) -> int:
    return int(upstream.url.rsplit(":", 1)[1].split("/")[0])
