"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
TURNOUT_TEST_DATABASE_URL says so), a running app, and tenants with a user per role."""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings
from sqlalchemy import delete

from tests.served import served_over_http
from turnout.accounts.api_keys import create_api_key
from turnout.accounts.tenants import get_or_create_tenant
from turnout.app import create_app
from turnout.container import Services
from turnout.fakeupstream import FakeUpstream
from turnout.security.passwords import hash_password
from turnout.security.roles import Role
from turnout.security.tokens import SessionClaims
from turnout.settings import Settings
from turnout.store import migrate
from turnout.store.db import create_engine
from turnout.store.models import Base, User

hypothesis_settings.register_profile("ci", deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct-horse-battery"


def pytest_report_header() -> list[str]:
    db = os.environ.get("TURNOUT_TEST_DATABASE_URL") or "sqlite (embedded)"
    redis = os.environ.get("TURNOUT_TEST_REDIS_URL") or "in-process state (Redis tests skipped)"
    return [f"turnout database: {db.split('@')[-1]}", f"turnout state: {redis}"]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("turnout-data")


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> str:
    return os.environ.get("TURNOUT_TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{data_dir / 'turnout-test.db'}"
    )


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """The test Redis database, emptied once per session like the test database: a lock or
    limit left by an earlier run (a killed process keeps its leader lock for its lifetime)
    must not decide this one."""
    url = os.environ.get("TURNOUT_TEST_REDIS_URL") or None
    if url:
        with redis.Redis.from_url(url) as client:
            client.flushdb()
    return url


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> str:
    """The test database, emptied and migrated to head once per session."""
    engine = create_engine(database_url)
    await migrate.downgrade(engine, "base")
    await migrate.upgrade(engine)
    await engine.dispose()
    return database_url


@pytest.fixture(scope="session")
def settings(migrated: str, data_dir: Path, redis_url: str | None) -> Settings:
    return Settings(
        env="test",
        database_url=migrated,
        data_dir=data_dir,
        redis_url=redis_url,
        secret_key=[TEST_SECRET],
        log_level="INFO",
        # The fake upstream listens on loopback; cloud-mode configs may reach it only so.
        outbound_allowlist=["127.0.0.1"],
        # The session app's monitor must not spend faults that a test queued for its own calls;
        # health tests run their own app with a short interval.
        health_interval_s=3600,
        # On PostgreSQL, jobs go through the queue to a worker (started beside the app), as in
        # a scaled-out deployment; on SQLite the serving process runs them.
        job_runner="queue" if migrated.startswith("postgresql") else "inline",
        job_lease_s=5,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    import asyncio

    from turnout.jobs.queue import QueueWorker

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        worker: QueueWorker | None = None
        if settings.job_runner == "queue":
            worker = QueueWorker(settings.database_url, application.state.services.jobs.runner)
            task = asyncio.create_task(worker.run())
        yield application
        if worker is not None:
            worker.stop()
            await task


@pytest.fixture(scope="session")
def services(app: FastAPI) -> Services:
    return app.state.services  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test that uses the app leaves empty tables behind."""
    uses_app = {"services", "app", "client"} & set(request.fixturenames)
    services: Services | None = request.getfixturevalue("services") if uses_app else None
    yield
    if services is not None:
        await services.usage.flush()
        async with services.sessions() as session:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(delete(table))
            await session.commit()


@pytest.fixture(scope="session")
async def upstream() -> AsyncIterator[FakeUpstream]:
    """One fake upstream for the session; faults are cleared after each test that uses it."""
    async with FakeUpstream() as server:
        yield server


@pytest.fixture(autouse=True)
def _reset_upstream(request: pytest.FixtureRequest) -> Iterator[None]:
    server = request.getfixturevalue("upstream") if "upstream" in request.fixturenames else None
    yield
    if server is not None:
        server.reset()


@pytest.fixture(scope="session")
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    """The session app served over real HTTP by uvicorn on a free loopback port."""
    async with served_over_http(app) as url:
        yield url


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout.test") as http:
        yield http


@dataclass
class TenantFixture:
    """A tenant with one user per role, a session token for each, and an API key per role."""

    id: str
    name: str
    users: dict[Role, str] = field(default_factory=dict)
    usernames: dict[Role, str] = field(default_factory=dict)
    tokens: dict[Role, str] = field(default_factory=dict)
    api_keys: dict[Role, str] = field(default_factory=dict)

    def headers(self, role: Role = Role.ADMIN, *, via_key: bool = False) -> dict[str, str]:
        credential = self.api_keys[role] if via_key else self.tokens[role]
        return {"Authorization": f"Bearer {credential}"}


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


async def build_tenant(services: Services, name: str | None = None) -> TenantFixture:
    name = name or f"tenant-{secrets.token_hex(4)}"
    async with services.sessions() as session:
        tenant, _ = await get_or_create_tenant(session, name=name)
        fixture = TenantFixture(id=tenant.id, name=name)
        for role in Role:
            username = f"{role.value}-{secrets.token_hex(4)}"
            # Hashed once per session: the deliberately slow hash would dominate every test.
            user = User(
                tenant_id=tenant.id, username=username, password_hash=password_hash(), role=role
            )
            session.add(user)
            await session.flush()
            _, key = await create_api_key(
                session, tenant_id=tenant.id, name=f"{role.value} key", role=role, principal=None
            )
            fixture.users[role] = user.id
            fixture.usernames[role] = username
            fixture.api_keys[role] = key
            fixture.tokens[role] = services.tokens.issue(SessionClaims(user.id, tenant.id, role))
        await session.commit()
    return fixture


@pytest.fixture
async def tenant(services: Services) -> TenantFixture:
    return await build_tenant(services)


@pytest.fixture
async def other_tenant(services: Services) -> TenantFixture:
    return await build_tenant(services)
