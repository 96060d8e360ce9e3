"""Health test helpers: a webhook receiver on loopback, fakes for the monitor's collaborators,
and an app whose monitor ticks every fraction of a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from fastapi import FastAPI

from turnout.app import create_app
from turnout.health.store import HealthWrite
from turnout.health.tracker import ProviderRef, StoredHealth, Transition
from turnout.settings import Settings

FAST_INTERVAL_S = 0.2


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records JSON bodies and answers scripted statuses."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []  # answered in turn, then 200
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook/{token}", self._hook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook/secret-token-0123456789"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()


async def eventually(
    condition: Callable[[], Awaitable[bool]], *, within_s: float, step_s: float = 0.02
) -> float:
    """Seconds until `condition` held; fails after `within_s`."""
    started = time.monotonic()
    while True:
        if await condition():
            return time.monotonic() - started
        if time.monotonic() - started > within_s:
            raise AssertionError(f"condition not met within {within_s} s")
        await asyncio.sleep(step_s)


@pytest.fixture
async def paused_monitor(app: FastAPI) -> AsyncIterator[None]:
    """The session app's monitor stays out of the way (its round could take a queued fault)."""
    main = app.state.services.health
    await main.close()
    try:
        yield
    finally:
        await main.start()


@asynccontextmanager
async def second_app(app: FastAPI, settings: Settings, **overrides: Any) -> AsyncIterator[FastAPI]:
    """Another app on the same database, with its own settings and a running lifespan.

    The session app's monitor pauses meanwhile: with Redis both would share the leader lock.
    """
    main = app.state.services.health
    await main.close()
    other = create_app(settings.model_copy(update=overrides))
    try:
        async with other.router.lifespan_context(other):
            yield other
    finally:
        await main.start()


@pytest.fixture
async def fast_app(app: FastAPI, settings: Settings) -> AsyncIterator[FastAPI]:
    """An app whose monitor ticks every FAST_INTERVAL_S."""
    async with second_app(
        app, settings, health_interval_s=FAST_INTERVAL_S, health_failure_threshold=3,
        health_recovery_threshold=2,
    ) as fast:
        yield fast


@pytest.fixture
async def quiet_app(app: FastAPI, settings: Settings) -> AsyncIterator[FastAPI]:
    """An app whose monitor checked once at start-up and will not check again during a test."""
    async with second_app(app, settings, health_interval_s=3600.0) as quiet:
        monitor = quiet.state.services.health

        async def first_round_done() -> bool:
            return monitor.ticks_done >= 1

        await eventually(first_round_done, within_s=10)  # else it could check what a test adds
        yield quiet


@asynccontextmanager
async def client_of(application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout.test") as http:
        yield http


class FakeTime:
    """Monotonic time that moves only when slept through or told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def clock(self) -> float:
        return self.now

    def utc(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self.now)

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class FakeStore:
    """The monitor's store in memory, with the same compare-and-set as the database."""

    refs: list[ProviderRef] = field(default_factory=list)
    rows: dict[str, Any] = field(default_factory=dict)
    on_enabled: Callable[[], None] = lambda: None

    async def enabled(self) -> list[ProviderRef]:
        self.on_enabled()
        return [ref for ref in self.refs if ref.enabled]

    async def load(self, provider_ids: Collection[str] | None = None) -> list[StoredHealth]:
        wanted = set(provider_ids) if provider_ids is not None else None
        return [
            (ref, self.rows.get(ref.id)) for ref in self.refs if wanted is None or ref.id in wanted
        ]

    async def save(self, writes: Sequence[HealthWrite]) -> list[bool]:
        done = []
        for write in writes:
            current = self.rows.get(write.ref.id)
            won = current is None or current.status == write.expected
            if won:
                self.rows[write.ref.id] = write.state
            done.append(won)
        return done


@dataclass
class FakeAlerts:
    sent: list[Transition] = field(default_factory=list)

    async def start(self) -> None:
        return None

    def emit(self, transition: Transition) -> None:
        self.sent.append(transition)

    async def close(self) -> None:
        return None
