"""One request being answered: its route, body and fault, and the ways to reply to it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from turnout.fakeupstream import errors
from turnout.fakeupstream.annotator import Annotator
from turnout.fakeupstream.faults import Fault
from turnout.fakeupstream.flavors import FLAVORS, Flavor
from turnout.fakeupstream.routing import Route
from turnout.fakeupstream.streaming import Framing, StreamPlan, send_stream

JSON_TYPE = "application/json"


def bearer_token(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def credential(flavor: Flavor, headers: Mapping[str, str]) -> str | None:
    """The key the client sent the way this flavour expects it."""
    if flavor.auth == "azure":
        return headers.get("api-key") or bearer_token(headers)
    return bearer_token(headers)


def auth_problem(route: Route, headers: Mapping[str, str]) -> str | None:
    """The error preset a request's credentials earn, if any."""
    if not route.needs_auth:
        return None
    key = credential(FLAVORS[route.flavor], headers)
    if key is None:
        return "auth_missing"
    return "auth" if key.lower().startswith(("bad", "invalid")) else None


def retry_after_headers(seconds: float | None) -> dict[str, str]:
    """`Retry-After` in seconds (fractional when asked for) and OpenAI's `retry-after-ms`."""
    if seconds is None:
        return {}
    return {"Retry-After": f"{seconds:g}", "retry-after-ms": str(math.ceil(seconds * 1000))}


@dataclass
class Call:
    request: web.Request
    route: Route
    body: Any
    fault: Fault | None
    serial: int
    created: int
    headers: dict[str, str] = field(default_factory=dict)
    annotator: Annotator | None = None  # answers pre-annotation requests when set

    @property
    def flavor(self) -> Flavor:
        return FLAVORS[self.route.flavor]

    @property
    def reply_id(self) -> str:
        return f"{self.flavor.id_prefix}{self.serial:024x}"

    @property
    def request_id(self) -> str:
        return f"{self.serial:032x}"

    @property
    def filtered_finish(self) -> str | None:
        return self.flavor.filtered_finish if self.fault and self.fault.finish_filtered else None

    def body_dict(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def wants_stream(self) -> bool:
        stream = self.body_dict().get("stream")
        return stream is not False if self.route.streams_by_default else stream is True

    def requested_model(self) -> str | None:
        """The deployment (Azure) or the body's `model`."""
        model = self.route.model or self.body_dict().get("model")
        return model if isinstance(model, str) and model else None

    def _error_context(self) -> dict[str, str]:
        key = credential(self.flavor, self.request.headers) or ""
        seconds = self.fault.retry_after_s if self.fault else None
        return {
            "model": self.requested_model() or self.flavor.default_model,
            "key_hint": "****" + key[-4:],
            "request_id": self.request_id,
            "api_version": self.route.api_version or "",
            "retry_after": str(math.ceil(seconds)) if seconds is not None else "1",
            "method": self.request.method,
            "path": self.request.path,
        }

    def error_body(self, preset: str) -> Any:
        spec = errors.spec_for(self.route.errors, preset)
        return errors.render(spec.body, self._error_context())

    def preset_status(self, preset: str) -> int:
        return errors.spec_for(self.route.errors, preset).status

    def error(self, preset: str, status: int | None = None) -> web.Response:
        spec = errors.spec_for(self.route.errors, preset)
        return self.raw(status or spec.status, self.error_body(preset))

    def raw(self, status: int, body: Any) -> web.Response:
        """A reply with exactly this status and body (a str is sent as it is)."""
        if isinstance(body, str | bytes):
            payload = body.encode() if isinstance(body, str) else body
            headers = {"Content-Type": "text/plain; charset=utf-8", **self.headers}
            return web.Response(status=status, body=payload, headers=headers)
        headers = {"Content-Type": JSON_TYPE, **self.headers}
        return web.Response(status=status, body=orjson.dumps(body), headers=headers)

    def json(self, payload: Any) -> web.Response:
        """A 200 JSON reply, cut in half when the fault asks for malformed JSON."""
        data = orjson.dumps(payload)
        if self.fault is not None and self.fault.malformed_json:
            data = data[: max(1, len(data) // 2)]
        headers = {"Content-Type": JSON_TYPE, **self.headers}
        return web.Response(status=200, body=data, headers=headers)

    def text(self, text: str) -> web.Response:
        headers = {"Content-Type": "text/plain; charset=utf-8", **self.headers}
        return web.Response(status=200, text=text, headers=headers)

    def _plan(self, error_after: int) -> StreamPlan:
        fault = self.fault
        if fault is None:
            return StreamPlan()
        error_event = None
        if fault.error_mid_stream:
            error_event = orjson.dumps(self.error_body(fault.error_preset or "server_error"))
        return StreamPlan(cut_after=fault.cut_stream_after, error_event=error_event,
                          error_after=error_after, malformed=fault.malformed_json)

    async def stream(self, events: Sequence[dict[str, Any]], framing: Framing,
                     error_after: int) -> web.StreamResponse:
        """Stream `events`; a mid-stream error replaces everything from `error_after` on."""
        payloads = [orjson.dumps(event) for event in events]
        return await send_stream(self.request, payloads, framing=framing,
                                 plan=self._plan(error_after), headers=self.headers)
