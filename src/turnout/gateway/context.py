"""What one gateway request carries from the API to the providers, and what each attempt did."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

from turnout.configs.runtime import ProviderRef
from turnout.errors import TurnoutError
from turnout.providers import ChatRequest

DEFAULT_DEADLINE_S = 120.0


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asked: the tenant, the user or API key acting in it, and that key's own rpm."""

    tenant_id: str
    user_id: str | None = None
    api_key_id: str | None = None
    rpm_limit: int | None = None


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
    # The share of each provider's rpm/tpm this request may use: batch work leaves headroom
    # for interactive traffic.
    limit_share: float = 1.0
    # Batch work also spreads its rpm share evenly over the minute (see limits.PACE_S), so a
    # job does not spend the minute's share in its first seconds.
    paced: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline_at(self) -> float:
        return self.started + self.deadline_s

    def remaining_s(self) -> float:
        return self.deadline_at - time.monotonic()


class AttemptStatus(StrEnum):
    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"  # not called: circuit open, our own rate limit, missing capability
    CANCELLED = "cancelled"  # a hedged attempt that lost the race
    CACHE_HIT = "cache_hit"  # answered from the response cache, no call made

    @property
    def called(self) -> bool:
        """Whether the upstream was actually called."""
        return self in (AttemptStatus.OK, AttemptStatus.ERROR, AttemptStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try against one provider (or a candidate answered without a call)."""

    provider: ProviderRef
    model: str | None
    status: AttemptStatus
    latency_ms: float = 0.0
    error: TurnoutError | None = None
    skip_code: str | None = None  # why a skipped candidate was not called
    retry_after_s: float | None = None  # for a candidate skipped by our own rate limit

    @property
    def code(self) -> str | None:
        return self.error.code.value if self.error is not None else self.skip_code
