"""The admin's walk through the console of issue 13, in a real Chromium against a running Turnout
and the fake upstream: log in; add a provider, test it and make it active; add a second one as
its fallback on the Routing page; send a Playground prompt and read the streamed answer with its
latency and tokens; upload a JSONL batch on the Jobs page and watch its progress bar reach 100 %;
then switch to Chinese, reload, and still read Chinese, a server error included."""

from __future__ import annotations

import json
import re
import secrets

from playwright.async_api import Response, expect

from tests.conftest import PASSWORD, TenantFixture
from tests.console.browser.console import Console
from tests.console.browser.steps import add_provider
from turnout.fakeupstream import FakeUpstream, Fault
from turnout.i18n.catalog import load_catalogs
from turnout.security.roles import Role

PROMPT = "Summarise the plot of Hamlet in two sentences"
BATCH_SIZE = 8
# Records every value the page's progress bar shows from the moment it appears (the tenant is
# new: its one job is the batch uploaded), so that the test can tell it moved.
WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  const read = () => {
    const bar = document.querySelector('[role=progressbar]');
    const value = bar && Number(bar.getAttribute('aria-valuenow'));
    if (bar && value !== window.progressSeen.at(-1)) window.progressSeen.push(value);
  };
  new MutationObserver(read).observe(document.body,
    {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow']});
}"""


def is_generate(response: Response) -> bool:
    return response.url.endswith("/api/v1/llm/generate") and response.request.method == "POST"


async def set_up_providers(
    console: Console, tenant: TenantFixture, upstream: FakeUpstream, active: str, fallback: str
) -> None:
    """Add `active` through the form, test it and make it active; add `fallback` the same way."""
    page = console.page
    await console.menu_item("common:nav.providers").click()
    await add_provider(console, tenant, name=active, base_url=upstream.url_for("openai"))
    row = page.get_by_role("row").filter(has_text=active)
    await console.action("providers:actions.testNamed", active).click()
    await expect(row).to_contain_text(
        console.pattern("providers:lastTest.ok", latency=r"[\d.,]+ ms")
    )
    await console.action("providers:actions.activateNamed", active).click()
    await expect(row).to_contain_text(console.t("providers:badges.active"))
    await add_provider(console, tenant, name=fallback, base_url=upstream.url_for("openai"))


async def make_fallback(console: Console, name: str) -> None:
    """On the Routing page: add `name` after the active provider, save, and find it saved."""
    page = console.page
    await console.menu_item("common:nav.routing").click()
    await page.get_by_role("combobox", name=console.t("routing:fallbacks.add")).click()
    await page.locator(".ant-select-item-option").filter(has_text=name).click()
    fallbacks = page.get_by_role("list", name=console.t("routing:fallbacks.title"))
    await expect(fallbacks.get_by_role("listitem")).to_have_text([re.compile(name)])
    await console.button("routing:save").click()
    await expect(page.get_by_text(console.t("routing:saved"))).to_be_visible()

    await page.reload()
    await expect(fallbacks.get_by_role("listitem")).to_have_text([re.compile(name)])
    await console.menu_item("common:nav.providers").click()
    await expect(page.get_by_role("row").filter(has_text=name)).to_contain_text(
        console.t("providers:badges.fallback", position=1)
    )


async def send_prompt(console: Console) -> None:
    """In the Playground: send PROMPT, read the answer as it was streamed, with its figures."""
    page = console.page
    await console.menu_item("playground:nav").click()
    await page.get_by_role("textbox", name=console.t("playground:prompt")).fill(PROMPT)
    async with page.expect_response(is_generate) as answered:
        await console.button("playground:send").click()
    response = await answered.value
    assert response.headers["content-type"].startswith("text/event-stream")

    output = page.get_by_role("log", name=console.t("playground:outputOf", panel=console.t(
        "playground:answer")))
    # The fake upstream answers "echo: <prompt>".
    await expect(output).to_have_text(f"echo: {PROMPT}")
    figures = page.locator(".ant-descriptions")
    await expect(figures).to_contain_text(console.t("playground:figures.latency"))
    await expect(figures).to_contain_text(re.compile(r"\d+ ms"))
    await expect(figures).to_contain_text(console.pattern(
        "playground:figures.tokensValue", prompt=r"[1-9]\d*", completion=r"[1-9]\d*",
        total=r"[1-9]\d*"))


async def upload_batch(console: Console, upstream: FakeUpstream) -> None:
    """On the Jobs page: upload a JSONL batch and watch its progress bar go up to 100 %."""
    page = console.page
    await console.menu_item("jobs:nav").click()
    lines = [json.dumps({"custom_id": f"q{n}", "prompt": f"Question {n}"}) for n in
             range(1, BATCH_SIZE + 1)]
    await page.locator("input[type=file]").set_input_files(
        {"name": "questions.jsonl", "mimeType": "application/x-ndjson",
         "buffer": "\n".join(lines).encode()}
    )
    # Half the answers come 15 s late, far longer than the page takes to show the new job even
    # on a busy machine, so that the bar is seen below 100 % before it gets there.
    upstream.enqueue(Fault(latency_s=15.0), times=BATCH_SIZE // 2)
    await page.evaluate(WATCH_PROGRESS)
    async with page.expect_response(lambda r: r.url.split("?")[0].endswith("/batch/jsonl")) as sent:
        await console.button("jobs:upload.submit").click()
    job = await (await sent.value).json()
    label = console.t("jobs:progressOf", id=job["id"])
    created = console.t("jobs:upload.created", total=BATCH_SIZE)
    await expect(page.get_by_text(created)).to_be_visible()

    bar = page.get_by_role("progressbar", name=label)
    await expect(bar).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    row = page.get_by_role("row").filter(has=bar)
    await expect(row).to_contain_text(console.t("jobs:status.completed"))
    await expect(row).to_contain_text(
        console.t("jobs:counts", completed=BATCH_SIZE, failed=0, total=BATCH_SIZE)
    )
    seen = await page.evaluate("window.progressSeen")
    assert seen == sorted(seen), f"the progress bar went back: {seen}"
    assert seen[0] < 100 and seen[-1] == 100, f"the bar did not move up to 100: {seen}"


async def expect_chinese_after_reload(
    console: Console, upstream: FakeUpstream, active: str
) -> None:
    """Switch to zh-CN, reload, still read zh-CN, and read in it the refusal of `active`."""
    page = console.page
    await console.choose_language("zh-CN")
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(console.menu_item("playground:nav")).to_be_visible()
    await expect(page.get_by_role("heading", name=console.t("jobs:title"))).to_be_visible()

    # Asked of the active provider by name, so that only it is tried; its refusal is listed.
    upstream.set_fault(Fault(error="context_length"))
    console.expect_failed_requests(503)
    await console.menu_item("playground:nav").click()
    panel = console.t("playground:answer")
    await page.get_by_role("combobox", name=console.t("playground:providerOf", panel=panel)).click()
    await page.locator(".ant-select-item-option").filter(has_text=active).click()
    await page.get_by_role("textbox", name=console.t("playground:prompt")).fill(PROMPT)
    await console.button("playground:send").click()

    catalog = load_catalogs()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text(catalog.t("errors.ALL_PROVIDERS_FAILED", "zh-CN"))
    tried = alert.get_by_role("list", name=console.t("playground:attempts"))
    await expect(tried.get_by_role("listitem")).to_have_text([console.pattern(
        "playground:attempt", provider=re.escape(active), model=r"[\w.-]+",
        message=re.escape(catalog.t("errors.CONTEXT_LENGTH_EXCEEDED", "zh-CN")))])


async def test_an_admin_sets_up_providers_routing_tries_a_prompt_and_runs_a_batch(
    console: Console, tenant: TenantFixture, upstream: FakeUpstream
):
    active, fallback = f"main-{secrets.token_hex(3)}", f"spare-{secrets.token_hex(3)}"
    await console.open("/login")
    await console.log_in(tenant.usernames[Role.ADMIN], PASSWORD)

    await set_up_providers(console, tenant, upstream, active, fallback)
    await make_fallback(console, fallback)
    await send_prompt(console)
    await upload_batch(console, upstream)
    await expect_chinese_after_reload(console, upstream, active)
