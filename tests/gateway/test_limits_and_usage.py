"""Rate limits, the usage trail across a shutdown, client disconnects and cache outages."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from sqlalchemy import func, select
from tests.conftest import build_tenant
from tests.gateway.helpers import ask, providers

from turnout.app import create_app
from turnout.fakeupstream import Fault
from turnout.state.cache import RedisResponseCache
from turnout.state.factory import redis_client
from turnout.store.models import UsageLog


async def test_saturated_provider_sends_requests_to_the_next_candidate(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "qwen", rpm=1)
    first = (await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())).json()
    second = (await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())).json()
    assert first["provider_id"] == setup.ids["openai"]
    assert second["provider_id"] == setup.ids["qwen"]
    assert (
        second["attempts"][0]["code"] == "RATE_LIMITED"
        and second["attempts"][0]["status"] == "skipped"
    )


async def test_nothing_can_serve_gives_rate_limited_with_retry_after(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", rpm=1)
    await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())
    response = await client.post(
        "/api/v1/llm/generate", json=ask(deadline_s=1), headers=setup.member()
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    # The window is 60 s, counted in 3 s buckets: the slot frees within 63 s.
    assert 1 <= int(response.headers["retry-after"]) <= 63


async def test_tokens_per_minute_limit(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", tpm=50)
    long_text = "word " * 400  # about 500 tokens by the estimate
    response = await client.post(
        "/api/v1/llm/generate", json=ask(long_text, deadline_s=1), headers=setup.member()
    )
    assert response.status_code == 429


async def test_a_request_refused_for_its_tokens_spends_no_request_slot(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", rpm=2, tpm=200)
    too_long = ask("word " * 400, deadline_s=1)  # about 500 tokens: never fits
    refused = await client.post("/api/v1/llm/generate", json=too_long, headers=setup.member())
    assert refused.status_code == 429
    answered = [
        (await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())).status_code
        for _ in range(2)
    ]
    assert answered == [200, 200]  # both request slots were still free


async def test_api_key_rpm_limit(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    created = (
        await client.post(
            "/api/v1/keys",
            json={"name": "slow", "role": "member", "rpm_limit": 2},
            headers=tenant.headers(),
        )
    ).json()
    auth = {"Authorization": f"Bearer {created['key']}"}
    codes = [
        (await client.post("/api/v1/llm/generate", json=ask(), headers=auth)).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert setup


async def test_usage_rows_equal_requests_even_after_shutdown(settings, upstream, services):
    """A separate app: requests, then shutdown with rows still buffered; all rows land."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        own = app.state.services
        tenant = await build_tenant(own)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            setup = await providers(http, tenant, upstream, "openai")
            upstream.enqueue(Fault(error="auth"))  # one failure counts too
            for i in range(7):
                await http.post(
                    "/api/v1/llm/generate", json=ask(f"n{i}", temperature=0), headers=setup.member()
                )
            await http.post(
                "/api/v1/llm/generate", json=ask("n1", temperature=0), headers=setup.member()
            )
        assert own.usage.pending == 8  # nothing written yet: no database round trip per request
    async with services.sessions() as session:
        counted = (
            await session.execute(
                select(UsageLog.status, UsageLog.cached, func.count())
                .where(UsageLog.tenant_id == tenant.id)
                .group_by(UsageLog.status, UsageLog.cached)
            )
        ).all()
    assert sorted(counted) == [("error", False, 1), ("ok", False, 6), ("ok", True, 1)]


async def test_database_outage_delays_usage_rows_without_losing_them(
    services, client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "openai")
    await client.post("/api/v1/llm/generate", json=ask(), headers=setup.member())
    real_sessions = services.usage._sessions

    def broken():
        raise ConnectionRefusedError("database down")

    services.usage._sessions = broken
    try:
        with contextlib.suppress(ConnectionRefusedError):
            await services.usage.flush()
        assert services.usage.pending == 1
    finally:
        services.usage._sessions = real_sessions
    assert await services.usage.flush() == 1


async def test_client_disconnect_cancels_the_upstream_call(services, tenant, upstream, client):
    from starlette.requests import Request

    from turnout.api.disconnect import unless_disconnected
    from turnout.errors import ClientDisconnected
    from turnout.gateway.context import Caller, GatewayRequest
    from turnout.providers import ChatRequest

    setup = await providers(client, tenant, upstream, "openai")
    upstream.set_fault(Fault(hang=True))
    messages = [{"type": "http.disconnect"}]

    async def receive():
        await asyncio.sleep(0.1)
        return messages.pop()

    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []}, receive)
    work = GatewayRequest(
        caller=Caller(tenant.id),
        request_id="r-disconnect",
        chat=ChatRequest(messages=[{"role": "user", "content": "x"}]),
    )
    started = asyncio.get_running_loop().time()
    with pytest.raises(ClientDisconnected):
        await unless_disconnected(request, services.switcher.generate(work))
    assert asyncio.get_running_loop().time() - started < 1.0
    assert setup


async def test_cache_outage_is_a_miss_not_an_error(services, client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    working = services.switcher.deps.cache
    dead = redis_client("redis://127.0.0.1:1/0")
    services.switcher.deps.cache = RedisResponseCache(dead)
    try:
        for _ in range(2):
            response = await client.post(
                "/api/v1/llm/generate", json=ask("x", temperature=0), headers=setup.member()
            )
            assert response.status_code == 200 and response.json()["cached"] is False
    finally:
        services.switcher.deps.cache = working
        await dead.aclose()


async def test_the_flusher_reports_its_backlog_while_the_database_is_down(services, tenant):
    from turnout.gateway.usage import UsageRecorder

    database = {"up": False}
    reported: list[int] = []
    changed = asyncio.Event()

    def sessions():
        if not database["up"]:
            raise ConnectionRefusedError("database down")
        return services.sessions()

    def on_backlog(rows: int) -> None:
        reported.append(rows)
        changed.set()

    recorder = UsageRecorder(sessions, flush_interval_s=0.01, on_backlog=on_backlog)
    recorder.record(tenant_id=tenant.id, request_id="r-backlog", status="ok")
    await recorder.start()
    try:
        await asyncio.wait_for(changed.wait(), timeout=30)
        assert reported[-1] == 1
        database["up"] = True
        while reported[-1] != 0:
            changed.clear()
            await asyncio.wait_for(changed.wait(), timeout=30)
    finally:
        await recorder.close()
    assert recorder.pending == 0


async def test_a_flush_writes_what_was_queued_when_it_began():
    """Rows queued while a flush writes wait for the next one: steady traffic gets one batch a
    tick, never a stream of tiny writes chasing new rows."""
    from turnout.gateway.usage import UsageRecorder

    recorder = UsageRecorder(None)  # type: ignore[arg-type]
    batches: list[int] = []

    async def write(batch):
        batches.append(len(batch))
        recorder.record(request_id="arrived-during-the-write")
        return len(batch)

    recorder._write = write  # type: ignore[method-assign]
    for n in range(3):
        recorder.record(request_id=f"r{n}")
    assert await recorder.flush() == 3
    assert batches == [3] and recorder.pending == 1
