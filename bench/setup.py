"""Configuring a fresh Turnout through its real HTTP API: login, provider, activation, API key."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

UPSTREAM_API_KEY = "sk-bench-0000000000000000"  # any Bearer not starting with bad/invalid
CHAT_MODEL = "gpt-4o-mini"


class ApiError(RuntimeError):
    pass


def call(method: str, url: str, body: Any | None = None, token: str | None = None,
         timeout: float = 30.0) -> tuple[int, Any]:
    """One JSON request; answers (status, decoded body or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def expect(method: str, url: str, body: Any | None = None, token: str | None = None,
           ok: tuple[int, ...] = (200, 201)) -> Any:
    status, payload = call(method, url, body, token)
    if status not in ok:
        raise ApiError(f"{method} {url} answered {status}: {payload}")
    return payload


@dataclass(frozen=True)
class TurnoutSetup:
    base_url: str
    admin_token: str
    provider_id: str
    api_key: str


def add_provider(base_url: str, admin_token: str, *, name: str, provider_base_url: str,
                 activate: bool = True, options: dict[str, Any] | None = None) -> str:
    """An OpenAI-dialect provider at `provider_base_url` (an upstream lane); answers its id.

    Unlimited unless `options` (the catalog's provider options) set `rpm` or `tpm`.
    """
    provider = expect("POST", f"{base_url}/admin/config/llm", {
        "name": name,
        "provider_type": "openai",
        "deployment_mode": "cloud",
        "base_url": provider_base_url,
        "api_key": UPSTREAM_API_KEY,
        "models": {"chat": CHAT_MODEL},
        "options": {"timeout_s": 30, "max_retries": 2, "rpm": 0, "tpm": 0, **(options or {})},
    }, admin_token)
    provider_id = str(provider["id"])
    if activate:
        expect("POST", f"{base_url}/api/v1/llm/providers/{provider_id}/activate", {},
               admin_token)
    return provider_id


def configure_turnout(base_url: str, admin_password: str, provider_base_url: str) -> TurnoutSetup:
    """Log in as admin, add the upstream lane as an OpenAI provider, activate it, make a key."""
    login = expect("POST", f"{base_url}/api/v1/auth/login",
                   {"username": "admin", "password": admin_password})
    token = login["access_token"]
    # Never hedged: routing may list the hedging scenario's fallback (bench/hedging.py).
    provider_id = add_provider(base_url, token, name="bench", provider_base_url=provider_base_url,
                               options={"hedging": False})
    key = expect("POST", f"{base_url}/api/v1/keys", {"name": "bench", "role": "member"}, token)
    return TurnoutSetup(base_url=base_url, admin_token=token, provider_id=provider_id,
                        api_key=key["key"])


def route_exists(base_url: str, method: str, path: str, token: str) -> bool:
    """Whether Turnout serves `method path` (anything but 404/405 counts as present)."""
    status, _ = call(method, f"{base_url}{path}", {}, token)
    return status not in (404, 405)
