"""The HTTP control API under `/_fake/`, for processes that cannot reach the Python object.

    POST   /_fake/faults    {"mode": "enqueue"|"set"|"add", "times": 1, "fault": {…}|null}
                            (set replaces the standing faults, add appends one)
    GET    /_fake/faults    the queued and the standing faults
    DELETE /_fake/faults    clear every fault
    GET    /_fake/requests  {"requests": [recorded request, …]} oldest first
    DELETE /_fake/requests  forget recorded requests
    PUT    /_fake/annotator {"gold": {text: answer}, "wrong_rate": 0.1, "malformed_rate": 0.05,
                             "seed": 7}: answer pre-annotation requests so (annotator.py)
    DELETE /_fake/annotator echo them again
    POST   /_fake/reset     both deletes at once, and the annotator off
    GET    /_fake/health    {"status": "ok"}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from turnout.fakeupstream.annotator import Annotator
from turnout.fakeupstream.faults import Fault, FaultBook
from turnout.fakeupstream.recording import Recorder

CONTROL_PREFIX = "/_fake/"


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(payload),
                        content_type="application/json")


def _problem(message: str, status: int = 400) -> web.Response:
    return _json({"error": message}, status)


class ControlApi:
    def __init__(self, faults: FaultBook, recorder: Recorder,
                 set_annotator: Callable[[Annotator | None], None]) -> None:
        self._faults = faults
        self._recorder = recorder
        self._set_annotator = set_annotator
        self._routes: dict[tuple[str, str], Callable[[web.Request], Awaitable[web.Response]]] = {
            ("POST", "faults"): self._add_fault,
            ("GET", "faults"): self._list_faults,
            ("DELETE", "faults"): self._clear_faults,
            ("GET", "requests"): self._list_requests,
            ("DELETE", "requests"): self._clear_requests,
            ("PUT", "annotator"): self._put_annotator,
            ("DELETE", "annotator"): self._clear_annotator,
            ("POST", "reset"): self._reset,
            ("GET", "health"): self._health,
        }

    async def handle(self, request: web.Request) -> web.Response:
        name = request.path[len(CONTROL_PREFIX):].strip("/")
        handler = self._routes.get((request.method, name))
        if handler is None:
            return _problem(f"no control endpoint {request.method} {request.path}", 404)
        return await handler(request)

    async def _add_fault(self, request: web.Request) -> web.Response:
        try:
            payload = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return _problem("body must be JSON")
        if not isinstance(payload, dict):
            return _problem("body must be a JSON object")
        mode = payload.get("mode", "enqueue")
        raw_fault = payload.get("fault")
        try:
            fault = Fault.from_dict(raw_fault) if isinstance(raw_fault, dict) else None
            if mode == "set":
                self._faults.set(fault)
            elif mode == "add" and fault is not None:
                self._faults.add_standing(fault)
            elif mode == "enqueue" and fault is not None:
                self._faults.enqueue(fault, int(payload.get("times", 1)))
            else:
                return _problem('mode must be "enqueue" or "add" (with a fault), or "set"')
        except (TypeError, ValueError) as exc:
            return _problem(str(exc))
        return _json({"ok": True, **self._faults.snapshot()})

    async def _list_faults(self, request: web.Request) -> web.Response:
        return _json(self._faults.snapshot())

    async def _clear_faults(self, request: web.Request) -> web.Response:
        self._faults.clear()
        return _json({"ok": True})

    async def _list_requests(self, request: web.Request) -> web.Response:
        return _json({"requests": [item.to_dict() for item in self._recorder.all()]})

    async def _clear_requests(self, request: web.Request) -> web.Response:
        self._recorder.clear()
        return _json({"ok": True})

    async def _put_annotator(self, request: web.Request) -> web.Response:
        try:
            payload = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return _problem("body must be JSON")
        if not isinstance(payload, dict):
            return _problem("body must be a JSON object")
        try:
            annotator = Annotator.from_dict(payload)
        except (TypeError, ValueError) as exc:
            return _problem(str(exc))
        self._set_annotator(annotator)
        return _json({"ok": True})

    async def _clear_annotator(self, request: web.Request) -> web.Response:
        self._set_annotator(None)
        return _json({"ok": True})

    async def _reset(self, request: web.Request) -> web.Response:
        self._faults.clear()
        self._recorder.clear()
        self._set_annotator(None)
        return _json({"ok": True})

    async def _health(self, request: web.Request) -> web.Response:
        return _json({"status": "ok"})
