from __future__ import annotations

import time

import jwt

from tests.conftest import PASSWORD, TenantFixture
from turnout.security.roles import Role


async def test_login_returns_a_bearer_token_and_the_user(client, tenant: TenantFixture):
    username = tenant.usernames[Role.MEMBER]
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert body["user"] == {
        "id": tenant.users[Role.MEMBER],
        "username": username,
        "role": "member",
        "tenant_id": tenant.id,
        "is_active": True,
        "created_at": body["user"]["created_at"],
    }
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["name"] == username


async def test_wrong_password_and_unknown_user_get_the_same_answer(client, tenant):
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": tenant.usernames[Role.ADMIN], "password": "nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"username": "nobody-here", "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "INVALID_CREDENTIALS"


async def test_missing_and_garbage_credentials_are_rejected(client):
    assert (await client.get("/api/v1/auth/me")).json()["error"]["code"] == "NOT_AUTHENTICATED"
    garbage = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer garbage"})
    assert garbage.status_code == 401


async def test_expired_session_token_says_so(client, tenant, services):
    expired = jwt.encode(
        {
            "sub": tenant.users[Role.ADMIN],
            "tid": tenant.id,
            "role": "admin",
            "typ": "session",
            "iat": int(time.time()) - 100,
            "exp": int(time.time()) - 10,
        },
        services.secrets.signing_keys[0],
        algorithm="HS256",
    )
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_EXPIRED"


async def test_token_signed_with_another_secret_is_rejected(client, tenant):
    forged = jwt.encode(
        {
            "sub": tenant.users[Role.ADMIN],
            "tid": tenant.id,
            "role": "admin",
            "typ": "session",
            "exp": int(time.time()) + 600,
        },
        b"not-our-key-not-our-key-not-our-key",
        algorithm="HS256",
    )
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_api_key_works_as_bearer_and_as_basic_password(client, tenant: TenantFixture):
    key = tenant.api_keys[Role.VIEWER]
    bearer = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {key}"})
    basic = await client.get("/api/v1/auth/me", auth=("anything", key))
    assert bearer.json()["kind"] == basic.json()["kind"] == "api_key"
    assert bearer.json()["role"] == "viewer"


async def test_deactivated_user_loses_access(client, tenant: TenantFixture):
    member = tenant.users[Role.MEMBER]
    member_headers = tenant.headers(Role.MEMBER)
    assert (await client.get("/api/v1/auth/me", headers=member_headers)).status_code == 200
    response = await client.patch(
        f"/api/v1/users/{member}", json={"is_active": False}, headers=tenant.headers()
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=member_headers)).status_code == 401
    login = await client.post(
        "/api/v1/auth/login",
        json={"username": tenant.usernames[Role.MEMBER], "password": PASSWORD},
    )
    assert login.status_code == 401
