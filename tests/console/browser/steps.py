"""Steps several flows take through the console's forms, with the labels the server gives them."""

from __future__ import annotations

import secrets

import httpx
from playwright.async_api import expect

from tests.conftest import TenantFixture
from tests.console.browser.console import Console

PROVIDER_TYPE = "openai"


async def field_labels(console: Console, tenant: TenantFixture) -> dict[str, str]:
    """The provider type's field labels as the server sends them in the console's language."""
    headers = tenant.headers() | {"Accept-Language": console.language}
    async with httpx.AsyncClient(base_url=console.url, headers=headers) as api:
        catalog = (await api.get("/api/v1/llm/methods")).raise_for_status().json()
    entry = next(entry for entry in catalog if entry["type"] == PROVIDER_TYPE)
    return {field["name"]: field["label"] for field in entry["fields"]}


async def fill_provider_form(
    console: Console, tenant: TenantFixture, *, name: str, base_url: str
) -> None:
    labels = await field_labels(console, tenant)
    dialog = console.page.get_by_role("dialog")
    await dialog.get_by_label(console.t("providers:form.name"), exact=True).fill(name)
    await dialog.get_by_label(labels["base_url"], exact=True).fill(base_url)
    await dialog.get_by_label(labels["api_key"], exact=True).fill("sk-live-" + secrets.token_hex(8))
    await dialog.get_by_label(labels["models.chat"], exact=True).fill("gpt-4o-mini")


async def add_provider(
    console: Console, tenant: TenantFixture, *, name: str, base_url: str
) -> None:
    """On the Providers page: add a provider through the form and see its row."""
    await console.button("providers:add").first.click()
    await fill_provider_form(console, tenant, name=name, base_url=base_url)
    await console.button("common:actions.save").click()
    await expect(console.page.get_by_role("dialog")).to_be_hidden()
    await expect(console.page.get_by_role("row").filter(has_text=name)).to_be_visible()
