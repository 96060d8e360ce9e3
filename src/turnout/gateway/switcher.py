"""The switcher: one request, tried on each candidate in turn with retries, cached and recorded.

For every candidate: cache → circuit breaker → provider rate limit → attempt with a deadline →
retry transient failures with backoff (honouring Retry-After) → fail over to the next one.
Every attempt, skipped candidates included, is reported back; when none succeeds the caller
gets ALL_PROVIDERS_FAILED with each attempt, or RATE_LIMITED when only our own limits stood
in the way.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from turnout.errors import (
    AllProvidersFailed,
    CapabilityUnsupported,
    RateLimited,
    TurnoutError,
    UpstreamTimeout,
)
from turnout.gateway.accounting import Accounting
from turnout.gateway.cache_keys import DEFAULT_TTL_S, cache_key, is_cacheable
from turnout.gateway.candidates import Candidate, resolve_candidates
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.gateway.limits import Limits, estimate_embedding_tokens, estimate_tokens
from turnout.gateway.observer import GatewayObserver, NoObserver
from turnout.gateway.outcomes import (
    EmbedOutcome,
    GatewayResult,
    decode_result,
    elapsed_ms,
    encode_result,
    logprobs_of,
    ms_since,
)
from turnout.gateway.pricing import PriceBook
from turnout.gateway.retry import RetryPolicy
from turnout.gateway.usage import UsageRecorder
from turnout.providers import ChatResult, Usage
from turnout.state.cache import ResponseCache

__all__ = ["GatewayDeps", "GatewayObserver", "GatewayResult", "Switcher"]

T = TypeVar("T")
MAX_ATTEMPTS_PER_PROVIDER = 3


@dataclass
class GatewayDeps:
    cache: ResponseCache
    limits: Limits
    circuit: CircuitBreaker
    usage: UsageRecorder
    prices: PriceBook
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    observer: GatewayObserver = field(default_factory=NoObserver)
    is_unhealthy: Callable[[str], bool] = lambda _id: False
    cache_ttl_s: float = DEFAULT_TTL_S
    rng: random.Random = field(default_factory=random.Random)


class Switcher:
    def __init__(self, runtime: Any, deps: GatewayDeps) -> None:
        self.runtime = runtime
        self.deps = deps
        self.accounting = Accounting(deps)
        self._policies: dict[int, RetryPolicy] = {}
        self._policies_base = deps.retry

    async def candidates(self, request: GatewayRequest) -> list[Candidate]:
        return await resolve_candidates(self.runtime, request, is_unhealthy=self.deps.is_unhealthy)

    async def generate(
        self, request: GatewayRequest, *, rpm_limit: int | None = None
    ) -> GatewayResult:
        """One answer from the first candidate that can give it."""
        await self.deps.limits.check_caller(request, rpm_limit)
        candidates = await self.candidates(request)
        attempts: list[Attempt] = []
        tokens = estimate_tokens(request.chat)

        async def serve(candidate: Candidate) -> GatewayResult | None:
            if hit := await self.cached_result(request, candidate, attempts):
                return hit

            def call(timeout_s: float) -> Awaitable[ChatResult]:
                chat = replace(request.chat, model=candidate.model, timeout_s=timeout_s)
                return candidate.live.adapter.generate(chat)

            result = await self.try_provider(request, candidate, attempts, tokens, call)
            return (
                None if result is None else await self.finish(request, candidate, result, attempts)
            )

        return await self.over_candidates(request, candidates, attempts, serve)

    async def embed(
        self, request: GatewayRequest, texts: list[str], *, rpm_limit: int | None = None
    ) -> EmbedOutcome:
        """Vectors from the first candidate that can embed."""
        await self.deps.limits.check_caller(request, rpm_limit)
        candidates = await self.candidates(request)
        attempts: list[Attempt] = []
        tokens = estimate_embedding_tokens(texts)

        async def serve(candidate: Candidate) -> EmbedOutcome | None:
            adapter = candidate.live.adapter
            if not adapter.capabilities.embed:
                error = CapabilityUnsupported(capability="embed", provider=candidate.live.name)
                attempts.append(attempt_of(candidate, "skipped", error=error))
                return None
            result = await self.try_provider(
                request,
                candidate,
                attempts,
                tokens,
                lambda _: adapter.embed(texts, candidate.model),
            )
            if result is None:
                return None
            await self.accounting.record(
                request,
                candidate,
                result.usage,
                result.model,
                status="ok",
                attempts=attempts,
                cached=False,
                operation="embed",
            )
            return EmbedOutcome(result, candidate.live.id, attempts)

        return await self.over_candidates(request, candidates, attempts, serve, operation="embed")

    async def over_candidates(
        self,
        request: GatewayRequest,
        candidates: list[Candidate],
        attempts: list[Attempt],
        serve: Callable[[Candidate], Awaitable[T | None]],
        *,
        operation: str = "generate",
    ) -> T:
        """Try each candidate; wait once (within the deadline) when only rate limits refused."""
        for round_number in (1, 2):
            for candidate in candidates:
                outcome = await serve(candidate)
                if outcome is not None:
                    return outcome
            wait = _rate_limited_wait(attempts)
            if wait is None or round_number == 2 or wait >= request.remaining_s():
                break
            await asyncio.sleep(wait)
        await self.accounting.record_failure(request, candidates, attempts, operation=operation)
        wait = _rate_limited_wait(attempts)
        details = {"attempts": [a.as_dict() for a in attempts]}
        if wait is not None:
            raise RateLimited(retry_after_s=wait, details=details)
        raise AllProvidersFailed(details["attempts"])

    async def try_provider(
        self,
        request: GatewayRequest,
        candidate: Candidate,
        attempts: list[Attempt],
        tokens: int,
        call: Callable[[float], Awaitable[T]],
    ) -> T | None:
        """Up to three tries on one provider; None when it could not serve the request."""
        live = candidate.live
        if not self.deps.circuit.allow(live.id):
            attempts.append(attempt_of(candidate, "skipped", code="CIRCUIT_OPEN"))
            return None
        refused = await self.deps.limits.check_provider(live, tokens)
        if refused is not None:
            skipped = attempt_of(candidate, "skipped", code="RATE_LIMITED")
            skipped.retry_after_s = refused.retry_after_s
            attempts.append(skipped)
            return None
        policy = self._policy(int(live.options.get("max_retries", 2)) + 1)
        per_try = request.chat.timeout_s or float(live.options.get("timeout_s") or 60.0)
        for number in range(1, policy.max_attempts + 1):
            timeout = min(per_try, request.remaining_s())
            if timeout <= 0:
                break
            started = time.perf_counter()
            try:
                async with asyncio.timeout(timeout):
                    value = await call(timeout)
            except TimeoutError:
                error: TurnoutError = UpstreamTimeout(provider=live.name)
            except TurnoutError as exc:
                error = exc
            else:
                self.note_outcome(candidate, attempts, attempt_of(candidate, "ok", started), None)
                return value
            self.note_outcome(
                candidate, attempts, attempt_of(candidate, "error", started, error), error
            )
            if not await self._backoff(policy, number, error, request):
                break
        return None

    def _policy(self, attempts: int) -> RetryPolicy:
        """The retry policy allowing `attempts` tries (at most three), built once per count."""
        attempts = max(1, min(MAX_ATTEMPTS_PER_PROVIDER, attempts))
        base = self.deps.retry
        policy = self._policies.get(attempts)
        if policy is None or self._policies_base is not base:
            if self._policies_base is not base:
                self._policies, self._policies_base = {}, base
            policy = self._policies[attempts] = replace(base, max_attempts=attempts)
        return policy

    def note_outcome(
        self,
        candidate: Candidate,
        attempts: list[Attempt],
        attempt: Attempt,
        error: TurnoutError | None,
    ) -> None:
        """Record one attempt's outcome: in the list, in the circuit breaker, to the observer."""
        attempts.append(attempt)
        if error is None:
            self.deps.circuit.record_success(candidate.live.id)
        else:
            self.deps.circuit.record_failure(candidate.live.id, error)
        self.deps.observer.attempt(candidate, attempt, error)

    async def _backoff(
        self, policy: RetryPolicy, number: int, error: TurnoutError, request: GatewayRequest
    ) -> bool:
        """Wait before the next try on the same provider; False means move on instead."""
        if not policy.should_retry(error, number):
            return False
        retry_after = getattr(error, "retry_after_s", None)
        remaining = request.remaining_s()
        if retry_after is not None and retry_after >= remaining:
            return False  # waiting would overrun the deadline: fail over now
        delay = policy.delay_for(
            number, retry_after_s=retry_after, rng=self.deps.rng, remaining_s=remaining
        )
        await asyncio.sleep(delay)
        return True

    async def cached_result(
        self, request: GatewayRequest, candidate: Candidate, attempts: list[Attempt]
    ) -> GatewayResult | None:
        """The cached answer of this candidate for this request, if caching applies and has one."""
        if not is_cacheable(request):
            return None
        raw = await self.deps.cache.get(self._cache_key(request, candidate))
        if raw is None:
            return None
        result, logprobs = decode_result(raw)
        hit = attempt_of(candidate, "ok")
        hit.message = "cache hit"
        attempts.append(hit)
        await self.accounting.record(
            request, candidate, Usage(), result.model, status="ok", attempts=attempts, cached=True
        )
        outcome = self.result_of(request, candidate, result, attempts, cached=True)
        outcome.logprobs = logprobs
        return outcome

    async def finish(
        self,
        request: GatewayRequest,
        candidate: Candidate,
        result: ChatResult,
        attempts: list[Attempt],
    ) -> GatewayResult:
        """Cache (when it applies) and record a fresh answer, and shape it for the caller."""
        if is_cacheable(request):
            key = self._cache_key(request, candidate)
            await self.deps.cache.set(key, encode_result(result), self.deps.cache_ttl_s)
        await self.accounting.record(
            request,
            candidate,
            result.usage,
            result.model,
            status="ok",
            attempts=attempts,
            cached=False,
        )
        return self.result_of(request, candidate, result, attempts, cached=False)

    def result_of(
        self,
        request: GatewayRequest,
        candidate: Candidate,
        result: ChatResult,
        attempts: list[Attempt],
        *,
        cached: bool,
    ) -> GatewayResult:
        return GatewayResult(
            content=result.content,
            model=result.model,
            provider_id=candidate.live.id,
            provider_name=candidate.live.name,
            provider_type=candidate.live.provider_type,
            finish_reason=result.finish_reason,
            usage=result.usage,
            latency_ms=ms_since(request.started),
            cached=cached,
            request_id=request.request_id,
            attempts=attempts,
            logprobs=logprobs_of(result),
        )

    @staticmethod
    def _cache_key(request: GatewayRequest, candidate: Candidate) -> str:
        return cache_key(request, provider_id=candidate.live.id, model=model_of(candidate))


def model_of(candidate: Candidate) -> str | None:
    """The model a candidate is asked for: the request's override, else its configured one."""
    return candidate.model or candidate.live.adapter.connection.chat_model


def attempt_of(
    candidate: Candidate,
    status: str,
    started: float | None = None,
    error: TurnoutError | None = None,
    *,
    code: str | None = None,
) -> Attempt:
    return Attempt(
        provider_id=candidate.live.id,
        provider_name=candidate.live.name,
        provider_type=candidate.live.provider_type,
        model=model_of(candidate),
        status=status,
        latency_ms=elapsed_ms(started) if started is not None else 0.0,
        error_code=error.code.value if error else code,
        message=(error.detail or error.code.value) if error else None,
    )


def _rate_limited_wait(attempts: list[Attempt]) -> float | None:
    """The shortest wait, when no candidate was actually tried and some were rate limited."""
    if any(a.status == "error" for a in attempts):
        return None
    waits = [a.retry_after_s for a in attempts if a.retry_after_s is not None]
    return min(waits) if waits else None
