from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Sequence
from contextlib import asynccontextmanager

import httpx
import jwt
from argon2 import extract_parameters

from tests.conftest import PASSWORD, TenantFixture
from tests.security.test_passwords import verifications
from turnout.security import passwords
from turnout.security.roles import Role


@asynccontextmanager
async def client_from(app, address: str | None = None):
    """A client of `app` connecting from `address` (by default a fresh one, so failed logins
    here never add up with other tests' on the throttle)."""
    address = address or f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout.test") as http:
        yield http


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


async def test_wrong_password_and_unknown_user_get_the_same_answer(app, tenant):
    async with client_from(app) as client:
        wrong = await client.post(
            "/api/v1/auth/login",
            json={"username": tenant.usernames[Role.ADMIN], "password": "nope"},
        )
        unknown = await client.post(
            "/api/v1/auth/login",
            json={"username": f"nobody-{secrets.token_hex(4)}", "password": "nope"},
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


async def test_deactivated_user_loses_access(app, tenant: TenantFixture):
    member = tenant.users[Role.MEMBER]
    member_headers = tenant.headers(Role.MEMBER)
    async with client_from(app) as client:
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


async def _login(client, username: str, password: str, tenant: str | None = None):
    body = {"username": username, "password": password}
    if tenant is not None:
        body["tenant"] = tenant
    return await client.post("/api/v1/auth/login", json=body)


async def _create_user(client, tenant: TenantFixture, username: str, password: str) -> str:
    created = await client.post(
        "/api/v1/users",
        json={"username": username, "password": password, "role": "member"},
        headers=tenant.headers(),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def poll_healthz(url: str, stop: threading.Event) -> int:
    """How many /healthz answers a client in another thread got, until `stop` is set."""
    answered = 0
    with httpx.Client(base_url=url) as http:
        while not stop.is_set():
            assert http.get("/healthz").status_code == 200
            answered += 1
            time.sleep(0.01)
    return answered


async def test_logins_hash_on_the_hashing_pool_while_healthz_answers(
    app, live_url, tenant, monkeypatch
):
    """32 concurrent logins verify their passwords on the hashing pool's threads, never on the
    event loop's, and /healthz keeps answering meanwhile."""
    threads: list[str] = []
    verify_each = passwords.verify_each

    def recorded(password: str, hashes: Sequence[str]) -> list[bool]:
        threads.append(threading.current_thread().name)
        return verify_each(password, hashes)

    monkeypatch.setattr(passwords, "verify_each", recorded)
    stop = threading.Event()
    poller = asyncio.ensure_future(asyncio.to_thread(poll_healthz, live_url, stop))
    async with client_from(app) as client:
        username = tenant.usernames[Role.MEMBER]
        answers = await asyncio.gather(*(_login(client, username, PASSWORD) for _ in range(32)))
    stop.set()
    assert [answer.status_code for answer in answers] == [200] * 32
    assert await poller >= 1
    assert len(threads) == 32
    assert all(name.startswith("turnout-hash") for name in threads), set(threads)


async def test_an_unknown_username_costs_what_a_wrong_password_does(app, tenant, monkeypatch):
    """Both are refused after exactly one Argon2 verification with a real hash's parameters:
    the same work, so the answer's timing cannot tell whether the username exists."""
    made = verifications(monkeypatch)
    async with client_from(app) as client:
        wrong = await _login(client, tenant.usernames[Role.VIEWER], "not-the-password")
        assert wrong.status_code == 401
        for_wrong_password = list(made)
        made.clear()
        unknown = await _login(client, f"nobody-{secrets.token_hex(4)}", "not-the-password")
        assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == wrong.json()["error"]["code"]
    assert for_wrong_password == made == [extract_parameters(passwords.hash_password("x"))]


async def test_a_username_in_two_tenants_logs_into_the_one_its_password_fits(
    app, tenant: TenantFixture, other_tenant: TenantFixture
):
    name = f"sam-{secrets.token_hex(3)}"
    async with client_from(app) as client:
        ours = await _create_user(client, tenant, name, "ours-long-password")
        theirs = await _create_user(client, other_tenant, name, "theirs-long-password")
        assert (await _login(client, name, "ours-long-password")).json()["user"]["id"] == ours
        assert (await _login(client, name, "theirs-long-password")).json()["user"]["id"] == theirs
        named = await _login(client, name, "theirs-long-password", tenant=other_tenant.name)
        assert named.json()["user"]["id"] == theirs
        crossed = await _login(client, name, "ours-long-password", tenant=other_tenant.name)
        assert crossed.status_code == 401
        assert crossed.json()["error"]["code"] == "INVALID_CREDENTIALS"


async def test_a_password_that_fits_two_tenants_asks_for_the_tenant(
    app, tenant: TenantFixture, other_tenant: TenantFixture
):
    name, password = f"twin-{secrets.token_hex(3)}", "same-long-password"
    async with client_from(app) as client:
        ours = await _create_user(client, tenant, name, password)
        theirs = await _create_user(client, other_tenant, name, password)
        ambiguous = await client.post(
            "/api/v1/auth/login",
            json={"username": name, "password": password},
            headers={"Accept-Language": "zh-CN"},
        )
        assert ambiguous.status_code == 401
        assert ambiguous.json()["error"]["code"] == "TENANT_REQUIRED"
        assert "租户" in ambiguous.json()["error"]["message"]
        assert (await _login(client, name, password, tenant.name)).json()["user"]["id"] == ours
        assert (await _login(client, name, password, other_tenant.name)).json()["user"][
            "id"
        ] == theirs
        # A deactivated twin no longer competes.
        await client.patch(
            f"/api/v1/users/{theirs}", json={"is_active": False}, headers=other_tenant.headers()
        )
        assert (await _login(client, name, password)).json()["user"]["id"] == ours


async def test_a_unique_username_may_name_its_tenant_but_not_another(
    app, tenant: TenantFixture, other_tenant: TenantFixture
):
    username = tenant.usernames[Role.MEMBER]
    async with client_from(app) as client:
        assert (await _login(client, username, PASSWORD, tenant.name)).status_code == 200
        elsewhere = await _login(client, username, PASSWORD, other_tenant.name)
        nowhere = await _login(client, username, PASSWORD, f"no-such-{secrets.token_hex(3)}")
    assert elsewhere.status_code == nowhere.status_code == 401
    assert elsewhere.json()["error"]["code"] == nowhere.json()["error"]["code"] == (
        "INVALID_CREDENTIALS"
    )
