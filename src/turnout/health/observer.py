"""Live traffic feeds provider health, so a provider failing requests is marked at once.

Only transient failures count (timeouts, connection errors, 5xx, upstream 429), as for the
circuit breaker: a refused key or an invalid request says nothing about the provider's health.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from turnout.errors import TurnoutError
from turnout.gateway.candidates import Candidate
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.health.outcomes import traffic_outcome
from turnout.health.tracker import HealthTracker, ProviderRef, Transition
from turnout.store.types import utcnow


class HealthObserver:
    """The gateway observer that records each attempt's outcome in the health tracker."""

    def __init__(
        self,
        tracker: HealthTracker,
        report: Callable[[Transition], None],
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._tracker = tracker
        self._report = report
        self._now = now

    def attempt(self, candidate: Candidate, attempt: Attempt, error: TurnoutError | None) -> None:
        if error is not None and not error.retryable:
            return
        live = candidate.live
        ref = ProviderRef(live.id, live.tenant_id, live.name, live.provider_type, live.enabled)
        transition = self._tracker.record(ref, traffic_outcome(error, self._now()))
        if transition is not None:
            self._report(transition)

    def finished(self, request: GatewayRequest, **_: Any) -> None:
        return None
