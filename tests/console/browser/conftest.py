"""A real Chromium (Debian's, driven by Playwright) against a real Turnout serving the built
console over HTTP, for the flows a user walks in the console.

Chromium is found at TURNOUT_TEST_CHROMIUM or /usr/bin/chromium; scripts/chromium.sh installs it
and scripts/test.sh then sets TURNOUT_TEST_CHROMIUM_REQUIRED=1, so a Chromium that cannot be
found or started fails these tests. Only where it could not be installed at all (no apt-get)
are they skipped, and the run ends with a banner saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Error, Playwright, async_playwright, expect

from tests.console.browser.console import Console
from tests.served import served_over_http
from turnout.app import create_app
from turnout.console.serving import packaged_console
from turnout.settings import Settings

REPO = Path(__file__).resolve().parents[3]
VIEWPORT = {"width": 1280, "height": 800}
# As root in a container, without a screen, and with no network beyond loopback: without the
# background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Upper bounds for what a test waits to see, generous for a busy machine (Playwright's are 5 s).
expect.set_options(timeout=30_000)

_unavailable: list[str] = []


def _unavailable_here(reason: str) -> None:
    if os.environ.get("TURNOUT_TEST_CHROMIUM_REQUIRED") == "1":
        pytest.fail(f"Chromium is required here but unavailable: {reason}")
    _unavailable.append(reason)
    pytest.skip(f"CHROMIUM UNAVAILABLE, the console's browser tests are skipped: {reason}")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    path = Path(os.environ.get("TURNOUT_TEST_CHROMIUM") or "/usr/bin/chromium")
    if not os.access(path, os.X_OK):
        _unavailable_here(f"no Chromium at {path}")
    return path


@pytest.fixture(scope="session")
def console_dir() -> Path:
    """The console as built from frontend/ (rebuilt here when a source is newer than the build)."""
    directory = packaged_console()
    if shutil.which("npm"):
        subprocess.run(["bash", str(REPO / "scripts" / "build-console.sh")], check=True)
    if not (directory / "index.html").is_file():
        pytest.fail(f"the console is not built ({directory} has no index.html) and npm is missing")
    return directory


@pytest.fixture(scope="package")
async def console_app(settings: Settings, console_dir: Path) -> AsyncIterator[FastAPI]:
    # Its own app, so that the console is served whether or not it was built before the
    # session's app was made; it shares the session's database and state. It stops after this
    # folder's tests: left running, its job runner would take items of later tests' jobs.
    application = create_app(settings.model_copy(update={"console_dir": console_dir}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="package")
async def console_url(console_app: FastAPI) -> AsyncIterator[str]:
    """Turnout with its console, served by uvicorn on a free loopback port."""
    async with served_over_http(console_app) as url:
        yield url


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
async def browser(playwright: Playwright, chromium_path: Path) -> AsyncIterator[Browser]:
    try:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
    except Error as exc:
        _unavailable_here(f"{chromium_path} did not start: {exc.message}")
    yield chromium
    await chromium.close()


@pytest.fixture
async def console(
    browser: Browser, console_url: str, services: object
) -> AsyncIterator[Console]:
    """A fresh browser context (no stored session or language) on the console's origin.

    `services` ties the test to the session app so that its tables are emptied afterwards.
    Any error the page logs fails the test once it is done.
    """
    context = await browser.new_context(viewport=VIEWPORT, base_url=console_url)
    context.set_default_timeout(30_000)
    page = await context.new_page()
    console = Console(page, console_url)
    try:
        yield console
    finally:
        await context.close()
    assert console.errors == [], "the console logged errors:\n" + "\n".join(console.errors)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _unavailable:
        terminalreporter.write_sep("!", "CONSOLE BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(_unavailable[0], red=True)
        terminalreporter.write_line(
            "Install Chromium with `bash scripts/chromium.sh`; scripts/test.sh does this itself.",
            red=True,
        )
