"""The console as a user sees it: a Playwright page with the steps the flows share, and the
console's own catalogs, so that tests look for the words a user reads in either language."""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

from playwright.async_api import ConsoleMessage, Locator, Page, expect

REPO = Path(__file__).resolve().parents[3]
FRONTEND = REPO / "frontend" / "src"
SCREENSHOTS = Path(os.environ.get("TURNOUT_SCREENSHOTS_DIR") or REPO / "docs" / "screenshots")
LANGUAGE_NAMES = {"en-US": "English", "zh-CN": "简体中文"}
# The browser reports every refused request (a 401 for a wrong password, a 422 for a bad URL)
# as a console error; the flows cause those on purpose and check what the page shows instead.
REFUSED_REQUEST = re.compile(
    r"Failed to load resource: the server responded with a status of (\d+)"
)


@cache
def _catalog(namespace: str, language: str) -> dict[str, object]:
    folder = FRONTEND / "app" if namespace == "common" else FRONTEND / "features" / namespace
    return json.loads((folder / "locales" / f"{language}.json").read_text("utf-8"))  # type: ignore[no-any-return]


def text(key: str, language: str, **params: object) -> str:
    """The console's string for `namespace:dotted.key` in `language`, as i18next renders it."""
    namespace, _, path = key.partition(":")
    value: object = _catalog(namespace, language)
    for part in path.split("."):
        assert isinstance(value, dict), f"{key} is not in the {language} catalog"
        value = value[part]
    assert isinstance(value, str), f"{key} is not a string in the {language} catalog"
    return re.sub(r"\{\{(\w+)\}\}", lambda match: str(params[match.group(1)]), value)


def text_pattern(key: str, language: str, **fragments: str) -> re.Pattern[str]:
    """The string for `key` as a pattern, its placeholders matched by the given regexes."""
    template = text(key, language, **{name: f"\0{name}\0" for name in fragments})
    parts = re.split("\0(\\w+)\0", template)
    return re.compile(
        "".join(fragments[part] if i % 2 else re.escape(part) for i, part in enumerate(parts))
    )


class Console:
    """One browser tab on the console, recording every error the page logs."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.language = "en-US"
        self.errors: list[str] = []
        self.expected_failures: set[int] = set()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not self._expected(message.text):
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _expected(self, text: str) -> bool:
        refused = REFUSED_REQUEST.search(text)
        if refused is None:
            return False
        status = int(refused.group(1))
        return 400 <= status < 500 or status in self.expected_failures

    def expect_failed_requests(self, status: int) -> None:
        """From now on, answers with `status` are caused on purpose, not errors of the page."""
        self.expected_failures.add(status)

    def t(self, key: str, **params: object) -> str:
        return text(key, self.language, **params)

    async def open(self, path: str) -> None:
        await self.page.goto(path)

    async def log_in(self, username: str, password: str) -> None:
        """From the login page: fill in the form and submit it."""
        await expect(self.page.get_by_label(self.t("auth:username"))).to_be_visible()
        await self.page.get_by_label(self.t("auth:username")).fill(username)
        await self.page.get_by_label(self.t("auth:password"), exact=True).fill(password)
        await self.button("auth:submit").click()

    async def choose_language(self, language: str) -> None:
        """Pick `language` in the header's language switch."""
        switch = self.page.get_by_role("combobox", name=self.t("common:language.label"))
        await switch.click()
        # Ant Design lists the options it draws apart from the hidden ones kept for screen readers.
        options = self.page.locator(".ant-select-item-option")
        await options.filter(has_text=LANGUAGE_NAMES[language]).click()
        self.language = language
        await expect(self.page.locator("html")).to_have_attribute("lang", language)

    def pattern(self, key: str, **fragments: str) -> re.Pattern[str]:
        return text_pattern(key, self.language, **fragments)

    def button_name(self, key: str, **params: object) -> re.Pattern[str]:
        """A button's accessible name: its icon's name, then its label, which Ant Design spaces
        out when it is two Chinese characters ("登 录")."""
        spaced = r"\s?".join(re.escape(char) for char in self.t(key, **params))
        return re.compile(f"{spaced}$")

    def button(self, key: str, **params: object) -> Locator:
        return self.page.get_by_role("button", name=self.button_name(key, **params))

    def action(self, key: str, name: str) -> Locator:
        """The button that does `key`'s action to the thing called `name` (its accessible name
        says both, as in "Test openai-1f2e3d")."""
        return self.page.get_by_role("button", name=self.t(key, name=name), exact=True)

    def menu_item(self, key: str) -> Locator:
        # Its name is its icon's, then its title: "Models" must not find "Model providers" too.
        title = re.escape(self.t(key))
        return self.page.get_by_role("menuitem", name=re.compile(rf"(^|\s){title}$"))

    async def messages_gone(self) -> None:
        """Wait until the toasts (Ant Design's messages, a few seconds each) have gone."""
        await expect(self.page.locator(".ant-message-notice")).to_have_count(0)

    async def log_out(self) -> None:
        await self.button("common:actions.logout").click()
        await expect(self.page).to_have_url(re.compile(r"/login$"))

    async def screenshot(self, name: str) -> Path:
        """Save the viewport as <name>-<language>.png in SCREENSHOTS, animations stopped, once
        nothing on the page is still loading (no skeleton, no spinner) and its fonts are in."""
        await expect(self.page.locator("#root")).not_to_be_empty()
        await expect(self.page.locator(".ant-skeleton")).to_have_count(0)
        await expect(self.page.locator(".ant-spin-spinning")).to_have_count(0)
        await self.page.evaluate("document.fonts.ready.then(() => true)")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.language}.png"
        await self.page.screenshot(path=path, animations="disabled")
        return path
