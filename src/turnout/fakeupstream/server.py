"""FakeUpstream: one real HTTP server that answers in every provider's wire dialect.

    async with FakeUpstream() as fake:
        base_url = fake.url_for("qwen")          # http://127.0.0.1:PORT/qwen/compatible-mode/v1
        fake.enqueue(Fault(error="rate_limit", retry_after_s=1), times=2)
        ...                                      # the next two requests get DashScope's 429
        assert fake.requests[-1].json["model"] == "qwen-plus"

A request is recorded, routed by its path (routing.py), checked for credentials, handed its
fault (faults.py), then answered by its endpoint (handlers.py).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from types import TracebackType
from typing import Any

import orjson
from aiohttp import web

from turnout.fakeupstream.annotator import Annotator
from turnout.fakeupstream.call import Call, auth_problem, retry_after_headers
from turnout.fakeupstream.control import CONTROL_PREFIX, ControlApi
from turnout.fakeupstream.errors import preset_for_status
from turnout.fakeupstream.faults import Fault, FaultBook
from turnout.fakeupstream.flavors import FLAVORS
from turnout.fakeupstream.handlers import ENDPOINTS
from turnout.fakeupstream.recording import RecordedRequest, Recorder
from turnout.fakeupstream.routing import resolve
from turnout.fakeupstream.streaming import abort_connection

MAX_BODY_BYTES = 64 * 1024 * 1024


async def _read_json(request: web.Request) -> tuple[Any, bool]:
    """(the JSON body or None, whether the body was acceptable)."""
    if not request.can_read_body:
        return None, True
    raw = await request.read()
    if not raw.strip():
        return None, True
    try:
        return orjson.loads(raw), True
    except orjson.JSONDecodeError:
        return None, False


class FakeUpstream:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 shutdown_timeout: float = 1.0) -> None:
        self._host = host
        self._port = port
        self._shutdown_timeout = shutdown_timeout
        self._faults = FaultBook()
        self._recorder = Recorder()
        self._control = ControlApi(self._faults, self._recorder, self.set_annotator)
        self._serial = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._url: str | None = None
        self._annotator: Annotator | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FakeUpstream is not started")
        return self._url

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests received (control calls aside), oldest first, at most the last 10,000."""
        return self._recorder.all()

    def url_for(self, provider_type: str) -> str:
        """The base URL an adapter for `provider_type` should be configured with."""
        if provider_type not in FLAVORS:
            raise ValueError(f"unknown provider type {provider_type!r}")
        return self.url + FLAVORS[provider_type].base_path

    def enqueue(self, fault: Fault, times: int = 1) -> None:
        """Apply `fault` to the next `times` matching requests, after faults queued earlier."""
        self._faults.enqueue(fault, times)

    def set_fault(self, fault: Fault | None) -> None:
        """Apply `fault` to every matching request until cleared with None."""
        self._faults.set(fault)

    def add_fault(self, fault: Fault) -> None:
        """Apply `fault` too, where the standing faults set before it did not apply."""
        self._faults.add_standing(fault)

    def set_annotator(self, annotator: Annotator | None) -> None:
        """Answer pre-annotation requests as `annotator` does (annotator.py); None to echo."""
        self._annotator = annotator

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset(self) -> None:
        """Forget every fault and every recorded request, and turn the annotator off."""
        self._faults.clear()
        self._recorder.clear()
        self._annotator = None

    async def start(self) -> str:
        """Start serving; returns the base URL `http://host:port`."""
        if self._runner is not None:
            return self.url
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                               shutdown_timeout=self._shutdown_timeout)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        self._stopping = asyncio.Event()
        port = runner.addresses[0][1]
        self._url = f"http://{self._host}:{port}"
        return self._url

    async def stop(self) -> None:
        """Stop serving; requests left hanging lose their connection."""
        if self._runner is None:
            return
        self._stopping.set()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeUpstream:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await self._control.handle(request)
        route = resolve(request.method, request.path, request.query)
        body, readable = await _read_json(request)
        self._record(request, route.flavor, body)
        call = Call(request, route, body, None, next(self._serial), int(time.time()),
                    annotator=self._annotator)
        call.headers = {"x-request-id": call.request_id, **dict(call.flavor.success_headers)}
        problem = auth_problem(route, request.headers)
        if problem is not None:
            return call.error(problem)
        call.fault = self._faults.take(request.path, route.flavor)
        if call.fault is not None:
            call.headers.update(call.fault.headers)
            call.headers.update(retry_after_headers(call.fault.retry_after_s))
            early = await self._apply_fault(call, call.fault)
            if early is not None:
                return early
        if not readable:
            return call.error("invalid_request")
        return await ENDPOINTS[route.endpoint](call)

    def _record(self, request: web.Request, flavor: str, body: Any) -> None:
        self._recorder.add(RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={name.lower(): value for name, value in request.headers.items()},
            json=body,
            flavor=flavor,
        ))

    async def _apply_fault(self, call: Call, fault: Fault) -> web.StreamResponse | None:
        """The reply a fault forces, or None when the endpoint should answer (perhaps altered)."""
        if fault.latency_s > 0 and await self._stopped_within(fault.latency_s):
            return self._drop(call)
        if fault.hang:
            await self._stopping.wait()
            return self._drop(call)
        if fault.drop_connection:
            return self._drop(call)
        if not fault.is_error_reply(call.wants_stream()):
            return None
        preset = fault.error_preset
        if fault.body is not None:
            status = fault.status or (call.preset_status(preset) if preset else 200)
            return call.raw(status, fault.body)
        return call.error(preset or preset_for_status(fault.status or 500), fault.status)

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _drop(self, call: Call) -> web.StreamResponse:
        abort_connection(call.request)
        return web.Response(status=499)  # never sent: the connection is gone
