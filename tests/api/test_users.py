from __future__ import annotations

from tests.conftest import TenantFixture
from turnout.security.roles import Role


async def test_admin_creates_lists_updates_and_deletes_users(client, tenant: TenantFixture):
    admin = tenant.headers()
    created = await client.post(
        "/api/v1/users",
        json={"username": "carol", "password": "long-enough-pw", "role": "viewer"},
        headers=admin,
    )
    assert created.status_code == 201
    carol = created.json()
    assert carol["role"] == "viewer" and carol["tenant_id"] == tenant.id

    names = [u["username"] for u in (await client.get("/api/v1/users", headers=admin)).json()]
    assert "carol" in names and len(names) == 4

    promoted = await client.patch(
        f"/api/v1/users/{carol['id']}", json={"role": "member"}, headers=admin
    )
    assert promoted.json()["role"] == "member"

    login = await client.post(
        "/api/v1/auth/login", json={"username": "carol", "password": "long-enough-pw"}
    )
    assert login.json()["user"]["role"] == "member"

    assert (await client.delete(f"/api/v1/users/{carol['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/users/{carol['id']}", headers=admin)).status_code == 404


async def test_username_must_be_unique_within_the_tenant(client, tenant):
    taken = tenant.usernames[Role.VIEWER]
    response = await client.post(
        "/api/v1/users",
        json={"username": taken, "password": "long-enough-pw"},
        headers=tenant.headers(),
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == [
        {
            "field": "username",
            "code": "validation.duplicate",
            "message": "This value is already taken.",
        }
    ]


async def test_another_tenants_usernames_are_not_revealed(client, tenant, other_tenant):
    theirs = tenant.usernames[Role.VIEWER]
    response = await client.post(
        "/api/v1/users",
        json={"username": theirs, "password": "long-enough-pw"},
        headers=other_tenant.headers(),
    )
    assert response.status_code == 201
    assert response.json()["tenant_id"] == other_tenant.id
    listed = await client.get("/api/v1/users", headers=tenant.headers())
    assert [u["username"] for u in listed.json()].count(theirs) == 1


async def test_validation_errors_are_localised(client, tenant):
    response = await client.post(
        "/api/v1/users",
        json={"username": "x y", "password": "short"},
        headers=tenant.headers() | {"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_FAILED"
    assert error["message"].startswith("请求无效")
    messages = {f["field"]: f["message"] for f in error["details"]["fields"]}
    assert messages["password"] == "此值过短。"


async def test_admin_cannot_lock_themselves_out(client, tenant):
    me = tenant.users[Role.ADMIN]
    demote = await client.patch(
        f"/api/v1/users/{me}", json={"role": "viewer"}, headers=tenant.headers()
    )
    assert demote.status_code == 409
    delete = await client.delete(f"/api/v1/users/{me}", headers=tenant.headers())
    assert delete.status_code == 409
    assert (await client.get("/api/v1/auth/me", headers=tenant.headers())).json()["role"] == "admin"


async def test_a_refusal_of_ones_own_demotion_gives_its_reason_in_the_callers_language(
    client, tenant
):
    me = tenant.users[Role.ADMIN]
    chinese = tenant.headers() | {"Accept-Language": "zh-CN"}
    misspelt = await client.patch(f"/api/v1/users/{me}", json={"active": False}, headers=chinese)
    assert misspelt.status_code == 422  # an unknown field is named, never ignored
    assert [f["field"] for f in misspelt.json()["error"]["details"]["fields"]] == ["active"]
    demote = await client.patch(f"/api/v1/users/{me}", json={"is_active": False}, headers=chinese)
    assert demote.status_code == 409
    assert demote.json()["error"]["message"] == "请求与现有数据冲突：不能降级或停用自己的账户"
    delete = await client.delete(f"/api/v1/users/{me}", headers=tenant.headers())
    assert delete.json()["error"]["message"] == (
        "The request conflicts with existing data: you cannot delete your own account"
    )
