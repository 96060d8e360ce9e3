"""The `turnout` command line, run as a user would run it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

TURNOUT = [sys.executable, "-m", "turnout.cli"]

# Upper bound for a process to start or stop: generous, so only a hang fails on a busy machine.
UP_WITHIN_S = 180


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")}
    env.update(TURNOUT_DATA_DIR=str(data_dir), TURNOUT_LOG_LEVEL="WARNING", **extra)
    return env


def run(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TURNOUT, *args], env=_env(data_dir, **extra), capture_output=True, text=True,
        timeout=UP_WITHIN_S,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_keys_create_prints_only_the_key(tmp_path):
    assert run(tmp_path, "migrate").returncode == 0
    result = run(tmp_path, "keys", "create", "--tenant", "acme", "--name", "ci", "--role", "member")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"tk-[A-Za-z0-9_-]{43}\n", result.stdout)


def test_users_create_and_bad_role(tmp_path):
    run(tmp_path, "migrate")
    create_ann = (
        "users",
        "create",
        "--tenant",
        "acme",
        "--username",
        "ann",
        "--role",
        "viewer",
        "--password",
        "long-enough-pw",
    )
    ok = run(tmp_path, *create_ann)
    assert ok.returncode == 0 and ok.stdout == ""
    again = run(tmp_path, *create_ann)
    assert again.returncode != 0 and "VALIDATION_FAILED" in again.stderr
    elsewhere = run(tmp_path, *create_ann[:3], "globex", *create_ann[4:])
    assert elsewhere.returncode == 0, elsewhere.stderr  # usernames are unique per tenant
    bad = run(tmp_path, "users", "create", "--tenant", "acme", "--username", "bo", "--role", "king")
    assert bad.returncode == 2 and "king" in bad.stderr


def test_production_without_secret_refuses_to_start(tmp_path):
    result = run(tmp_path, "migrate", TURNOUT_ENV="production")
    assert result.returncode != 0
    assert "TURNOUT_SECRET_KEY" in result.stderr


def test_migrate_down_and_up(tmp_path):
    assert run(tmp_path, "migrate").returncode == 0
    assert run(tmp_path, "migrate", "--downgrade", "base").returncode == 0
    assert run(tmp_path, "migrate").returncode == 0


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + UP_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"serve exited early: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"serve did not come up in {UP_WITHIN_S} s")


@pytest.mark.slow
def test_serve_bootstraps_an_admin_and_serves_the_api(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*TURNOUT, "serve", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_up(url, process)
        assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=UP_WITHIN_S)
    password = re.search(r"user 'admin' and password (\S+)", stderr)
    assert password, stderr
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status names the signal.
    assert process.returncode in (0, -signal.SIGTERM)
    secret_file = tmp_path / "secret.key"
    assert secret_file.stat().st_mode & 0o077 == 0

    # A second start keeps the admin and the secret, prints no password, and the login works.
    process = subprocess.Popen(
        [*TURNOUT, "serve", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_up(url, process)
        login = httpx.post(
            f"{url}/api/v1/auth/login", json={"username": "admin", "password": password.group(1)}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        created = httpx.post(
            f"{url}/api/v1/keys",
            json={"name": "script", "role": "member"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=UP_WITHIN_S)
    assert "password" not in stderr


def test_fake_upstream_command_serves_every_dialect(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [*TURNOUT, "fake-upstream", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/_fake/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        reply = httpx.post(
            f"{url}/openai/v1/chat/completions",
            headers={"Authorization": "Bearer sk-demo"},
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert reply.json()["choices"][0]["message"]["content"] == "echo: hi"
        tags = httpx.get(f"{url}/ollama/api/tags")
        assert tags.status_code == 200 and "models" in tags.json()
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=UP_WITHIN_S)
