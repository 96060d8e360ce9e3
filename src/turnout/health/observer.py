"""Live traffic feeds provider health, so a provider failing requests is marked at once.

Only transient failures count (timeouts, connection errors, 5xx, upstream 429), as for the
circuit breaker: a refused key or an invalid request says nothing about the provider's health.
Successes of a provider that is healthy with no failure on record change nothing but its
timestamps, so they are recorded at most once a second per provider.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from turnout.gateway.context import AttemptStatus
from turnout.gateway.events import RequestFinished
from turnout.health.outcomes import traffic_outcome
from turnout.health.tracker import HealthTracker, Transition
from turnout.store.types import utcnow

QUIET_S = 1.0


class HealthObserver:
    """The gateway observer that records each call's outcome in the health tracker."""

    def __init__(
        self,
        tracker: HealthTracker,
        report: Callable[[Transition], None],
        *,
        now: Callable[[], datetime] = utcnow,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tracker = tracker
        self._report = report
        self._now = now
        self._clock = clock
        self._quiet_until: dict[str, float] = {}

    def request_finished(self, event: RequestFinished) -> None:
        for attempt in event.attempts:
            error = attempt.error
            if attempt.status is AttemptStatus.OK:
                if self._settled(attempt.provider.id):
                    continue
            elif attempt.status is not AttemptStatus.ERROR or error is None or not error.retryable:
                continue
            transition = self._tracker.record(attempt.provider, traffic_outcome(error, self._now()))
            if transition is not None:
                self._report(transition)

    def _settled(self, provider_id: str) -> bool:
        """Whether a success now would only refresh timestamps recorded within the second."""
        now = self._clock()
        state = self._tracker.state(provider_id)
        if state.status != "healthy" or state.consecutive_failures:
            return False
        if now < self._quiet_until.get(provider_id, 0.0):
            return True
        self._quiet_until[provider_id] = now + QUIET_S
        return False
