"""Properties 5 and 16, and replicas seeing each other's changes."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_provider_configs import payload_for
from tests.conftest import build_tenant
from turnout.app import create_app
from turnout.providers import CATALOG

MODES = [(t, m) for t, entry in sorted(CATALOG.items()) for m in entry.deployment_modes]


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(choice=st.sampled_from(MODES), rename=st.booleans())
async def test_property_05_deployment_mode_preservation(client, services, upstream, choice, rename):
    provider_type, mode = choice
    tenant = await _tenant(services)
    body = payload_for(provider_type, upstream, deployment_mode=mode)
    created = (await client.post("/admin/config/llm", json=body, headers=tenant.headers())).json()
    assert created["deployment_mode"] == mode, created
    if rename:
        updated = await client.put(
            f"/admin/config/llm/{created['id']}",
            json={"name": body["name"] + "-2"},
            headers=tenant.headers(),
        )
        assert updated.json()["deployment_mode"] == mode
    listed = (await client.get("/admin/config/llm", headers=tenant.headers())).json()
    assert {c["id"]: c["deployment_mode"] for c in listed}[created["id"]] == mode
    live = await services.runtime.provider(tenant_id=tenant.id, provider_id=created["id"])
    assert live.adapter.connection.deployment_mode == mode


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(count=st.integers(2, 4), data=st.data())
async def test_property_16_active_provider_deletion_prevention(
    client, services, upstream, count, data
):
    tenant = await _tenant(services)
    ids = []
    for _ in range(count):
        body = payload_for("openai", upstream)
        ids.append(
            (await client.post("/admin/config/llm", json=body, headers=tenant.headers())).json()[
                "id"
            ]
        )
    active = data.draw(st.sampled_from(ids), label="active")
    await client.post(f"/api/v1/llm/providers/{active}/activate", headers=tenant.headers())
    victim = data.draw(st.sampled_from(ids), label="delete")
    response = await client.delete(f"/admin/config/llm/{victim}", headers=tenant.headers())
    listed = (await client.get("/admin/config/llm", headers=tenant.headers())).json()
    remaining = {c["id"] for c in listed} & set(ids)
    if victim == active:
        assert response.status_code == 409
        assert remaining == set(ids)
    else:
        assert response.status_code == 204
        assert remaining == set(ids) - {victim}
    routing = (await client.get("/api/v1/llm/routing", headers=tenant.headers())).json()
    assert routing["active_provider_id"] == active


_tenant_cache: list = []


async def _tenant(services):
    if not _tenant_cache:
        _tenant_cache.append(await build_tenant(services))
    return _tenant_cache[0]


@pytest.fixture(autouse=True)
def _fresh():
    _tenant_cache.clear()


async def test_routing_refuses_missing_disabled_and_foreign_providers(
    client, tenant, other_tenant, upstream
):
    mine = (
        await client.post(
            "/admin/config/llm", json=payload_for("openai", upstream), headers=tenant.headers()
        )
    ).json()
    off = (
        await client.post(
            "/admin/config/llm",
            json=payload_for("qwen", upstream, enabled=False),
            headers=tenant.headers(),
        )
    ).json()
    theirs = (
        await client.post(
            "/admin/config/llm",
            json=payload_for("openai", upstream),
            headers=other_tenant.headers(),
        )
    ).json()
    ok = await client.put(
        "/api/v1/llm/routing", json={"active_provider_id": mine["id"]}, headers=tenant.headers()
    )
    assert ok.status_code == 200
    for body in (
        {"active_provider_id": theirs["id"]},
        {"active_provider_id": off["id"]},
        {"active_provider_id": mine["id"], "fallback_provider_ids": [mine["id"]]},
        {"active_provider_id": "no-such-id"},
    ):
        refused = await client.put("/api/v1/llm/routing", json=body, headers=tenant.headers())
        assert refused.status_code == 422, body
    assert (
        await client.post(f"/api/v1/llm/providers/{off['id']}/activate", headers=tenant.headers())
    ).status_code == 409
    assert (
        await client.post(
            f"/api/v1/llm/providers/{theirs['id']}/activate", headers=tenant.headers()
        )
    ).status_code == 404
    routing = (await client.get("/api/v1/llm/routing", headers=tenant.headers())).json()
    assert routing == {
        "active_provider_id": mine["id"],
        "fallback_provider_ids": [],
        "fallback_for_pinned": False,
    }


async def test_methods_lists_every_type_localised(client):
    english = (await client.get("/api/v1/llm/methods")).json()
    chinese = (await client.get("/api/v1/llm/methods", headers={"Accept-Language": "zh-CN"})).json()
    assert [m["type"] for m in english] == [m["type"] for m in chinese]
    assert set(m["type"] for m in english) == set(CATALOG)
    assert all(m["name"] and m["description"] for m in english + chinese)
    assert {m["description"] for m in english}.isdisjoint({m["description"] for m in chinese})


async def test_model_registry_merges_builtin_and_tenant_entries(client, tenant, other_tenant):
    builtin = (
        await client.get(
            "/api/v1/llm/models", params={"provider_type": "deepseek"}, headers=tenant.headers()
        )
    ).json()
    assert builtin and all(m["builtin"] for m in builtin)
    added = await client.post(
        "/api/v1/llm/models",
        json={
            "provider_type": "deepseek",
            "model": "deepseek-custom",
            "input_price_per_1k": 0.001,
            "output_price_per_1k": 0.002,
            "context_window": 64000,
        },
        headers=tenant.headers(),
    )
    assert added.status_code == 201
    duplicate = await client.post(
        "/api/v1/llm/models",
        json={"provider_type": "deepseek", "model": "deepseek-custom"},
        headers=tenant.headers(),
    )
    assert duplicate.status_code == 422
    mine = (
        await client.get(
            "/api/v1/llm/models", params={"provider_type": "deepseek"}, headers=tenant.headers()
        )
    ).json()
    theirs = (
        await client.get(
            "/api/v1/llm/models",
            params={"provider_type": "deepseek"},
            headers=other_tenant.headers(),
        )
    ).json()
    assert "deepseek-custom" in {m["model"] for m in mine}
    assert "deepseek-custom" not in {m["model"] for m in theirs}


async def test_a_change_on_one_replica_is_seen_by_another(
    settings, redis_url, client, services, upstream
):
    """The session app is replica A; a second app on the same database and Redis is replica B."""
    if redis_url is None:
        pytest.skip("needs Redis (TURNOUT_TEST_REDIS_URL): in-process state has one replica")
    tenant = await build_tenant(services)
    body = payload_for("openai", upstream)
    created = (await client.post("/admin/config/llm", json=body, headers=tenant.headers())).json()
    replica_b = create_app(settings)
    async with replica_b.router.lifespan_context(replica_b):
        runtime_b = replica_b.state.services.runtime
        seen = await runtime_b.provider(tenant_id=tenant.id, provider_id=created["id"])
        assert seen.adapter.connection.options.timeout_s == 5
        await client.put(
            f"/admin/config/llm/{created['id']}",
            json={"options": {"timeout_s": 42}},
            headers=tenant.headers(),
        )

        async def until_seen() -> None:
            while True:
                seen = await runtime_b.provider(tenant_id=tenant.id, provider_id=created["id"])
                if seen.adapter.connection.options.timeout_s == 42:
                    return
                await asyncio.sleep(0.01)

        # A wait, not a measurement: only a change that never arrives fails here.
        await asyncio.wait_for(until_seen(), 30)


_switch_world: dict = {}


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    targets=st.lists(
        st.sampled_from(["valid", "disabled", "foreign", "missing"]), min_size=1, max_size=4
    ),
    via=st.sampled_from(["activate", "routing"]),
)
async def test_property_06_provider_switching_validation(client, services, upstream, targets, via):
    if not _switch_world:
        tenant, other = await build_tenant(services), await build_tenant(services)
        ids = {}
        for kind, owner, extra in (
            ("valid", tenant, {}),
            ("valid2", tenant, {}),
            ("disabled", tenant, {"enabled": False}),
            ("foreign", other, {}),
        ):
            body = payload_for("openai", upstream, **extra)
            ids[kind] = (
                await client.post("/admin/config/llm", json=body, headers=owner.headers())
            ).json()["id"]
        ids["missing"] = "00000000-0000-0000-0000-000000000000"
        _switch_world.update(tenant=tenant, ids=ids)
    tenant, ids = _switch_world["tenant"], _switch_world["ids"]
    for kind in targets:
        target = (
            ids["valid2"]
            if kind == "valid" and _switch_world.get("last") == ids["valid"]
            else ids[kind]
        )
        before = (await client.get("/api/v1/llm/routing", headers=tenant.headers())).json()
        if via == "activate":
            response = await client.post(
                f"/api/v1/llm/providers/{target}/activate", headers=tenant.headers()
            )
        else:
            response = await client.put(
                "/api/v1/llm/routing", json={"active_provider_id": target}, headers=tenant.headers()
            )
        after = (await client.get("/api/v1/llm/routing", headers=tenant.headers())).json()
        if kind == "valid":
            assert response.status_code == 200
            assert after["active_provider_id"] == target
            _switch_world["last"] = target
        else:
            assert response.status_code in (404, 409, 422), (kind, via, response.text)
            assert after == before


@pytest.fixture(autouse=True)
def _fresh_switch_world():
    _switch_world.clear()
