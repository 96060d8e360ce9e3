"""An HTTP server on 127.0.0.1 that records what Label Studio sends it: webhooks, and the ML
backend protocol (it answers /health, /setup and /predict as a backend would)."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

WAIT_S = 60.0


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("Authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


class Receiver:
    """Records every request; as an ML backend it labels every task Positive, scored by order."""

    model_version = "receiver-v1"

    def __init__(self) -> None:
        # Set to make /predict fail with this status, as a broken backend would.
        self.predict_fails_with: int | None = None
        self.received: list[Received] = []
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        async with self._arrived:
            headers = dict(request.headers)
            self.received.append(Received(request.method, request.path, headers, body))
            self._arrived.notify_all()
        answer, status = self._answer(request.path, body)
        return web.json_response(answer, status=status)

    def _answer(self, path: str, body: Any) -> tuple[dict[str, Any], int]:
        if path in ("/health", "/"):
            return {"status": "UP", "model_class": "Receiver"}, 200
        if path == "/setup":
            return {"model_version": self.model_version}, 200
        if path == "/predict" and self.predict_fails_with is not None:
            return {"error": "model crashed"}, self.predict_fails_with
        if path == "/predict":
            results = [
                {"model_version": self.model_version, "score": round(0.5 + i / 10, 2), "result": [
                    {"from_name": "sentiment", "to_name": "text", "type": "choices",
                     "value": {"choices": ["Positive"]}, "score": round(0.5 + i / 10, 2)}]}
                for i, _ in enumerate(body["tasks"])
            ]
            return {"results": results}, 200
        if path == "/webhook":
            return {"status": "ok"}, 201
        return {"status": "Unknown"}, 404

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int = 1) -> list[Received]:
        """The requests to `path` once `count` have arrived (at most WAIT_S)."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.at(path)) >= count), WAIT_S
            )
        return self.at(path)
