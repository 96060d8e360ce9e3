from __future__ import annotations

from sqlalchemy import select

from tests.conftest import TenantFixture
from turnout.security.roles import Role
from turnout.store.models import ApiKey


async def test_key_is_shown_once_and_stored_only_as_a_hash(client, tenant: TenantFixture, services):
    response = await client.post(
        "/api/v1/keys", json={"name": "labeller", "role": "member"}, headers=tenant.headers()
    )
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "name", "role", "prefix", "key"}
    assert created["key"].startswith("tk-") and created["key"].startswith(created["prefix"])

    listed = (await client.get("/api/v1/keys", headers=tenant.headers())).json()
    row = next(item for item in listed if item["id"] == created["id"])
    assert "key" not in row and created["key"] not in str(listed)
    async with services.sessions() as session:
        stored = (
            await session.execute(select(ApiKey).where(ApiKey.id == created["id"]))
        ).scalar_one()
    assert created["key"] not in (stored.key_hash, stored.prefix + "x")
    assert len(stored.key_hash) == 64


async def test_new_key_authenticates_with_its_role(client, tenant):
    created = (
        await client.post(
            "/api/v1/keys", json={"name": "ro", "role": "viewer"}, headers=tenant.headers()
        )
    ).json()
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {created['key']}"})
    assert me.json() == {
        "id": created["id"],
        "kind": "api_key",
        "name": "ro",
        "role": "viewer",
        "tenant_id": tenant.id,
    }


async def test_revoked_key_stops_working_at_once(client, tenant):
    created = (
        await client.post(
            "/api/v1/keys", json={"name": "tmp", "role": "member"}, headers=tenant.headers()
        )
    ).json()
    auth = {"Authorization": f"Bearer {created['key']}"}
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 200
    revoked = await client.delete(f"/api/v1/keys/{created['id']}", headers=tenant.headers())
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 401


async def test_last_used_time_is_recorded_after_a_flush(client, tenant, services):
    key_id = (await client.get("/api/v1/keys", headers=tenant.headers())).json()[0]["id"]
    viewer_key = tenant.api_keys[Role.VIEWER]
    await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {viewer_key}"})
    await services.authenticator.flush_last_used()
    keys = (await client.get("/api/v1/keys", headers=tenant.headers())).json()
    used = [k for k in keys if k["last_used_at"] is not None]
    assert [k["name"] for k in used] == ["viewer key"]
    assert key_id


async def test_key_creation_validates_role_and_name(client, tenant):
    response = await client.post(
        "/api/v1/keys", json={"name": "", "role": "overlord"}, headers=tenant.headers()
    )
    assert response.status_code == 422
    fields = {f["field"]: f["code"] for f in response.json()["error"]["details"]["fields"]}
    assert fields == {"name": "validation.too_short", "role": "validation.not_allowed"}
