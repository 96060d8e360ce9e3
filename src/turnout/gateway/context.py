"""What one gateway request carries from the API to the providers, and what each attempt did."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from turnout.providers import ChatRequest

DEFAULT_DEADLINE_S = 120.0


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asked: the tenant, and the user or API key acting in it."""

    tenant_id: str
    user_id: str | None = None
    api_key_id: str | None = None


@dataclass(slots=True)
class GatewayRequest:
    """One client request; the same object (same id, messages, options) goes to every candidate."""

    caller: Caller
    request_id: str
    chat: ChatRequest
    provider_id: str | None = None  # the caller's choice, else tenant routing decides
    provider_name: str | None = None  # e.g. from the OpenAI-compatible `<provider>/<model>`
    cache: bool | None = None  # None: cache deterministic requests; False: never; True: always
    deadline_s: float = DEFAULT_DEADLINE_S
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline_at(self) -> float:
        return self.started + self.deadline_s

    def remaining_s(self) -> float:
        return self.deadline_at - time.monotonic()


@dataclass(slots=True)
class Attempt:
    """One try against one provider (or a candidate skipped without a call)."""

    provider_id: str
    provider_name: str
    provider_type: str
    model: str | None
    status: str  # "ok" | "error" | "skipped"
    latency_ms: float = 0.0
    error_code: str | None = None
    message: str | None = None
    retry_after_s: float | None = None  # for a candidate skipped by our own rate limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "provider": self.provider_name,
            "provider_type": self.provider_type,
            "model": self.model,
            "status": self.status,
            "latency_ms": round(self.latency_ms, 3),
            "code": self.error_code,
            "message": self.message,
            "retry_after_s": self.retry_after_s,
        }
