"""A password change or reset, a deactivation or a demotion ends the user's sessions: at once on
this replica, within the authenticator's cache lifetime on the others."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.conftest import PASSWORD, TenantFixture
from turnout.errors import TokenExpired
from turnout.security.authenticator import Authenticator
from turnout.security.roles import Role

NEW_PASSWORD = "a-brand-new-password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/auth/me", headers=bearer(token))


async def assert_ended(client: httpx.AsyncClient, token: str) -> None:
    answer = await me(client, token)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "TOKEN_EXPIRED"


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> str:
    answer = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def change(client, tenant: TenantFixture, who: Role, **body) -> None:
    answer = await client.patch(
        f"/api/v1/users/{tenant.users[who]}", json=body, headers=tenant.headers()
    )
    assert answer.status_code == 200, answer.text


async def test_changing_ones_own_password_ends_every_own_session(client, tenant: TenantFixture):
    username = tenant.usernames[Role.ADMIN]
    first, second = tenant.tokens[Role.ADMIN], await log_in(client, username, PASSWORD)
    assert (await me(client, first)).status_code == (await me(client, second)).status_code == 200
    await change(client, tenant, Role.ADMIN, password=NEW_PASSWORD)
    await assert_ended(client, first)
    await assert_ended(client, second)
    fresh = await log_in(client, username, NEW_PASSWORD)
    assert (await me(client, fresh)).json()["role"] == "admin"


async def test_an_admins_reset_ends_the_users_sessions_only(client, tenant: TenantFixture):
    assert (await me(client, tenant.tokens[Role.MEMBER])).status_code == 200
    await change(client, tenant, Role.MEMBER, password=NEW_PASSWORD)
    await assert_ended(client, tenant.tokens[Role.MEMBER])
    assert (await me(client, tenant.tokens[Role.ADMIN])).status_code == 200
    fresh = await log_in(client, tenant.usernames[Role.MEMBER], NEW_PASSWORD)
    assert (await me(client, fresh)).status_code == 200


async def test_a_deactivated_users_sessions_stay_ended_after_reactivation(
    client, tenant: TenantFixture
):
    token = tenant.tokens[Role.MEMBER]
    assert (await me(client, token)).status_code == 200
    await change(client, tenant, Role.MEMBER, is_active=False)
    assert (await me(client, token)).status_code == 401
    await change(client, tenant, Role.MEMBER, is_active=True)
    await assert_ended(client, token)
    fresh = await log_in(client, tenant.usernames[Role.MEMBER], PASSWORD)
    assert (await me(client, fresh)).status_code == 200


async def test_a_demotion_ends_sessions_and_a_promotion_does_not(client, tenant: TenantFixture):
    viewer, member = tenant.tokens[Role.VIEWER], tenant.tokens[Role.MEMBER]
    await change(client, tenant, Role.VIEWER, role="member")
    assert (await me(client, viewer)).json()["role"] == "member"
    await change(client, tenant, Role.MEMBER, role="viewer")
    await change(client, tenant, Role.MEMBER, role="member")  # promoted back: still ended
    await assert_ended(client, member)
    fresh = await log_in(client, tenant.usernames[Role.MEMBER], PASSWORD)
    assert (await me(client, fresh)).json()["role"] == "member"


class StoppedClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_other_replicas_refuse_an_ended_session_within_their_cache_lifetime(
    client, services, tenant: TenantFixture
):
    ttl_s = 5.0
    clock = StoppedClock()
    other_replica = Authenticator(
        services.sessions, services.tokens, cache_ttl_s=ttl_s, clock=clock
    )
    token = tenant.tokens[Role.MEMBER]
    assert (await other_replica.authenticate(token)).id == tenant.users[Role.MEMBER]
    assert (await me(client, token)).status_code == 200  # cached here too
    await change(client, tenant, Role.MEMBER, password=NEW_PASSWORD)
    await assert_ended(client, token)  # this replica forgot it at once
    clock.now += ttl_s  # the other replica's cached entry has lived its lifetime
    with pytest.raises(TokenExpired):
        await other_replica.authenticate(token)


async def test_a_token_from_before_session_epochs_stays_valid(client, services, tenant):
    legacy = jwt.encode(
        {
            "sub": tenant.users[Role.VIEWER],
            "tid": tenant.id,
            "role": "viewer",
            "typ": "session",
            "exp": int(time.time()) + 600,
        },
        services.secrets.signing_keys[0],
        algorithm="HS256",
    )
    assert (await me(client, legacy)).status_code == 200
    await change(client, tenant, Role.VIEWER, password=NEW_PASSWORD)
    await assert_ended(client, legacy)
