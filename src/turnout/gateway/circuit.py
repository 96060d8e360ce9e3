"""Circuit breaker per provider: stop sending requests to a provider that keeps failing.

* closed → open after ``failure_threshold`` consecutive transient failures (timeouts,
  connection errors, 5xx, upstream 429: errors marked ``retryable``). A success resets the count.
  Other errors (bad key, invalid request, content filter…) mean the provider answered: they
  neither count nor reset, so they can never trip the breaker.
* open → half-open once the cooldown has passed. The cooldown is ``cooldown_s``, or the
  provider's Retry-After when that is longer (capped at ``max_cooldown_s``).
* half-open lets ONE probe through at a time. Its success closes the circuit and resets the
  cooldown; a transient failure reopens it with the cooldown doubled (up to ``max_cooldown_s``);
  any other outcome frees the probe slot for the next request. A probe that never reports back
  frees the slot after ``probe_timeout_s``, so a cancelled request cannot wedge a provider.
* Outcomes that arrive while open (requests admitted before the trip) are ignored.

State is per process, deliberately: each replica sees its own traffic and needs no round trip
to decide. The health monitor shares provider status across replicas separately.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from turnout.errors import ProviderError, TurnoutError

CircuitState = Literal["closed", "open", "half_open"]


@dataclass(frozen=True, slots=True)
class CircuitStatus:
    """A provider's breaker as reported to health views and metrics."""

    state: CircuitState
    consecutive_failures: int
    cooldown_s: float
    retry_in_s: float


@dataclass(slots=True)
class _Circuit:
    state: CircuitState = "closed"
    failures: int = 0
    cooldown_s: float = 0.0
    reopen_at: float = 0.0
    probe_until: float | None = None


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` says the provider may be unwell (rather than refusing this request)."""
    return isinstance(error, TurnoutError) and error.retryable


class CircuitBreaker:
    """Breakers for every provider id, created on first failure; closed ones cost nothing."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_s: float = 30.0,
        max_cooldown_s: float = 300.0,
        probe_timeout_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if not 0 < cooldown_s <= max_cooldown_s:
            raise ValueError("need 0 < cooldown_s <= max_cooldown_s")
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self.probe_timeout_s = probe_timeout_s
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}

    def allow(self, provider_id: str) -> bool:
        """Whether a request may go to ``provider_id`` now (taking the probe slot if half-open)."""
        now = self._clock()
        circuit = self._current(provider_id, now)
        if circuit is None or circuit.state == "closed":
            return True
        if circuit.state == "open":
            return False
        if circuit.probe_until is not None and now < circuit.probe_until:
            return False
        circuit.probe_until = now + self.probe_timeout_s
        return True

    def record_success(self, provider_id: str) -> None:
        """A call succeeded: close the circuit unless it is open."""
        circuit = self._current(provider_id, self._clock())
        if circuit is not None and circuit.state != "open":
            del self._circuits[provider_id]

    def record_failure(self, provider_id: str, error: BaseException) -> None:
        """A call failed with ``error``; only transient errors count."""
        now = self._clock()
        circuit = self._current(provider_id, now)
        if not is_transient(error):
            if circuit is not None and circuit.state == "half_open":
                circuit.probe_until = None
            return
        if circuit is None:
            circuit = self._circuits[provider_id] = _Circuit()
        if circuit.state == "open":
            return
        circuit.failures += 1
        if circuit.state == "half_open":
            self._trip(circuit, min(circuit.cooldown_s * 2, self.max_cooldown_s), error, now)
        elif circuit.failures >= self.failure_threshold:
            self._trip(circuit, self.cooldown_s, error, now)

    def state(self, provider_id: str) -> CircuitState:
        """``closed``, ``open`` or ``half_open`` as of now."""
        circuit = self._current(provider_id, self._clock())
        return "closed" if circuit is None else circuit.state

    def snapshot(self) -> dict[str, CircuitStatus]:
        """Every provider with a failure on record; absent ones are closed and clean."""
        now = self._clock()
        return {
            provider_id: self._status(self._current(provider_id, now) or _Circuit(), now)
            for provider_id in tuple(self._circuits)
        }

    def reset(self, provider_id: str) -> None:
        """Forget ``provider_id``'s history (e.g. after its config was edited)."""
        self._circuits.pop(provider_id, None)

    def _current(self, provider_id: str, now: float) -> _Circuit | None:
        """The circuit with an elapsed cooldown turned half-open."""
        circuit = self._circuits.get(provider_id)
        if circuit is not None and circuit.state == "open" and now >= circuit.reopen_at:
            circuit.state = "half_open"
            circuit.probe_until = None
        return circuit

    def _trip(self, circuit: _Circuit, cooldown_s: float, error: BaseException, now: float) -> None:
        """Open the circuit for ``cooldown_s``, or longer when the provider asked for it."""
        if isinstance(error, ProviderError) and error.retry_after_s:
            cooldown_s = max(cooldown_s, min(error.retry_after_s, self.max_cooldown_s))
        circuit.state = "open"
        circuit.cooldown_s = cooldown_s
        circuit.reopen_at = now + cooldown_s
        circuit.probe_until = None

    @staticmethod
    def _status(circuit: _Circuit, now: float) -> CircuitStatus:
        """The public view of one circuit."""
        retry_in = max(0.0, circuit.reopen_at - now) if circuit.state == "open" else 0.0
        return CircuitStatus(circuit.state, circuit.failures, circuit.cooldown_s, retry_in)
