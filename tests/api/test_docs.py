"""The API docs pages work offline: every script, style sheet and icon comes from this app."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


def _asset_urls(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.urls


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_page_loads_its_assets_from_this_app(client, path):
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = _asset_urls(page.text)
    assert urls, "the page loads no script or style sheet"
    assert "://" not in page.text  # no other host, CDN or font service
    for url in urls:
        assert url.startswith("/docs/assets/")
        asset = await client.get(url)
        assert asset.status_code == 200, url
        expected = CONTENT_TYPES[url[url.rindex(".") :]]
        assert expected in asset.headers["content-type"], url
        assert len(asset.content) > 1000


async def test_swagger_ui_reads_the_schema_and_its_oauth2_redirect_page_answers(client):
    page = (await client.get("/docs")).text
    assert "'/openapi.json'" in page or '"/openapi.json"' in page
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Turnout"
    redirect = await client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and "oauth2" in redirect.text
