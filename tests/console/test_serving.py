"""The console is served at `/` beside the API: its files, its client-side routes, and never an
API path (an unknown one is still the JSON 404)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from turnout.app import create_app
from turnout.console.serving import api_prefixes
from turnout.settings import Settings

INDEX = "<!doctype html><html><body><div id='root'></div></body></html>"
ASSET = "console.log('built');"


@pytest.fixture(scope="module")
def console_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A console build as Vite lays it out: index.html, hashed assets, public files."""
    directory = tmp_path_factory.mktemp("console")
    (directory / "index.html").write_text(INDEX)
    (directory / "assets").mkdir()
    (directory / "assets" / "index-3f9a1c.js").write_text(ASSET)
    (directory / "favicon.svg").write_text("<svg/>")
    return directory


@pytest.fixture(scope="module")
async def console_app(settings: Settings, console_dir: Path) -> AsyncIterator[FastAPI]:
    application = create_app(settings.model_copy(update={"console_dir": console_dir}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(console_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=console_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout.test") as client:
        yield client


async def test_the_root_serves_the_console(http):
    response = await http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/providers", "/providers/abc/edit", "/health", "/login"])
async def test_a_client_route_serves_the_console(http, path):
    response = await http.get(path)
    assert response.status_code == 200
    assert response.text == INDEX


async def test_hashed_assets_are_cached_for_good(http):
    response = await http.get("/assets/index-3f9a1c.js")
    assert response.status_code == 200
    assert response.text == ASSET
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_public_files_are_revalidated(http):
    response = await http.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"


async def test_console_answers_carry_a_request_id(http):
    response = await http.get("/routing")
    assert response.headers.get("x-request-id")


@pytest.mark.parametrize(
    "path", ["/api/unknown", "/api/v1/nothing/here", "/v1/nothing", "/admin/config/nothing"]
)
async def test_an_unknown_api_path_is_still_a_json_404(http, path):
    response = await http.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"].upper() == "NOT_FOUND"  # /v1: OpenAI's shape


async def test_api_routes_are_still_the_apis(http):
    health = await http.get("/healthz")
    assert health.status_code == 200
    assert health.headers["content-type"].startswith("application/json")
    document = await http.get("/openapi.json")
    assert "paths" in document.json()
    methods = await http.get("/api/v1/llm/methods")
    assert isinstance(methods.json(), list)


async def test_a_wrong_method_on_an_api_path_is_still_refused_as_such(http):
    response = await http.get("/api/v1/llm/generate")
    assert response.status_code == 405


async def test_other_methods_on_console_paths_reach_the_api(http):
    response = await http.post("/providers", json={})
    assert response.status_code in (404, 405)
    assert response.headers["content-type"].startswith("application/json")


async def test_a_path_that_climbs_out_of_the_build_gets_the_console_not_the_file(http):
    response = await http.get("/assets/../../../etc/passwd")
    assert response.status_code == 200
    assert response.text == INDEX


def test_no_console_page_shares_a_prefix_with_the_api(console_app):
    """The console's pages (frontend/src/app/pages.tsx) and /login never hide an API path."""
    pages = Path(__file__).parents[2] / "frontend" / "src" / "app" / "pages.tsx"
    paths = re.findall(r"^\s+path: '([^']+)'", pages.read_text(), flags=re.MULTILINE)
    assert paths, "no page paths found in pages.tsx"
    prefixes = api_prefixes(console_app.router.routes)
    for path in [*paths, "login"]:
        assert "/" + path.split("/")[0] not in prefixes


async def test_without_a_build_only_the_api_is_served(settings, tmp_path):
    application = create_app(settings.model_copy(update={"console_dir": tmp_path}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
