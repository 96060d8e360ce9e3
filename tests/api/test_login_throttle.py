"""Failed logins are throttled per username and per client address, across replicas: 429 with
Retry-After, even for the right password; successes do not count; the address is the
connection's unless a trusted proxy forwards it."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.api.test_auth import client_from
from tests.conftest import PASSWORD, TenantFixture
from turnout.app import create_app
from turnout.cli import proxy_options
from turnout.security.roles import Role
from turnout.settings import Settings

PER_USER, PER_ADDRESS = 3, 5


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def throttled_settings(settings: Settings) -> Settings:
    limits = {
        "login_max_failures_per_user": PER_USER,
        "login_max_failures_per_address": PER_ADDRESS,
    }
    return settings.model_copy(update=limits)


@pytest.fixture
async def throttled_app(throttled_settings: Settings) -> AsyncIterator[FastAPI]:
    async with running(throttled_settings) as application:
        yield application


def fresh_address() -> str:
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def nobody() -> str:
    return f"nobody-{secrets.token_hex(4)}"


async def login(client: httpx.AsyncClient, username: str, password: str, **headers: str):
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers
    )


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "LOGIN_THROTTLED"
    # At most the window and one of its twenty buckets (the oldest counts whole).
    assert 1 <= int(response.headers["retry-after"]) <= 900 * 1.05


async def test_wrong_passwords_beyond_ten_are_refused_even_the_right_one(app, tenant):
    """The defaults: 10 failures per username in 15 minutes."""
    username = tenant.usernames[Role.MEMBER]
    async with client_from(app) as client:
        answers = [(await login(client, username, f"guess-{n}")).status_code for n in range(10)]
        assert answers == [401] * 10
        assert_throttled(await login(client, username, "guess-10"))
        assert_throttled(await login(client, username, PASSWORD))
        localised = await login(client, username, PASSWORD, **{"Accept-Language": "zh-CN"})
    assert localised.json()["error"]["message"] == "登录失败次数过多，请稍后再试。"
    assert localised.json()["error"]["details"]["retry_after_s"] > 0


async def test_successful_logins_do_not_count(throttled_app, tenant: TenantFixture):
    username = tenant.usernames[Role.VIEWER]
    async with client_from(throttled_app) as client:
        for _ in range(PER_USER - 1):
            assert (await login(client, username, "wrong")).status_code == 401
        for _ in range(2 * PER_USER):
            assert (await login(client, username, PASSWORD)).status_code == 200
        assert (await login(client, username, "wrong")).status_code == 401
        assert_throttled(await login(client, username, PASSWORD))


async def test_one_address_is_throttled_across_usernames(throttled_app, tenant: TenantFixture):
    address = fresh_address()
    async with client_from(throttled_app, address) as client:
        for _ in range(PER_ADDRESS):
            assert (await login(client, nobody(), "wrong")).status_code == 401
        assert_throttled(await login(client, tenant.usernames[Role.ADMIN], PASSWORD))
    async with client_from(throttled_app) as elsewhere:
        assert (await login(elsewhere, tenant.usernames[Role.ADMIN], PASSWORD)).status_code == 200


@asynccontextmanager
async def served(app: FastAPI, settings: Settings) -> AsyncIterator[str]:
    """`app` over real HTTP, with uvicorn's proxy handling as `turnout serve` sets it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, port=port, lifespan="off", log_config=None, **proxy_options(settings)
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def failures_behind_forged_headers(url: str, source: str) -> list[int]:
    """Failed logins from `source`, each claiming another client in X-Forwarded-For."""
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, base_url=url) as client:
        return [
            (
                await login(client, nobody(), "wrong", **{"X-Forwarded-For": fresh_address()})
            ).status_code
            for _ in range(PER_ADDRESS + 1)
        ]


def loopback_source() -> str:
    """A loopback address of this test's own, so its failures count against nobody else."""
    return f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


async def test_a_forwarded_header_counts_only_from_a_trusted_proxy(
    throttled_app, throttled_settings
):
    async with served(throttled_app, throttled_settings) as url:
        assert (await failures_behind_forged_headers(url, loopback_source()))[-1] == 429
    proxy = loopback_source()
    trusting = throttled_settings.model_copy(update={"trusted_proxies": [proxy]})
    async with served(throttled_app, trusting) as url:
        assert set(await failures_behind_forged_headers(url, proxy)) == {401}


async def test_the_throttle_is_shared_by_two_replicas(
    throttled_app, throttled_settings, redis_url, tenant: TenantFixture
):
    if redis_url is None:
        pytest.skip("needs Redis (TURNOUT_TEST_REDIS_URL): in-process state has one replica")
    username = tenant.usernames[Role.MEMBER]
    async with running(throttled_settings) as replica_b:
        for n in range(PER_USER):
            async with client_from(throttled_app if n % 2 else replica_b) as client:
                assert (await login(client, username, "wrong")).status_code == 401
        for replica in (throttled_app, replica_b):
            async with client_from(replica) as client:
                assert_throttled(await login(client, username, PASSWORD))
