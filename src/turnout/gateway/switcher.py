"""The switcher: generate, stream and embed as methods of one object over one attempt loop.

Every request: the caller's own rate limit → candidates (requested or active provider, then
fallbacks) → the attempt loop (cache, circuit breaker, provider limits, retries, hedging,
failover; see `attempt_loop.py`) → cache the answer → one event to the observers. Each method
gives back a result, or raises a typed error (ALL_PROVIDERS_FAILED, RATE_LIMITED, …) that
carries every attempt.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from typing import TypeVar

from turnout.errors import TurnoutError
from turnout.gateway.accounting import Accounting
from turnout.gateway.attempt_loop import AttemptLoop
from turnout.gateway.cache_keys import DEFAULT_TTL_S, cache_key, is_cacheable
from turnout.gateway.candidates import Candidate, ProviderDirectory, resolve_candidates
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.context import Attempt, AttemptStatus, GatewayRequest
from turnout.gateway.events import GatewayObserver, NoObserver, Operation
from turnout.gateway.hedging import HedgePolicy
from turnout.gateway.limits import Limits, estimate_embedding_tokens, estimate_tokens
from turnout.gateway.outcomes import EmbedOutcome, GatewayResult, decode_result, encode_result
from turnout.gateway.pricing import ModelBook
from turnout.gateway.retry import RetryPolicy
from turnout.gateway.streaming import Opened, StreamItem, open_stream, relay, replay
from turnout.providers import ChatResult, EmbedResult, Usage
from turnout.providers.assembly import StreamAssembly
from turnout.providers.features import required_capabilities
from turnout.state.cache import ResponseCache

__all__ = ["GatewayDeps", "GatewayResult", "StreamItem", "Switcher"]

T = TypeVar("T")


@dataclass
class GatewayDeps:
    cache: ResponseCache
    limits: Limits
    circuit: CircuitBreaker
    prices: ModelBook
    observer: GatewayObserver = field(default_factory=NoObserver)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    hedging: HedgePolicy = field(default_factory=HedgePolicy)
    is_unhealthy: Callable[[str], bool] = lambda _id: False
    cache_ttl_s: float = DEFAULT_TTL_S
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # backoff and rate-limit waits


class Switcher:
    def __init__(self, directory: ProviderDirectory, deps: GatewayDeps) -> None:
        self.directory = directory
        self.deps = deps
        self._accounting = Accounting(deps.prices, deps.observer)

    async def generate(self, request: GatewayRequest) -> GatewayResult:
        """One answer from the first candidate that can give it."""
        candidates = await self._admit(request)

        async def call(candidate: Candidate, timeout_s: float) -> ChatResult:
            chat = replace(request.chat, model=candidate.model, timeout_s=timeout_s)
            return await candidate.live.adapter.generate(chat)

        async def cached(candidate: Candidate) -> ChatResult | None:
            raw = await self.deps.cache.get(self._cache_key(request, candidate))
            return None if raw is None else decode_result(raw)

        loop = AttemptLoop(
            self.deps, request, call, tokens=estimate_tokens(request.chat),
            requires=required_capabilities(request.chat),
            lookup=cached if is_cacheable(request) else None,
        )
        candidate, answer = await self._run(loop, candidates)
        return await self._finish(request, candidate, answer, loop.attempts)

    async def stream(self, request: GatewayRequest) -> AsyncIterator[StreamItem]:
        """Answer pieces (text, tool-call pieces) then one result item; raises before the first
        item when nobody can serve.

        Failover and hedging happen until the first piece; once pieces flow, a failure ends the
        stream with an error item instead.
        """
        candidates = await self._admit(request)

        async def cached(candidate: Candidate) -> Opened | None:
            raw = await self.deps.cache.get(self._cache_key(request, candidate))
            return None if raw is None else await replay(decode_result(raw))

        loop: AttemptLoop[Opened] = AttemptLoop(
            self.deps, request, lambda candidate, timeout_s: open_stream(
                request, candidate, timeout_s
            ),
            tokens=estimate_tokens(request.chat), discard=Opened.close,
            requires=required_capabilities(request.chat),
            lookup=cached if is_cacheable(request) else None,
        )
        candidate, opened = await self._run(loop, candidates)
        assembly = StreamAssembly()
        async with aclosing(relay(opened, candidate, request)) as events:
            try:
                async for event in events:
                    if not event.done:
                        if event.delta or event.tool_calls:
                            assembly.add(event)
                            yield StreamItem(
                                text=event.delta, index=event.index, tool_calls=event.tool_calls
                            )
                        continue
                    answer = assembly.result(event, candidate.chat_model or "")
                    yield StreamItem(
                        result=await self._finish(request, candidate, answer, loop.attempts)
                    )
            except TurnoutError as error:
                loop.failed_after_answer(candidate, error)
                self._accounting.failed(request, loop.attempts, error_code=error.code.value)
                yield StreamItem(error=error)

    async def embed(self, request: GatewayRequest, texts: Sequence[str]) -> EmbedOutcome:
        """Vectors from the first candidate that can embed."""
        candidates = await self._admit(request)

        async def call(candidate: Candidate, _timeout_s: float) -> EmbedResult:
            return await candidate.live.adapter.embed(texts, candidate.model)

        loop = AttemptLoop(
            self.deps, request, call, tokens=estimate_embedding_tokens(texts), embed=True
        )
        candidate, answer = await self._run(loop, candidates, Operation.EMBED)
        cost = await self._accounting.served(
            request, loop.attempts, candidate.live.adapter.connection,
            usage=answer.usage, model=answer.model, operation=Operation.EMBED,
        )
        return EmbedOutcome(answer, candidate.live.id, tuple(loop.attempts), cost)

    async def _admit(self, request: GatewayRequest) -> list[Candidate]:
        await self.deps.limits.check_caller(request.caller)
        return await resolve_candidates(
            self.directory, request, is_unhealthy=self.deps.is_unhealthy
        )

    async def _run(
        self,
        loop: AttemptLoop[T],
        candidates: list[Candidate],
        operation: Operation = Operation.GENERATE,
    ) -> tuple[Candidate, T]:
        try:
            return await loop.run(candidates)
        except TurnoutError as failure:
            self._accounting.failed(
                loop.request, loop.attempts, error_code=failure.code.value, operation=operation
            )
            raise

    async def _finish(
        self,
        request: GatewayRequest,
        candidate: Candidate,
        answer: ChatResult,
        attempts: Sequence[Attempt],
    ) -> GatewayResult:
        """Cache a fresh answer (when caching applies), account for it, shape it."""
        cached = attempts[-1].status is AttemptStatus.CACHE_HIT
        if not cached and is_cacheable(request):
            key = self._cache_key(request, candidate)
            await self.deps.cache.set(key, encode_result(answer), self.deps.cache_ttl_s)
        cost = await self._accounting.served(
            request, attempts, candidate.live.adapter.connection,
            usage=Usage() if cached else answer.usage, model=answer.model,
        )
        return GatewayResult.of(
            request, candidate.live, answer, attempts, cached=cached, cost=cost
        )

    @staticmethod
    def _cache_key(request: GatewayRequest, candidate: Candidate) -> str:
        return cache_key(request, provider_id=candidate.live.id, model=candidate.chat_model)
