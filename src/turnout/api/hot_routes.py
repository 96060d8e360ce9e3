"""Dispatch of the hot-path endpoints ahead of the framework's routing.

The lean endpoints (generate, chat completions, embeddings — see `lean.py`) need nothing from
routing, dependency injection or the exception middlewares: they authenticate and validate by
hand and their errors go through the same `response_for`. This pure-ASGI middleware sends a
request whose method and exact path belong to one of them straight to it, which takes about a
sixth off the hot path's CPU time (measured by the benchmark's profile); every other request
goes through the full stack as before. The routes stay registered with the framework too, so
they appear in the OpenAPI document and answer the same when reached with a root path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout.api.errors import response_for

Endpoint = Callable[[Request], Awaitable[Response]]


def lean_endpoints(routes: Iterable[BaseRoute]) -> dict[tuple[str, str], Endpoint]:
    """(method, path) → endpoint for every lean route without path parameters."""
    table: dict[tuple[str, str], Endpoint] = {}
    for context in iter_route_contexts(list(routes)):
        route = getattr(context, "original_route", context)  # as included, prefix and all
        path = context.path
        if not isinstance(route, APIRoute) or path is None or "{" in path:
            continue
        if getattr(route.endpoint, "required_role", None) is None:
            continue  # not a lean endpoint: it needs the dependency machinery
        for method in route.methods or ():
            table[(method, path)] = route.endpoint
    return table


class HotRoutes:
    def __init__(self, app: ASGIApp, endpoints: dict[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            endpoint = self.endpoints.get((scope["method"], scope["path"]))
            if endpoint is not None:
                request = Request(scope, receive)
                try:
                    response = await endpoint(request)
                except Exception as exc:
                    response = response_for(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
