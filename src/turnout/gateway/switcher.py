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
from typing import Any, Protocol, TypeVar

import orjson

from turnout.errors import (
    AllProvidersFailed,
    CapabilityUnsupported,
    RateLimited,
    TurnoutError,
    UpstreamTimeout,
)
from turnout.gateway.cache_keys import DEFAULT_TTL_S, cache_key, is_cacheable
from turnout.gateway.candidates import Candidate, resolve_candidates
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.context import Attempt, GatewayRequest
from turnout.gateway.limits import Limits, estimate_embedding_tokens, estimate_tokens
from turnout.gateway.pricing import PriceBook
from turnout.gateway.retry import RetryPolicy
from turnout.gateway.usage import UsageRecorder
from turnout.providers import ChatResult, EmbedResult, Usage
from turnout.state.cache import ResponseCache

T = TypeVar("T")
MAX_ATTEMPTS_PER_PROVIDER = 3


class GatewayObserver(Protocol):
    """Told about every attempt and every finished request (metrics, health status)."""

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
    ) -> None: ...


class _NoObserver:
    def attempt(self, candidate: Candidate, attempt: Attempt, error: TurnoutError | None) -> None:
        return None

    def finished(self, request: GatewayRequest, **_: Any) -> None:
        return None


@dataclass(slots=True)
class GatewayResult:
    content: str
    model: str
    provider_id: str
    provider_name: str
    provider_type: str
    finish_reason: str | None
    usage: Usage
    latency_ms: float
    cached: bool
    request_id: str
    attempts: list[Attempt] = field(default_factory=list)
    logprobs: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class EmbedOutcome:
    result: EmbedResult
    provider_id: str
    attempts: list[Attempt]


@dataclass
class GatewayDeps:
    cache: ResponseCache
    limits: Limits
    circuit: CircuitBreaker
    usage: UsageRecorder
    prices: PriceBook
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    observer: GatewayObserver = field(default_factory=_NoObserver)
    is_unhealthy: Callable[[str], bool] = lambda _id: False
    cache_ttl_s: float = DEFAULT_TTL_S
    rng: random.Random = field(default_factory=random.Random)


