"""Turnout as separate processes (serve, worker) for tests that kill them mid-way."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import redis

from turnout.fakeupstream import FakeUpstream
from turnout.jobs.queue import asyncpg_dsn

PASSWORD = "process-test-password-1"
SECRET = "process-test-secret-key-that-is-long-enough-0123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Processes:
    """Started processes (each leading its own group), ended by PID when done."""

    env: dict[str, str]
    logs: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "turnout.cli", *args], env={**os.environ, **self.env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.started.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no shutdown code runs, leases and messages are left as they were."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def log_of(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


@contextlib.asynccontextmanager
async def scratch_database(base: str) -> AsyncIterator[str]:
    """A PostgreSQL database of its own beside `base`'s, dropped after: processes started on it
    never take the session app's queue messages."""
    name = f"turnout_crash_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(asyncpg_dsn(base))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield base.rsplit("/", 1)[0] + f"/{name}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def scratch_redis() -> str:
    """The test Redis in another database, emptied: the session app's sweep lock is not these
    processes'."""
    base = os.environ.get("TURNOUT_TEST_REDIS_URL")
    if not base:
        return ""
    server, _, db = base.rpartition("/")
    url = f"{server}/{(int(db or 0) + 8) % 16}"
    with redis.Redis.from_url(url) as client:
        client.flushdb()  # a process killed by an earlier run may still hold its locks here
    return url


async def ready(url: str, timeout_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"Turnout at {url} never became ready")
            await asyncio.sleep(0.2)


async def member_key(url: str, upstream: FakeUpstream) -> str:
    """Log in as admin, add the fake upstream as the active provider, make a member key."""
    async with httpx.AsyncClient(base_url=url) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
        )
        admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        provider = await http.post("/admin/config/llm", headers=admin, json={
            "name": "main", "provider_type": "openai", "deployment_mode": "cloud",
            "base_url": upstream.url_for("openai"), "api_key": "sk-test-0000000000000000",
            "options": {"timeout_s": 10, "max_retries": 0},
        })
        assert provider.status_code == 201, provider.text
        provider_id = provider.json()["id"]
        await http.post(f"/api/v1/llm/providers/{provider_id}/activate", headers=admin)
        key = await http.post("/api/v1/keys", headers=admin, json={"name": "k", "role": "member"})
        return str(key.json()["key"])


def runs_per_item(upstream: FakeUpstream) -> Counter[str]:
    """How often the upstream was asked each item's prompt."""
    counts: Counter[str] = Counter()
    for request in upstream.requests:
        body = request.json if isinstance(request.json, dict) else {}
        for message in body.get("messages", ()):
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str) and content.startswith("item "):
                counts[content] += 1
    return counts
