"""How Turnout proves itself to Label Studio: either kind of token, on every request.

Label Studio 1.23 has two kinds (tests/labelstudio/PROTOCOL.md):
- a legacy token, sent as `Authorization: Token <key>`;
- a personal access token, which is a JWT *refresh* token: it is exchanged at
  `POST /api/token/refresh/` for an access token that lives about five minutes, sent as
  `Authorization: Bearer <access>`.

The SDK can refresh too, but it does so with a synchronous httpx client of its own, built from
the async one's settings without its transport, so the refresh would block the event loop and
leave the outbound guard behind. This httpx `Auth` refreshes through the client's own (guarded)
transport instead, ahead of expiry and once more when Label Studio answers 401.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

import httpx
import jwt

from turnout.errors import LabelStudioError, LabelStudioRefused, LabelStudioUnreachable

REFRESH_PATH = "/api/token/refresh/"
# Refresh this long before the access token's `exp`, so a request never leaves with one about to
# expire on the way.
EXPIRY_MARGIN_S = 30.0


def token_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, unverified (only Label Studio can verify them), or None."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    return claims if isinstance(claims, dict) else None


def token_kind(token: str) -> str:
    """`personal` (a JWT refresh token), `access` (a JWT access token) or `legacy`."""
    claims = token_claims(token)
    if claims is None:
        return "legacy"
    return "personal" if claims.get("token_type") == "refresh" else "access"


class LabelStudioToken(httpx.Auth):
    """Signs every request with `token`, refreshing a personal access token as needed."""

    requires_response_body = True

    def __init__(
        self, token: str, *, base_url: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._token = token
        self._refresh_url = base_url.rstrip("/") + REFRESH_PATH
        self._kind = token_kind(token)
        self._clock = clock
        self._access: str | None = None
        self._access_expires_at = 0.0
        self._refreshing = asyncio.Lock()

    @property
    def kind(self) -> str:
        return self._kind

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("the Label Studio client is async only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._kind != "personal":
            scheme = "Token" if self._kind == "legacy" else "Bearer"
            request.headers["Authorization"] = f"{scheme} {self._token}"
            yield request
            return
        if self._access_stale():
            async with self._refreshing:
                if self._access_stale():
                    await self._store_access((yield self._refresh_request()))
        request.headers["Authorization"] = f"Bearer {self._access}"
        response = yield request
        if response.status_code == 401:
            async with self._refreshing:
                await self._store_access((yield self._refresh_request()))
            request.headers["Authorization"] = f"Bearer {self._access}"
            yield request

    def _access_stale(self) -> bool:
        return self._access is None or self._clock() >= self._access_expires_at - EXPIRY_MARGIN_S

    def _refresh_request(self) -> httpx.Request:
        return httpx.Request("POST", self._refresh_url, json={"refresh": self._token})

    async def _store_access(self, response: httpx.Response) -> None:
        await response.aread()
        if response.status_code in (401, 403):
            raise LabelStudioRefused(
                "personal access token refused on refresh", label_studio_status=response.status_code
            )
        try:
            access = response.json()["access"]
        except (ValueError, KeyError, TypeError):
            access = None
        claims = token_claims(access) if isinstance(access, str) else None
        if response.status_code >= 500:
            raise LabelStudioUnreachable(
                "token refresh failed", label_studio_status=response.status_code
            )
        if response.status_code != 200 or claims is None:
            raise LabelStudioError(
                "token refresh gave no access token", label_studio_status=response.status_code
            )
        self._access = access
        self._access_expires_at = float(claims.get("exp") or 0.0)
