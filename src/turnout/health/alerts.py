"""Alerts on health transitions: a structured log line, and the tenant's webhook if it has one.

Webhooks are delivered in background tasks (bounded in number and concurrency), so a slow
or dead receiver never holds up the monitor or a request. The first success of a provider
never seen before (unknown → healthy) is news to nobody and raises no alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson

from turnout.errors import OutboundUrlBlocked
from turnout.health.tracker import Transition
from turnout.health.webhook import RetryPlan, deliver
from turnout.i18n import SUPPORTED_LOCALES, Catalogs
from turnout.security.outbound import OutboundPolicy
from turnout.security.outbound_connect import GuardedConnector

log = logging.getLogger("turnout.alerts")
MAX_PENDING = 1000
MAX_CONCURRENT = 10
CLOSE_GRACE_S = 2.0

WebhookLookup = Callable[[str], Awaitable[str | None]]


def is_alert(transition: Transition) -> bool:
    """Every transition but a new provider's first success."""
    return not (transition.from_status == "unknown" and transition.to_status == "healthy")


def alert_payload(transition: Transition, catalogs: Catalogs) -> dict[str, Any]:
    """The JSON body POSTed to webhooks."""
    ref, state = transition.ref, transition.after
    return {
        "event": "provider.health_changed",
        "tenant_id": ref.tenant_id,
        "provider": {"id": ref.id, "name": ref.name, "type": ref.provider_type},
        "from": transition.from_status,
        "to": transition.to_status,
        "reason": transition.reason,
        "at": state.updated_at.isoformat() if state.updated_at else None,
        "health": {
            "status": state.status,
            "latency_ms": state.latency_ms,
            "consecutive_failures": state.consecutive_failures,
            "consecutive_successes": state.consecutive_successes,
            "last_error": state.last_error,
            "last_check_at": state.last_check_at.isoformat() if state.last_check_at else None,
            "last_success_at": (
                state.last_success_at.isoformat() if state.last_success_at else None
            ),
        },
        "message": {locale: _message(transition, catalogs, locale) for locale in SUPPORTED_LOCALES},
    }


class AlertDispatcher:
    def __init__(
        self,
        *,
        webhook_url: WebhookLookup,
        outbound: OutboundPolicy,
        catalogs: Catalogs,
        plan: RetryPlan | None = None,
        rng: random.Random | None = None,
        close_grace_s: float = CLOSE_GRACE_S,
    ) -> None:
        self._webhook_url = webhook_url
        self._outbound = outbound
        self._catalogs = catalogs
        self._plan = plan or RetryPlan()
        self._rng = rng or random.Random()  # noqa: S311 - backoff jitter, not a secret
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        self._close_grace_s = close_grace_s

    async def start(self) -> None:
        # Webhooks are public endpoints (cloud rules); every connection is checked again.
        connector = GuardedConnector(self._outbound.guard("cloud", tenant_mode=False))
        self._http = aiohttp.ClientSession(connector=connector)

    async def close(self) -> None:
        """Give deliveries in flight a moment, then cancel them."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._close_grace_s)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    def emit(self, transition: Transition) -> None:
        """Log the alert and start its webhook delivery; never blocks."""
        if not is_alert(transition):
            return
        ref = transition.ref
        level = logging.INFO if transition.to_status == "healthy" else logging.WARNING
        payload = alert_payload(transition, self._catalogs)
        log.log(
            level,
            "provider health changed provider_id=%s provider_name=%s provider_type=%s "
            "tenant_id=%s from=%s to=%s reason=%s",
            ref.id, ref.name, ref.provider_type, ref.tenant_id, transition.from_status,
            transition.to_status, transition.reason, extra={"alert": payload},
        )
        if self._http is None:
            return
        if len(self._tasks) >= MAX_PENDING:
            log.warning("too many alert webhooks in flight; not sending this one")
            return
        task = asyncio.create_task(self._send(ref.tenant_id, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, tenant_id: str, payload: dict[str, Any]) -> None:
        try:
            url = await self._webhook_url(tenant_id)
            if url is None or self._http is None:
                return
            # Early and cheap; the connector checks the address it actually connects to.
            await self._outbound.check(url, deployment_mode="cloud")
            async with self._slots:
                await deliver(self._http, url, orjson.dumps(payload), self._plan, rng=self._rng)
        except OutboundUrlBlocked as exc:
            log.warning("alert webhook of tenant %s is blocked: %s", tenant_id, exc.params)
        except Exception:  # a broken delivery must not surface anywhere else
            log.exception("alert webhook delivery failed")


def _message(transition: Transition, catalogs: Catalogs, locale: str) -> str:
    return catalogs.t(
        "health.alert.message", locale, name=transition.ref.name,
        provider_type=transition.ref.provider_type,
        before=catalogs.t(f"health.status.{transition.from_status}", locale),
        after=catalogs.t(f"health.status.{transition.to_status}", locale),
        reason=transition.reason,
    )
