"""Alerts: the structured log line, webhook delivery with retries, and the outbound guard."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime

import aiohttp

from turnout.health import HealthState, ProviderRef, Transition
from turnout.health.alerts import AlertDispatcher
from turnout.health.webhook import RetryPlan, deliver
from turnout.i18n import load_catalogs
from turnout.security.outbound import OutboundPolicy

QUICK = RetryPlan(attempts=3, base_delay_s=0.01, max_delay_s=0.02, timeout_s=2)
REF = ProviderRef("p-1", "t-1", "primary", "openai")
AT = datetime(2026, 1, 1, tzinfo=UTC)


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


async def test_emit_never_waits_and_close_gives_up_on_a_dead_receiver():
    slow = RetryPlan(attempts=1000, base_delay_s=0.05, max_delay_s=0.05, timeout_s=0.5)
    alerts = dispatcher("http://127.0.0.1:9/hook", plan=slow, grace_s=0.2)
    await alerts.start()
    started = time.monotonic()
    for _ in range(20):
        alerts.emit(transition("healthy", "degraded"))
    assert time.monotonic() - started < 0.1
    await asyncio.sleep(0.05)
    await alerts.close()
    assert time.monotonic() - started < 1.5
