"""Serves the built console at `/` beside the API, without ever shadowing an API path.

A GET or HEAD of a path outside the API's prefixes is the console's: a file of the build when
there is one, else `index.html`, so that client-side routes (/providers, /health/…) load the
app on a reload or a shared link. The API's prefixes are those of the app's own routes plus a
fixed set (/api, /v1, /admin, /ml, …), so an unknown API path still gets the JSON 404 and a
route added later under a known prefix is never hidden. Any other method passes through too,
so POST /providers is the API's usual 404 or 405.

Vite names bundled assets by their content hash: those are cached for a year; `index.html`
is revalidated on every load so that a new build is picked up at once.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

# Prefixes that belong to the API whether or not a route is registered under them today.
RESERVED_PREFIXES = frozenset({
    "/api", "/v1", "/admin", "/ml", "/docs", "/redoc", "/openapi.json",
    "/metrics", "/healthz", "/readyz",
})
ASSETS_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def packaged_console() -> Path:
    """Where the build lives inside the installed package (and the source tree)."""
    return Path(str(files("turnout.console") / "dist"))


def _first_segment(path: str) -> str:
    head = path.split("/", 2)[1] if path.startswith("/") else path
    return f"/{head}"


def api_prefixes(routes: list[BaseRoute]) -> frozenset[str]:
    """The reserved prefixes and the first path segment of every route the app has."""
    found = set(RESERVED_PREFIXES)
    for route in routes:
        if isinstance(route, Route | Mount) and route.path not in ("", "/"):
            found.add(_first_segment(route.path))
    return frozenset(found)


class ConsoleMiddleware:
    """Answers GET/HEAD of non-API paths from the console build; everything else goes on."""

    def __init__(self, app: ASGIApp, *, directory: Path, fastapi_app: FastAPI) -> None:
        self.app = app
        self.directory = directory.resolve()
        self.index = self.directory / "index.html"
        self._fastapi_app = fastapi_app
        self._prefixes: frozenset[str] | None = None

    def _is_api(self, path: str) -> bool:
        if self._prefixes is None:  # routes are complete once the app serves its first request
            self._prefixes = api_prefixes(self._fastapi_app.router.routes)
        return _first_segment(path) in self._prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or self._is_api(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        await self._file_for(scope["path"])(scope, receive, send)

    def _file_for(self, path: str) -> FileResponse:
        candidate = (self.directory / path.lstrip("/")).resolve()
        inside = candidate.is_relative_to(self.directory) and candidate != self.directory
        if inside and candidate.is_file():
            immutable = candidate.parent == self.directory / ASSETS_DIR
            return FileResponse(
                candidate, headers={"Cache-Control": IMMUTABLE if immutable else REVALIDATE}
            )
        return FileResponse(self.index, headers={"Cache-Control": REVALIDATE})


def install_console(app: FastAPI, directory: Path | None = None) -> bool:
    """Serve the console built in `directory` (default: the packaged one) if it was built."""
    directory = directory or packaged_console()
    if not (directory / "index.html").is_file():
        log.warning(
            "the admin console is not built (%s has no index.html): only the API is served; "
            "`make run` builds it", directory,
        )
        return False
    app.add_middleware(ConsoleMiddleware, directory=directory, fastapi_app=app)
    return True
