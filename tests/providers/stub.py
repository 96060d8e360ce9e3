"""A tiny real-HTTP upstream for adapter tests: queued replies per path, requests recorded."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] | None = None  # sent one by one with chunked transfer encoding
    content_type: str = "application/json"
    delay_s: float = 0.0
    drop: bool = False  # close the connection without answering


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any


def sse(*payloads: Any, done: bool = True) -> list[bytes]:
    """An SSE stream body: one `data:` event per payload, then `[DONE]`."""
    events = [
        b"data: " + (p if isinstance(p, bytes) else orjson.dumps(p)) + b"\n\n" for p in payloads
    ]
    return [*events, b"data: [DONE]\n\n"] if done else events


def ndjson(*payloads: Any) -> list[bytes]:
    return [orjson.dumps(p) + b"\n" for p in payloads]


class Stub:
    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = defaultdict(list)
        self.requests: list[Recorded] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def on(self, path: str, *replies: Reply) -> None:
        """Answer `path` with these replies in order; the last one repeats."""
        self.replies[path].extend(replies)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.requests.append(
            Recorded(
                request.method,
                request.path,
                dict(request.query),
                dict(request.headers),
                orjson.loads(raw) if raw else None,
            )
        )
        queue = self.replies.get(request.path)
        if not queue:
            return web.json_response({"error": {"message": "no stub"}}, status=404)
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return await self._answer(request, reply)

    async def _answer(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.drop:
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if reply.chunks is None:
            body = reply.body if reply.body is not None else orjson.dumps(reply.json)
            return web.Response(
                status=reply.status,
                body=body,
                headers=reply.headers,
                content_type=reply.content_type,
            )
        response = web.StreamResponse(status=reply.status, headers=reply.headers)
        response.content_type = reply.content_type
        await response.prepare(request)
        for chunk in reply.chunks:
            await response.write(chunk)
            await asyncio.sleep(0)
        await response.write_eof()
        return response
