"""One frozen event per finished request, for the observers (usage, metrics, health)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from turnout.gateway.context import Attempt, AttemptStatus, Caller, ProviderRef
from turnout.providers import Usage

log = logging.getLogger("turnout.gateway")


class Operation(StrEnum):
    GENERATE = "generate"
    EMBED = "embed"


class Outcome(StrEnum):
    OK = "ok"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class RequestFinished:
    """A request ended, served or not; `provider` is who served it (or failed last)."""

    caller: Caller
    request_id: str
    operation: Operation
    outcome: Outcome
    provider: ProviderRef | None
    model: str | None
    usage: Usage
    cost: float
    latency_ms: float
    attempts: tuple[Attempt, ...]
    cacheable: bool
    error_code: str | None = None
    configured_models: tuple[str, ...] = ()  # the serving provider's own models (metric labels)

    @property
    def cached(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].status is AttemptStatus.CACHE_HIT

    @property
    def calls(self) -> int:
        """Upstream calls made for the request."""
        return sum(1 for a in self.attempts if a.status.called)


class GatewayObserver(Protocol):
    """Told about every finished request."""

    def request_finished(self, event: RequestFinished) -> None: ...


class NoObserver:
    def request_finished(self, event: RequestFinished) -> None:
        return None


class ObserverGroup:
    """Tells several observers, in order; one that raises never fails the request."""

    def __init__(self, *observers: GatewayObserver) -> None:
        self._observers = observers

    def request_finished(self, event: RequestFinished) -> None:
        for observer in self._observers:
            try:
                observer.request_finished(event)
            except Exception:
                log.exception("gateway observer %s failed", type(observer).__name__)
