"""A real Label Studio server for the tests: started headless on loopback, stopped by its PID.

Each start gets a fresh data directory and home (Label Studio writes to ~/.local/share otherwise),
SQLite, a first user with a legacy token (the env variables apply only when the user is first
created) and a personal access token made through the API. Outbound calls of its own (Sentry,
version checks, analytics) are off; its guards against local addresses are off so it can reach
receivers the tests run on 127.0.0.1. How the executable is found: `find_executable`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
READY_WITHIN_S = 480.0
STOP_WITHIN_S = 30.0
ADMIN_EMAIL = "admin@example.com"
# Label Studio answers on the port it really bound in this line (a busy port makes it quietly
# take the next free one).
SERVING_LINE = re.compile(r"Starting development server at http://127\.0\.0\.1:(\d+)/")


class LabelStudioUnavailable(RuntimeError):
    """Label Studio is not installed here and could not be started."""


def find_executable() -> Path:
    """The label-studio executable: $TURNOUT_TEST_LABEL_STUDIO, else the cached install."""
    configured = os.environ.get("TURNOUT_TEST_LABEL_STUDIO")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise LabelStudioUnavailable(f"TURNOUT_TEST_LABEL_STUDIO={configured} does not exist")
        return path
    found = subprocess.run(
        ["bash", str(ROOT / "scripts" / "labelstudio.sh"), "--installed"],
        capture_output=True, text=True, check=False,
    )
    if found.returncode != 0 or not found.stdout.strip():
        raise LabelStudioUnavailable(
            "Label Studio is not installed: run `bash scripts/labelstudio.sh` "
            "(scripts/test.sh does it)"
        )
    return Path(found.stdout.strip())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningLabelStudio:
    url: str
    process: subprocess.Popen[bytes]
    legacy_token: str
    personal_token: str
    email: str
    password: str
    data_dir: Path
    log_path: Path
    started_in_s: float

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _environment(home: Path, data: Path, email: str, password: str, token: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "LANG", "LC_ALL", "TZ"}}
    return keep | {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "share"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "LABEL_STUDIO_BASE_DATA_DIR": str(data),
        "DJANGO_DB": "sqlite",
        "LABEL_STUDIO_USERNAME": email,
        "LABEL_STUDIO_PASSWORD": password,
        "LABEL_STUDIO_USER_TOKEN": token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        # Let it call ML backends and webhooks on 127.0.0.1 (both guards refuse loopback).
        "LABEL_STUDIO_ML_BLOCK_LOCAL_IP": "false",
        "LABEL_STUDIO_SSRF_PROTECTION_ENABLED": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PYTHONUNBUFFERED": "1",
    }


def start(executable: Path, workdir: Path) -> RunningLabelStudio:
    """Start Label Studio in `workdir` and return once its API answers with a token."""
    home, data = workdir / "home", workdir / "data"
    home.mkdir(parents=True)
    data.mkdir()
    password = secrets.token_urlsafe(12)
    legacy_token = secrets.token_hex(20)
    log_path = workdir / "label-studio.log"
    began = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(executable), "start", "--no-browser", "--internal-host", "127.0.0.1",
             "--port", str(free_port()), "--data-dir", str(data), "--log-level", "WARNING"],
            cwd=workdir, env=_environment(home, data, ADMIN_EMAIL, password, legacy_token),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = _wait_until_ready(process, log_path, legacy_token)
        personal_token = _create_personal_token(url, legacy_token)
    except BaseException:
        stop(process)
        raise
    return RunningLabelStudio(
        url=url, process=process, legacy_token=legacy_token, personal_token=personal_token,
        email=ADMIN_EMAIL, password=password, data_dir=data, log_path=log_path,
        started_in_s=time.monotonic() - began,
    )


def _wait_until_ready(process: subprocess.Popen[bytes], log_path: Path, token: str) -> str:
    """The base URL once the API answers the startup user's token (the first start migrates)."""
    deadline = time.monotonic() + READY_WITHIN_S
    url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabelStudioUnavailable(
                f"Label Studio exited with {process.returncode}:\n{_tail(log_path)}"
            )
        if url is None:
            match = SERVING_LINE.search(log_path.read_text(errors="replace"))
            url = f"http://127.0.0.1:{match.group(1)}" if match else None
        if url is not None and _answers(url, token):
            return url
        time.sleep(0.5)
    raise LabelStudioUnavailable(
        f"Label Studio did not answer within {READY_WITHIN_S:.0f} s:\n{_tail(log_path)}"
    )


def _answers(url: str, token: str) -> bool:
    try:
        response = httpx.get(
            f"{url}/api/current-user/whoami", headers={"Authorization": f"Token {token}"},
            timeout=5.0,
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _create_personal_token(url: str, legacy_token: str) -> str:
    """A personal access token (a JWT refresh token) for the startup user."""
    response = httpx.post(
        f"{url}/api/token/", headers={"Authorization": f"Token {legacy_token}"}, timeout=30.0
    )
    response.raise_for_status()
    return str(response.json()["token"])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server we started, by its PID: SIGTERM, then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_WITHIN_S)


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