class Switcher:
    def __init__(self, runtime: Any, deps: GatewayDeps) -> None:
        self.runtime = runtime
        self.deps = deps

    async def candidates(self, request: GatewayRequest) -> list[Candidate]:
        return await resolve_candidates(self.runtime, request, is_unhealthy=self.deps.is_unhealthy)

    async def generate(
        self, request: GatewayRequest, *, rpm_limit: int | None = None
    ) -> GatewayResult:
        """One answer from the first candidate that can give it."""
        await self.deps.limits.check_caller(request, rpm_limit)
        candidates = await self.candidates(request)
        attempts: list[Attempt] = []
        cacheable = is_cacheable(request)
        tokens = estimate_tokens(request.chat)

        async def serve(candidate: Candidate) -> GatewayResult | None:
            key = cache_key(request, provider_id=candidate.live.id, model=self._model(candidate))
            if cacheable and (hit := await self._cached(request, candidate, key, attempts)):
                return hit
            chat = replace(request.chat, model=candidate.model)
            result = await self._attempts(
                request,
                candidate,
                attempts,
                tokens,
                lambda timeout: candidate.live.adapter.generate(replace(chat, timeout_s=timeout)),
            )
            if result is None:
                return None
            outcome = self._result(request, candidate, result, attempts)
            if cacheable:
                await self.deps.cache.set(key, _encode(result), self.deps.cache_ttl_s)
            await self._record(
                request,
                candidate,
                outcome.usage,
                outcome.model,
                status="ok",
                attempts=attempts,
                cached=False,
            )
            return outcome

        return await self._over_candidates(request, candidates, attempts, serve)

    async def embed(
        self, request: GatewayRequest, texts: list[str], *, rpm_limit: int | None = None
    ) -> EmbedOutcome:
        """Vectors from the first candidate that can embed."""
        await self.deps.limits.check_caller(request, rpm_limit)
        candidates = await self.candidates(request)
        attempts: list[Attempt] = []
        tokens = estimate_embedding_tokens(texts)

        async def serve(candidate: Candidate) -> EmbedOutcome | None:
            if not candidate.live.adapter.capabilities.embed:
                error = CapabilityUnsupported(capability="embed", provider=candidate.live.name)
                attempts.append(self._attempt(candidate, "skipped", 0.0, error))
                return None
            result = await self._attempts(
                request,
                candidate,
                attempts,
                tokens,
                lambda _timeout: candidate.live.adapter.embed(texts, candidate.model),
            )
            if result is None:
                return None
            await self._record(
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

        return await self._over_candidates(request, candidates, attempts, serve)

    async def _over_candidates(
        self,
        request: GatewayRequest,
        candidates: list[Candidate],
        attempts: list[Attempt],
        serve: Callable[[Candidate], Awaitable[T | None]],
    ) -> T:
        """Try each candidate; wait once (within the deadline) when only rate limits refused."""
        for _pass in range(2):
            for candidate in candidates:
                outcome = await serve(candidate)
                if outcome is not None:
                    return outcome
            wait = _rate_limited_wait(attempts)
            if wait is None or _pass == 1 or wait >= request.remaining_s():
                break
            await asyncio.sleep(wait)
        await self._record_failure(request, candidates, attempts)
        wait = _rate_limited_wait(attempts)
        if wait is not None:
            raise RateLimited(
                retry_after_s=wait, details={"attempts": [a.as_dict() for a in attempts]}
            )
        raise AllProvidersFailed([a.as_dict() for a in attempts])

    async def _attempts(
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
            attempts.append(self._attempt(candidate, "skipped", 0.0, None, code="CIRCUIT_OPEN"))
            return None
        refused = await self.deps.limits.check_provider(live, tokens)
        if refused is not None:
            attempt = self._attempt(candidate, "skipped", 0.0, None, code="RATE_LIMITED")
            attempt.message = f"retry after {refused.retry_after_s:.3f}s"
            attempts.append(attempt)
            return None
        max_attempts = min(MAX_ATTEMPTS_PER_PROVIDER, int(live.options.get("max_retries", 2)) + 1)
        policy = replace(self.deps.retry, max_attempts=max(1, max_attempts))
        per_try = request.chat.timeout_s or float(live.options.get("timeout_s") or 60.0)
        for number in range(1, policy.max_attempts + 1):
            remaining = request.remaining_s()
            if remaining <= 0:
                break
            started = time.perf_counter()
            try:
                async with asyncio.timeout(min(per_try, remaining)):
                    value = await call(min(per_try, remaining))
            except TimeoutError:
                error: TurnoutError = UpstreamTimeout(provider=live.name)
            except TurnoutError as exc:
                error = exc
            else:
                self.deps.circuit.record_success(live.id)
                ok = self._attempt(candidate, "ok", _ms(started), None)
                attempts.append(ok)
                self.deps.observer.attempt(candidate, ok, None)
                return value
            failed = self._attempt(candidate, "error", _ms(started), error)
            attempts.append(failed)
            self.deps.circuit.record_failure(live.id, error)
            self.deps.observer.attempt(candidate, failed, error)
            if not await self._backoff(policy, number, error, request):
                break
        return None

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

    async def _cached(
        self, request: GatewayRequest, candidate: Candidate, key: str, attempts: list[Attempt]
    ) -> GatewayResult | None:
        raw = await self.deps.cache.get(key)
        if raw is None:
            return None
        stored = orjson.loads(raw)
        usage = Usage(**stored["usage"])
        attempt = self._attempt(candidate, "ok", 0.0, None)
        attempt.message = "cache hit"
        attempts.append(attempt)
        result = GatewayResult(
            content=stored["content"],
            model=stored["model"],
            provider_id=candidate.live.id,
            provider_name=candidate.live.name,
            provider_type=candidate.live.provider_type,
            finish_reason=stored.get("finish_reason"),
            usage=usage,
            latency_ms=_ms_since(request.started),
            cached=True,
            request_id=request.request_id,
            attempts=attempts,
            logprobs=stored.get("logprobs"),
        )
        await self._record(
            request, candidate, Usage(), result.model, status="ok", attempts=attempts, cached=True
        )
        return result

    def _result(
        self,
        request: GatewayRequest,
        candidate: Candidate,
        result: ChatResult,
        attempts: list[Attempt],
    ) -> GatewayResult:
        return GatewayResult(
            content=result.content,
            model=result.model,
            provider_id=candidate.live.id,
            provider_name=candidate.live.name,
            provider_type=candidate.live.provider_type,
            finish_reason=result.finish_reason,
            usage=result.usage,
            latency_ms=_ms_since(request.started),
            cached=False,
            request_id=request.request_id,
            attempts=attempts,
            logprobs=_logprobs(result),
        )

    async def _record(
        self,
        request: GatewayRequest,
        candidate: Candidate | None,
        usage: Usage,
        model: str | None,
        *,
        status: str,
        attempts: list[Attempt],
        cached: bool,
        error_code: str | None = None,
        operation: str = "generate",
    ) -> None:
        live = candidate.live if candidate else None
        cost = 0.0
        if live is not None and not cached:
            cost = await self.deps.prices.cost(
                tenant_id=request.caller.tenant_id,
                provider_type=live.provider_type,
                model=model,
                usage=usage,
            )
        latency = _ms_since(request.started)
        self.deps.usage.record(
            tenant_id=request.caller.tenant_id,
            request_id=request.request_id,
            api_key_id=request.caller.api_key_id,
            user_id=request.caller.user_id,
            provider_id=live.id if live else None,
            provider_type=live.provider_type if live else None,
            model=model,
            operation=operation,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            cost=cost,
            latency_ms=latency,
            attempts=sum(1 for a in attempts if a.status != "skipped"),
            status=status,
            error_code=error_code,
            cached=cached,
        )
        self.deps.observer.finished(
            request,
            status=status,
            cached=cached,
            latency_ms=latency,
            provider_type=live.provider_type if live else None,
            model=model,
            usage=usage,
        )

    async def _record_failure(
        self, request: GatewayRequest, candidates: list[Candidate], attempts: list[Attempt]
    ) -> None:
        last = next((a for a in reversed(attempts) if a.status == "error"), None)
        code = "RATE_LIMITED" if last is None and attempts else "ALL_PROVIDERS_FAILED"
        by_id = {c.live.id: c for c in candidates}
        candidate = by_id.get(last.provider_id) if last else (candidates[0] if candidates else None)
        await self._record(
            request,
            candidate,
            Usage(),
            last.model if last else None,
            status="error",
            attempts=attempts,
            cached=False,
            error_code=code,
        )

    @staticmethod
    def _model(candidate: Candidate) -> str | None:
        return candidate.model or candidate.live.adapter.connection.chat_model

    def _attempt(
        self,
        candidate: Candidate,
        status: str,
        latency_ms: float,
        error: TurnoutError | None,
        *,
        code: str | None = None,
    ) -> Attempt:
        return Attempt(
            provider_id=candidate.live.id,
            provider_name=candidate.live.name,
            provider_type=candidate.live.provider_type,
            model=self._model(candidate),
            status=status,
            latency_ms=latency_ms,
            error_code=error.code.value if error else code,
            message=(error.detail or error.code.value) if error else None,
        )


def _rate_limited_wait(attempts: list[Attempt]) -> float | None:
    """The shortest wait, when no candidate was actually tried and some were rate limited."""
    if any(a.status == "error" for a in attempts):
        return None
    waits = [
        float(a.message.split()[-1].rstrip("s"))
        for a in attempts
        if a.error_code == "RATE_LIMITED" and a.message
    ]
    return min(waits) if waits else None


def _encode(result: ChatResult) -> bytes:
    return orjson.dumps(
        {
            "content": result.content,
            "model": result.model,
            "finish_reason": result.finish_reason,
            "usage": {
                "prompt_tokens": result.usage.prompt_tokens,
                "completion_tokens": result.usage.completion_tokens,
                "total_tokens": result.usage.total_tokens,
            },
            "logprobs": _logprobs(result),
        }
    )


def _logprobs(result: ChatResult) -> list[dict[str, Any]] | None:
    if not result.logprobs:
        return None
    return [{"token": t.token, "logprob": t.logprob} for t in result.logprobs]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _ms_since(started_monotonic: float) -> float:
    return round((time.monotonic() - started_monotonic) * 1000, 3)
