"""An admin adds a provider through the console's form against the fake upstream, sees the
server's field errors next to the field, tests the connection, makes it active, is refused its
deletion with the reason, finds it on the Health page, and does the same reading in Chinese."""

from __future__ import annotations

import secrets

import httpx
from playwright.async_api import expect

from tests.conftest import PASSWORD, TenantFixture
from tests.console.browser.console import Console
from tests.console.browser.steps import PROVIDER_TYPE, field_labels, fill_provider_form
from turnout.fakeupstream import FakeUpstream
from turnout.i18n.catalog import load_catalogs
from turnout.security.roles import Role

# A well-formed URL the browser lets through, which the server refuses on its field: credentials
# belong in the API key field.
URL_WITH_CREDENTIALS = "https://user:sk-secret@api.example.com/v1"


async def refusal_of_url_with_credentials(console: Console, tenant: TenantFixture) -> str:
    """The message the server gives for URL_WITH_CREDENTIALS's field, in the console's language."""
    headers = tenant.headers() | {"Accept-Language": console.language}
    body = {"name": "probe", "provider_type": PROVIDER_TYPE, "base_url": URL_WITH_CREDENTIALS,
            "api_key": "sk-probe-000000000000", "models": {"chat": "gpt-4o-mini"}}
    async with httpx.AsyncClient(base_url=console.url, headers=headers) as api:
        refused = await api.post("/admin/config/llm", json=body)
    assert refused.status_code == 422, refused.text
    issues = refused.json()["error"]["details"]["fields"]
    return str(next(issue["message"] for issue in issues if issue["field"] == "base_url"))


async def expect_field_error(console: Console, tenant: TenantFixture, field: str) -> None:
    labels = await field_labels(console, tenant)
    item = console.page.locator(".ant-form-item").filter(
        has=console.page.get_by_label(labels[field], exact=True)
    )
    await expect(item.locator(".ant-form-item-explain-error")).to_have_text(
        await refusal_of_url_with_credentials(console, tenant)
    )
    await item.scroll_into_view_if_needed()


async def test_an_admin_adds_tests_activates_a_provider_and_cannot_delete_it_while_active(
    console: Console, tenant: TenantFixture, upstream: FakeUpstream
):
    page = console.page
    name = f"openai-{secrets.token_hex(3)}"
    await console.open("/login")
    await console.log_in(tenant.usernames[Role.ADMIN], PASSWORD)
    await console.menu_item("common:nav.providers").click()
    await expect(page.get_by_text(console.t("providers:empty"))).to_be_visible()

    await console.button("providers:add").first.click()
    await fill_provider_form(console, tenant, name=name, base_url=URL_WITH_CREDENTIALS)
    await console.button("common:actions.save").click()
    await expect_field_error(console, tenant, "base_url")
    await console.screenshot("provider-form")

    labels = await field_labels(console, tenant)
    await page.get_by_role("dialog").get_by_label(labels["base_url"], exact=True).fill(
        upstream.url_for(PROVIDER_TYPE)
    )
    await console.button("common:actions.save").click()
    await expect(page.get_by_role("dialog")).to_be_hidden()
    row = page.get_by_role("row").filter(has_text=name)
    await expect(row).to_contain_text(console.t("providers:lastTest.none"))

    await console.action("providers:actions.testNamed", name).click()
    latency = console.pattern("providers:lastTest.ok", latency=r"[\d.,]+ ms")
    await expect(row).to_contain_text(latency)
    await expect(row).to_contain_text(console.pattern("providers:lastTest.models", count="[1-9]"))

    await console.action("providers:actions.activateNamed", name).click()
    await expect(row).to_contain_text(console.t("providers:badges.active"))

    await console.action("providers:actions.deleteNamed", name).click()
    confirmation = page.get_by_role("tooltip")
    await expect(confirmation).to_contain_text(console.t("providers:confirmDelete.active"))
    delete = console.button_name("common:actions.delete")
    await confirmation.get_by_role("button", name=delete).click()
    reason = load_catalogs().t("errors.ACTIVE_PROVIDER_DELETE", console.language)
    await expect(page.get_by_text(reason)).to_be_visible()
    await expect(row).to_be_visible()
    await console.messages_gone()

    await console.menu_item("common:nav.health").click()
    await expect(page.get_by_role("row").filter(has_text=name)).to_be_visible()

    # The same pages in Chinese, with the server's field error in Chinese.
    await console.choose_language("zh-CN")
    await expect(page.get_by_role("row").filter(has_text=name)).to_be_visible()
    await console.menu_item("common:nav.providers").click()
    await expect(row).to_contain_text(console.t("providers:badges.active"))
    await console.button("providers:add").click()
    await fill_provider_form(console, tenant, name=f"{name}-2", base_url=URL_WITH_CREDENTIALS)
    await console.button("common:actions.save").click()
    await expect_field_error(console, tenant, "base_url")
    await console.screenshot("provider-form")
    await console.button("common:actions.cancel").click()
    await console.log_out()
