"""Alerts: the structured log line, webhook delivery with retries, and the outbound guard."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from turnout.health import HealthState, ProviderRef, Transition
from turnout.health.alerts import MAX_CONCURRENT, AlertDispatcher
from turnout.health.webhook import RetryPlan, deliver
from turnout.i18n import load_catalogs
from turnout.security.outbound import OutboundPolicy

QUICK = RetryPlan(attempts=3, base_delay_s=0.01, max_delay_s=0.02, timeout_s=2)
REF = ProviderRef("p-1", "t-1", "primary", "openai")
AT = datetime(2026, 1, 1, tzinfo=UTC)
# An upper bound for what must not hang, far above what any machine takes: never a measure.
WAIT_S = 30


def transition(before: str, after: str) -> Transition:
    return Transition(
        REF, HealthState(status=before),  # type: ignore[arg-type]
        HealthState(status=after, consecutive_failures=3, last_error="UPSTREAM_ERROR: boom",  # type: ignore[arg-type]
                    updated_at=AT),
        "3 consecutive failures (threshold 3): UPSTREAM_ERROR: boom",
    )


def dispatcher(url: str | None, *, plan: RetryPlan = QUICK, grace_s: float = 2.0):
    async def lookup(tenant_id: str) -> str | None:
        return url if tenant_id == REF.tenant_id else None

    return AlertDispatcher(
        webhook_url=lookup, outbound=OutboundPolicy(["127.0.0.1"]), catalogs=load_catalogs(),
        plan=plan, rng=random.Random(1), close_grace_s=grace_s,
    )


async def test_transient_refusals_are_retried_until_accepted(receiver):
    receiver.statuses = [500, 503]
    async with aiohttp.ClientSession() as http:
        assert await deliver(http, receiver.url, b'{"n": 1}', QUICK, rng=random.Random(1))
    assert receiver.bodies == [{"n": 1}] * 3


async def test_a_refusal_that_will_not_change_is_not_retried(receiver):
    receiver.statuses = [400]
    async with aiohttp.ClientSession() as http:
        assert not await deliver(http, receiver.url, b"{}", QUICK, rng=random.Random(1))
    assert len(receiver.bodies) == 1


async def test_a_transition_is_logged_and_posted_with_both_locales(receiver, caplog):
    alerts = dispatcher(receiver.url)
    await alerts.start()
    with caplog.at_level(logging.INFO, logger="turnout.alerts"):
        alerts.emit(transition("degraded", "unhealthy"))
        alerts.emit(transition("unknown", "healthy"))  # a new provider working: no news
        await alerts.close()
    [record] = [r for r in caplog.records if r.name == "turnout.alerts"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    for field in ("provider_id=p-1", "provider_name=primary", "provider_type=openai",
                  "tenant_id=t-1", "from=degraded", "to=unhealthy", "reason=3 consecutive"):
        assert field in message
    [body] = receiver.bodies
    assert body["event"] == "provider.health_changed"
    assert (body["from"], body["to"], body["provider"]["id"]) == ("degraded", "unhealthy", "p-1")
    assert body["health"]["consecutive_failures"] == 3
    assert body["at"] == AT.isoformat()
    assert "primary" in body["message"]["en-US"] and "unhealthy" in body["message"]["en-US"]
    assert "不可用" in body["message"]["zh-CN"]


async def test_a_webhook_to_a_blocked_address_is_never_called(caplog):
    alerts = dispatcher("http://169.254.169.254/latest/meta-data")
    await alerts.start()
    with caplog.at_level(logging.WARNING, logger="turnout.alerts"):
        alerts.emit(transition("healthy", "degraded"))
        await alerts.close()
    assert any("blocked" in r.getMessage() for r in caplog.records)


class SilentReceiver:
    """A webhook endpoint on 127.0.0.1 that takes requests and never answers them; counts the
    requests that arrived and those whose connection the sender cut."""

    def __init__(self) -> None:
        self.arrived = 0
        self.cut_off = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        self.arrived += 1
        try:
            await asyncio.Event().wait()  # never set
        except asyncio.CancelledError:  # the sender hung up
            self.cut_off += 1
            raise
        raise AssertionError("unreachable")


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def test_emit_never_waits_and_close_gives_up_on_a_receiver_that_never_answers():
    """Each delivery would wait an hour for an answer: emit returns before any is sent, and
    close, after its grace, cuts the ones in flight and drops the ones waiting their turn."""
    silent = SilentReceiver()
    await silent.start()
    patient = RetryPlan(attempts=1000, base_delay_s=0.05, max_delay_s=0.05, timeout_s=3600)
    alerts = dispatcher(silent.url, plan=patient, grace_s=0.2)
    await alerts.start()
    try:
        for _ in range(20):
            alerts.emit(transition("healthy", "degraded"))
        assert silent.arrived == 0  # emitting only started the deliveries
        await asyncio.wait_for(until(lambda: silent.arrived == MAX_CONCURRENT), WAIT_S)
        # Not wait_for: close swallows the cancellation wait_for would send it at the bound.
        closing = asyncio.ensure_future(alerts.close())
        await asyncio.wait({closing}, timeout=WAIT_S)
        assert closing.done(), "close waited for deliveries that never end"
        await asyncio.wait_for(until(lambda: silent.cut_off == MAX_CONCURRENT), WAIT_S)
        assert silent.arrived == MAX_CONCURRENT  # the other ten were never sent
    finally:
        await silent.stop()
