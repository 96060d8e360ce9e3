"""Every page of the console drawn with data in it, in English and in Chinese, without an error
in the page, each saved as a screenshot (TURNOUT_SCREENSHOTS_DIR, default docs/screenshots)."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from playwright.async_api import Locator, expect

from tests.conftest import PASSWORD, TenantFixture
from tests.console.browser.console import Console
from turnout.fakeupstream import FakeUpstream
from turnout.security.roles import Role

PROMPT = "Is this review positive? “Arrived late, but works perfectly.”"


@dataclass(frozen=True)
class Seeded:
    admin: str
    active: str
    fallback: str
    key: str


@dataclass(frozen=True)
class ConsolePage:
    """A page: where its menu entry leads, its screenshot's name and the heading it shows."""

    path: str
    name: str
    menu: str
    heading: str


PAGES = [
    ConsolePage("providers", "providers", "common:nav.providers", "providers:title"),
    ConsolePage("routing", "routing", "common:nav.routing", "routing:title"),
    ConsolePage("health", "health", "common:nav.health", "health:title"),
    ConsolePage("alerts", "alerts", "alerts:nav", "alerts:title"),
    ConsolePage("usage", "usage", "usage:nav", "usage:title"),
    ConsolePage("playground", "playground", "playground:nav", "playground:title"),
    ConsolePage("jobs", "jobs", "jobs:nav", "jobs:title"),
    ConsolePage("preannotation", "preannotation", "preannotation:nav", "preannotation:title"),
    ConsolePage("models", "models", "models:nav", "models:title"),
    ConsolePage("keys", "api-keys", "keys:nav", "keys:title"),
    ConsolePage("users", "users", "users:nav", "users:title"),
    ConsolePage("audit", "audit", "audit:nav", "audit:title"),
]


async def seed(url: str, app: FastAPI, tenant: TenantFixture, upstream: FakeUpstream) -> Seeded:
    """Through the API: two providers (one active, one its fallback), an API key, a few
    answered prompts and a finished batch job, so that each page has something to show."""
    tag = secrets.token_hex(2)
    seeded = Seeded(tenant.usernames[Role.ADMIN], f"main-{tag}", f"spare-{tag}", f"labeller-{tag}")
    async with httpx.AsyncClient(base_url=url, headers=tenant.headers(), timeout=60) as api:
        ids = []
        for name in (seeded.active, seeded.fallback):
            body = {"name": name, "provider_type": "openai", "base_url": upstream.url_for("openai"),
                    "api_key": "sk-live-" + secrets.token_hex(8), "models": {"chat": "gpt-4o-mini"}}
            created = (await api.post("/admin/config/llm", json=body)).raise_for_status()
            ids.append(created.json()["id"])
        routing = {"active_provider_id": ids[0], "fallback_provider_ids": [ids[1]]}
        (await api.put("/api/v1/llm/routing", json=routing)).raise_for_status()
        key = {"name": seeded.key, "role": "member"}
        (await api.post("/api/v1/keys", json=key)).raise_for_status()
        for n in range(5):
            body = {"prompt": f"{PROMPT} ({n})"} | ({"provider_id": ids[1]} if n % 2 else {})
            (await api.post("/api/v1/llm/generate", json=body)).raise_for_status()
        batch = {"requests": [{"custom_id": f"r{n}", "prompt": f"Review {n}"} for n in range(12)]}
        job = (await api.post("/api/v1/llm/batch", json=batch)).raise_for_status().json()
        async with asyncio.timeout(120):
            while job["status"] != "completed":
                await asyncio.sleep(0.2)
                job = (await api.get(f"/api/v1/jobs/{job['id']}")).raise_for_status().json()
    await app.state.services.usage.flush()
    # The session's monitor checks hourly: one round now gives the Health page its readings.
    await app.state.services.health.run_round()
    return seeded


def content(console: Console, page: ConsolePage, seeded: Seeded) -> Locator:
    """What shows the page drew its data, not only its frame."""
    view = console.page.locator("main")
    rows = view.get_by_role("row")
    match page.path:
        case "providers" | "health":
            return rows.filter(has_text=seeded.fallback)
        case "routing":
            return view.get_by_role("list", name=console.t("routing:fallbacks.title"))
        case "usage":
            return view.locator(".recharts-surface").first
        case "alerts":
            return view.get_by_text(console.t("alerts:webhook.notSet"), exact=True)
        case "models":
            return rows.filter(has_text="gpt-4o-mini").first
        case "jobs":
            return rows.filter(has_text=console.t("jobs:status.completed"))
        case "keys":
            return rows.filter(has_text=seeded.key)
        case "users":
            return rows.filter(has_text=seeded.admin)
        case "audit":
            return rows.filter(has_text=console.t("audit:target.routing"))
        case _:
            return view.get_by_role("heading", name=console.t(page.heading))


async def run_connection_tests(console: Console, seeded: Seeded) -> None:
    """On the Providers page, so that its screenshot shows the last test of each."""
    for name in (seeded.active, seeded.fallback):
        await console.action("providers:actions.testNamed", name).click()
        await expect(console.page.get_by_role("row").filter(has_text=name)).to_contain_text(
            console.pattern("providers:lastTest.ok", latency=r"[\d.,]+ ms")
        )
    await console.messages_gone()


async def open_the_routing_change(console: Console) -> None:
    """In the audit log, so that its screenshot shows an entry's fields before and after."""
    row = console.page.get_by_role("row").filter(has_text=console.t("audit:target.routing"))
    await row.locator(".ant-table-row-expand-icon").click()
    await expect(console.page.locator(".ant-table-expanded-row")).to_contain_text(
        console.t("audit:diff.before")
    )


async def try_a_prompt(console: Console) -> None:
    """In the Playground, so that its screenshot shows an answer and its figures."""
    page = console.page
    await page.get_by_role("textbox", name=console.t("playground:prompt")).fill(PROMPT)
    await console.button("playground:send").click()
    await expect(page.locator(".ant-descriptions")).to_contain_text(re.compile(r"\d+ ms"))


async def visit_every_page(console: Console, seeded: Seeded) -> None:
    for page in PAGES:
        await console.menu_item(page.menu).click()
        await expect(console.page).to_have_url(re.compile(f"/{page.path}$"))
        heading = console.page.get_by_role("heading", name=console.t(page.heading))
        await expect(heading).to_be_visible()
        await expect(content(console, page, seeded)).to_be_visible()
        if page.path == "providers":
            await run_connection_tests(console, seeded)
        if page.path == "playground":
            await try_a_prompt(console)
        if page.path == "audit":
            await open_the_routing_change(console)
        await console.screenshot(page.name)


async def test_every_page_is_drawn_in_both_languages(
    console: Console, console_app: FastAPI, tenant: TenantFixture, upstream: FakeUpstream
):
    seeded = await seed(console.url, console_app, tenant, upstream)
    await console.open("/login")
    await console.log_in(tenant.usernames[Role.ADMIN], PASSWORD)

    await visit_every_page(console, seeded)
    await console.choose_language("zh-CN")
    await visit_every_page(console, seeded)
