"""The health monitor: scheduled checks of every enabled provider, shared across replicas.

Every replica ticks every `interval_s`: it reads the stored health rows (so all replicas
agree), and the one holding the leader lock checks every enabled provider of every tenant,
with bounded concurrency, then stores the results. Transitions seen in live traffic on any
replica are stored in the background. A transition is stored compare-and-set on the old
status; only the replica that wins it alerts, so an alert is never repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from turnout.errors import InternalError, UpstreamTimeout
from turnout.health.observer import HealthObserver
from turnout.health.outcomes import check_outcome
from turnout.health.schedule import Clock, Sleep, run_every
from turnout.health.store import HealthWrite
from turnout.health.tracker import HealthTracker, ProviderRef, StoredHealth, Transition
from turnout.providers import HealthResult
from turnout.state.events import EventBus, Subscription
from turnout.state.locks import LeaderLock
from turnout.store.types import utcnow

log = logging.getLogger("turnout.health")
LOCK_NAME = "health-round"
CHANNEL = "health-changed"
CONCURRENCY = 16
# A check bounds itself (providers.base.HEALTH_TIMEOUT_S); this only guards against a hang.
CHECK_GUARD_S = 30.0
# The leader keeps its lock across rounds; a crashed leader is replaced within two intervals.
LOCK_SLACK_S = 30.0
MAX_QUEUED_REPORTS = 10_000
REPORT_RETRY_S = 1.0
# Stopping waits this long for database work in flight rather than cut a transaction short.
STORE_GRACE_S = 10.0

Checker = Callable[[ProviderRef], Awaitable[HealthResult | None]]
T = TypeVar("T")


class HealthStore(Protocol):
    async def enabled(self) -> list[ProviderRef]: ...

    async def load(self, provider_ids: Collection[str] | None = None) -> list[StoredHealth]: ...

    async def save(self, writes: Sequence[HealthWrite]) -> list[bool]: ...


class Alerts(Protocol):
    async def start(self) -> None: ...

    def emit(self, transition: Transition) -> None: ...

    async def close(self) -> None: ...


class HealthMetrics(Protocol):
    def checked(self, provider_type: str, ok: bool, latency_ms: float) -> None: ...

    def transitioned(self, provider_type: str, to_status: str) -> None: ...

    def refresh(self) -> None: ...


class HealthMonitor:
    def __init__(
        self, *, tracker: HealthTracker, store: HealthStore, check: Checker, locks: LeaderLock,
        events: EventBus | None, alerts: Alerts, interval_s: float,
        metrics: HealthMetrics | None = None, concurrency: int = CONCURRENCY,
        clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.tracker = tracker
        self.interval_s = interval_s
        self._store, self._check, self._locks, self._events = store, check, locks, events
        self._alerts, self._metrics, self._concurrency = alerts, metrics, concurrency
        self._clock, self._sleep, self._now = clock, sleep, now
        self._identity = secrets.token_hex(8)
        self._reports: list[Transition] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._storing: set[asyncio.Future[Any]] = set()
        self._subscription: Subscription | None = None
        self.ticks_done = 0  # scheduled ticks finished since construction

    def is_unhealthy(self, provider_id: str) -> bool:
        """Whether requests should skip the provider (no I/O: read on the request path)."""
        return self.tracker.is_unhealthy(provider_id)

    def get_healthy_providers(self, tenant_id: str) -> list[str]:
        """The tenant's enabled providers that are healthy or degraded."""
        return self.tracker.healthy_providers(tenant_id)

    def observer(self) -> HealthObserver:
        """The gateway observer through which live traffic feeds this monitor."""
        return HealthObserver(self.tracker, self.report, now=self._now)

    def report(self, transition: Transition) -> None:
        """A transition seen in live traffic: stored, and alerted, in the background."""
        self._reports.append(transition)
        del self._reports[:-MAX_QUEUED_REPORTS]
        self._wake.set()

    async def start(self) -> None:
        await self._alerts.start()
        jobs = [run_every(self.interval_s, self.tick, clock=self._clock, sleep=self._sleep),
                self._store_reports()]
        if self._events is not None:
            self._subscription = self._events.subscribe(CHANNEL)
            jobs.append(self._listen(self._subscription))
        self._tasks = [asyncio.create_task(job, name="turnout-health") for job in jobs]

    async def close(self) -> None:
        """Stop, store the last live transitions, and hand the lead to another replica."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._storing:
            await asyncio.wait(set(self._storing), timeout=STORE_GRACE_S)
        if self._subscription is not None:
            self._subscription.close()
        if self._reports:
            with contextlib.suppress(Exception):
                await self._commit_reports()
        with contextlib.suppress(Exception):
            await self._locks.release(LOCK_NAME)
        await self._alerts.close()

    async def tick(self) -> None:
        """One scheduled tick: catch up with the stored rows, and check if we lead."""
        await self.refresh()
        lock_ttl_s = 2 * self.interval_s + LOCK_SLACK_S
        if await self._locks.try_acquire(LOCK_NAME, lock_ttl_s):
            await self.run_round()
        if self._metrics is not None:
            self._metrics.refresh()
        self.ticks_done += 1

    async def refresh(self, provider_ids: Collection[str] | None = None) -> None:
        """Adopt the stored states (of every provider, or those named)."""
        rows = await self._finish(self._store.load(provider_ids))
        self.tracker.merge(rows, complete=provider_ids is None)

    async def run_round(self) -> None:
        """Check every enabled provider once and store the results."""
        refs = await self._store.enabled()
        slots = asyncio.Semaphore(self._concurrency)
        results = await asyncio.gather(*(self._check_one(ref, slots) for ref in refs))
        writes: list[HealthWrite] = []
        transitions: list[Transition | None] = []
        for ref, result in zip(refs, results, strict=True):
            if result is None:  # deleted meanwhile
                continue
            expected = self.tracker.state(ref.id).status
            transitions.append(self.tracker.record(ref, check_outcome(result, self._now())))
            writes.append(HealthWrite(ref, self.tracker.state(ref.id), expected))
        await self._commit(writes, transitions)

    async def _check_one(self, ref: ProviderRef, slots: asyncio.Semaphore) -> HealthResult | None:
        async with slots:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(CHECK_GUARD_S):
                    result = await self._check(ref)
            except TimeoutError:
                result = HealthResult(False, CHECK_GUARD_S * 1000, error=UpstreamTimeout())
            except Exception:  # a bug in a check must not stop the round
                log.exception("health check of provider %s raised", ref.id)
                elapsed_ms = (time.perf_counter() - started) * 1000
                result = HealthResult(False, elapsed_ms, error=InternalError())
        if result is not None and self._metrics is not None:
            self._metrics.checked(ref.provider_type, result.ok, result.latency_ms)
        return result

    async def _commit(
        self, writes: Sequence[HealthWrite], transitions: Sequence[Transition | None]
    ) -> None:
        """Store the writes; alert the transitions that this replica won."""
        done = await self._finish(self._store.save(writes))
        for transition, won in zip(transitions, done, strict=True):
            if transition is not None and won:
                self._alerts.emit(transition)
                if self._metrics is not None:
                    self._metrics.transitioned(transition.ref.provider_type, transition.to_status)
        written = sorted({w.ref.id for w, ok in zip(writes, done, strict=True) if ok})
        if written and self._events is not None:
            await self._events.publish(CHANNEL, {"origin": self._identity, "provider_ids": written})

    async def _finish(self, work: Awaitable[T]) -> T:
        """Run database work to its end even if we are cancelled: never half a transaction."""
        future = asyncio.ensure_future(work)
        self._storing.add(future)
        future.add_done_callback(self._stored)
        return await asyncio.shield(future)

    def _stored(self, future: asyncio.Future[Any]) -> None:
        self._storing.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.debug("health rows not stored", exc_info=future.exception())

    async def _commit_reports(self) -> None:
        batch, self._reports = self._reports, []
        try:
            writes = [HealthWrite(t.ref, t.after, t.from_status) for t in batch]
            await self._commit(writes, batch)
        except Exception:
            self._reports[:0] = batch  # try again; newer reports stay behind them
            raise

    async def _store_reports(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._commit_reports()
            except Exception:
                log.warning("could not store health transitions; will retry", exc_info=True)
                await self._sleep(REPORT_RETRY_S)
                self._wake.set()

    async def _listen(self, subscription: Subscription) -> None:
        async for event in subscription:
            if event.payload.get("origin") == self._identity:
                continue
            ids = event.payload.get("provider_ids")
            try:
                await self.refresh(ids if isinstance(ids, list) else None)
            except Exception:
                log.warning("could not read changed health rows", exc_info=True)
