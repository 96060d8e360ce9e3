"""A pure-ASGI middleware giving every request an id (echoed as `x-request-id`) and a log line.

The access line (logger `turnout.access`, INFO) names the method, path (never the query),
status, latency, request id, tenant and API key id: never a body, a key or a prompt. It is
built only when INFO is enabled for that logger, and `TURNOUT_ACCESS_LOG=false` turns it off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turnout.store.types import new_id

REQUEST_ID_HEADER = b"x-request-id"
_MAX_INBOUND_ID = 64
access_log = logging.getLogger("turnout.access")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, *, log_access: bool = True) -> None:
        self.app = app
        self.log_access = log_access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _inbound_id(scope) or new_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        encoded = request_id.encode("latin-1")
        status = 500  # what the server answers when the app fails before starting a response
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((REQUEST_ID_HEADER, encoded))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log_access and access_log.isEnabledFor(logging.INFO):
                _log(scope, state, status, time.perf_counter() - started)


def _log(scope: Scope, state: dict[str, Any], status: int, seconds: float) -> None:
    principal = state.get("principal")
    access_log.info(
        "%s %s %d %.1fms request_id=%s tenant=%s key_id=%s",
        scope["method"],
        scope["path"],
        status,
        seconds * 1000,
        state["request_id"],
        getattr(principal, "tenant_id", "-"),
        getattr(principal, "api_key_id", None) or "-",
    )


def _inbound_id(scope: MutableMapping[str, Any]) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if 0 < len(text) <= _MAX_INBOUND_ID and text.replace("-", "").isalnum():
                return text
    return None
