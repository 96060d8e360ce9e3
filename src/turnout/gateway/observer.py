"""The hook through which metrics and health status learn about live traffic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from turnout.errors import TurnoutError
from turnout.gateway.candidates import Candidate
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.providers import Usage


class GatewayObserver(Protocol):
    """Told about every attempt and every finished request."""

    def attempt(
        self, candidate: Candidate, attempt: Attempt, error: TurnoutError | None
    ) -> None: ...

    def finished(
        self,
        request: GatewayRequest,
        *,
        status: str,
        cached: bool,
        latency_ms: float,
        provider_type: str | None,
        model: str | None,
        usage: Usage,
        cost: float,
        attempts: Sequence[Attempt],
    ) -> None: ...


class NoObserver:
    def attempt(self, candidate: Candidate, attempt: Attempt, error: TurnoutError | None) -> None:
        return None

    def finished(self, request: GatewayRequest, **_: Any) -> None:
        return None
