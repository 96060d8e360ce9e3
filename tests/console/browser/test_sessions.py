"""Logging in and out, the language a user chose (property 23), what each role may open, and a
session the server ended, walked in a real Chromium against a running Turnout."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.conftest import PASSWORD, TenantFixture
from tests.console.browser.console import Console
from turnout.i18n.catalog import load_catalogs
from turnout.security.roles import Role


async def test_an_admin_logs_in_sees_the_admin_pages_and_logs_out(
    console: Console, tenant: TenantFixture
):
    await console.open("/")
    await expect(console.page).to_have_url(re.compile(r"/login$"))
    await expect(console.button("auth:submit")).to_be_visible()
    await console.screenshot("login")

    await console.log_in(tenant.usernames[Role.ADMIN], PASSWORD)

    await expect(console.menu_item("common:nav.providers")).to_be_visible()
    await expect(console.menu_item("common:nav.health")).to_be_visible()
    await expect(console.page.get_by_text(tenant.usernames[Role.ADMIN])).to_be_visible()
    await console.log_out()
    await console.open("/health")
    await expect(console.page).to_have_url(re.compile(r"/login$"))


async def test_the_chosen_language_survives_a_reload_and_server_errors_come_in_it(
    console: Console, tenant: TenantFixture
):
    await console.open("/login")
    await console.choose_language("zh-CN")
    await console.screenshot("login")

    await console.log_in(tenant.usernames[Role.ADMIN], "not-the-password")
    refusal = load_catalogs().t("errors.INVALID_CREDENTIALS", "zh-CN")
    await expect(console.page.get_by_role("alert")).to_contain_text(refusal)

    await console.page.reload()
    await expect(console.button("auth:submit")).to_be_visible()
    await console.log_in(tenant.usernames[Role.ADMIN], PASSWORD)
    await expect(console.menu_item("common:nav.health")).to_be_visible()
    await console.page.reload()
    await expect(console.menu_item("common:nav.providers")).to_be_visible()
    await expect(console.page.locator("html")).to_have_attribute("lang", "zh-CN")


async def test_a_member_is_not_shown_admin_pages_and_is_refused_them(
    console: Console, tenant: TenantFixture
):
    await console.open("/login")
    await console.log_in(tenant.usernames[Role.MEMBER], PASSWORD)

    await expect(console.menu_item("common:nav.health")).to_be_visible()
    await expect(console.menu_item("common:nav.providers")).to_have_count(0)
    await console.open("/providers")
    await expect(console.page.get_by_text(console.t("common:forbidden.title"))).to_be_visible()
    await expect(console.page.get_by_text(console.t("common:forbidden.detail"))).to_be_visible()


async def test_a_session_the_server_ended_goes_back_to_login_saying_so(
    console: Console, tenant: TenantFixture
):
    await console.open("/login")
    await console.log_in(tenant.usernames[Role.MEMBER], PASSWORD)
    await expect(console.menu_item("common:nav.health")).to_be_visible()

    # A password reset by the admin ends every session of that user.
    async with httpx.AsyncClient(base_url=console.url, headers=tenant.headers()) as admin:
        reset = await admin.patch(
            f"/api/v1/users/{tenant.users[Role.MEMBER]}", json={"password": "a-new-password-1"}
        )
        assert reset.status_code == 200, reset.text
    await console.page.reload()

    await expect(console.page).to_have_url(re.compile(r"/login$"))
    await expect(console.page.get_by_role("alert")).to_contain_text(
        console.t("auth:ended.expired")
    )
