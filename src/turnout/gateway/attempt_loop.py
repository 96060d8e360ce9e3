"""The one attempt loop behind generate, stream and embed (private to the switcher).

Each candidate is a lane: circuit breaker → its own rate limit → up to three tries with a
deadline each, and backoff between them. Lanes run one after another; when a lane has not
answered within its provider's hedge delay and another candidate is waiting, that one starts
too (a hedge). The first answer wins; lanes still running are cancelled and recorded so.
When only our own rate limits stood in the way, the loop waits once (within the deadline)
and tries again. Only Turnout's own errors are handled here: anything else is a bug and
leaves the loop as it is, after the other lanes are cancelled.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Generic, TypeVar

from turnout.errors import (
    AllProvidersFailed,
    CapabilityUnsupported,
    ContextLengthExceeded,
    RateLimited,
    TurnoutError,
    UpstreamTimeout,
)
from turnout.gateway.candidates import Candidate
from turnout.gateway.context import Attempt, AttemptStatus, GatewayRequest
from turnout.gateway.limits import prompt_tokens_at_least
from turnout.gateway.retry import RetryPolicy

if TYPE_CHECKING:
    from turnout.gateway.switcher import GatewayDeps

T = TypeVar("T")
Call = Callable[[Candidate, float], Awaitable[T]]  # (candidate, timeout_s) → answer
Lookup = Callable[[Candidate], Awaitable[T | None]]  # a stored answer, e.g. the response cache
Discard = Callable[[T], Awaitable[None]]  # release an answer that lost the race
MAX_TRIES_PER_PROVIDER = 3
_POLICIES: dict[tuple[int, RetryPolicy], RetryPolicy] = {}


class AttemptLoop(Generic[T]):
    def __init__(
        self,
        deps: GatewayDeps,
        request: GatewayRequest,
        call: Call[T],
        *,
        tokens: int,
        embed: bool = False,
        requires: tuple[str, ...] = (),
        lookup: Lookup[T] | None = None,
        discard: Discard[T] | None = None,
    ) -> None:
        self.deps = deps
        self.request = request
        self.attempts: list[Attempt] = []
        self._call = call
        self._tokens = tokens
        self._prompt_tokens = None if embed else prompt_tokens_at_least(request.chat)
        self._embed = embed
        # Capabilities (catalog names) a candidate must have; others are skipped, not called.
        self._requires = ("embed", *requires) if embed else requires
        self._lookup = lookup
        self._discard = discard

    async def run(self, candidates: list[Candidate]) -> tuple[Candidate, T]:
        """The first answer, with its candidate; else RateLimited or AllProvidersFailed."""
        for round_number in (1, 2):
            served = await self._race(candidates)
            if served is not None:
                return served
            wait = self._rate_limited_wait()
            if wait is None or round_number == 2 or wait >= self.request.remaining_s():
                break
            await self.deps.sleep(wait)
        wait = self._rate_limited_wait()
        if wait is not None:
            raise RateLimited(retry_after_s=wait, attempts=self.attempts)
        if (refusal := self._refusal()) is not None:
            raise refusal
        raise AllProvidersFailed(self.attempts)

    def _refusal(self) -> TurnoutError | None:
        """The request's own fault, when every candidate refused it before any call."""
        errors = [a.error for a in self.attempts if a.status is AttemptStatus.SKIPPED]
        if not errors or len(errors) != len(self.attempts) or None in errors:
            return None
        refusal = errors[0]
        assert refusal is not None
        refusal.attempts = tuple(self.attempts)
        return refusal

    def failed_after_answer(self, candidate: Candidate, error: TurnoutError) -> None:
        """A served answer broke afterwards (a stream cut mid-way): it counts as a failure."""
        self._note(candidate, AttemptStatus.ERROR, None, error)

    async def _race(self, candidates: Iterable[Candidate]) -> tuple[Candidate, T] | None:
        waiting = deque(candidates)
        running: dict[asyncio.Task[T | None], Candidate] = {}
        hedge_at: float | None = None
        try:
            while waiting or running:
                if not running:
                    candidate = waiting.popleft()
                    delay = self._hedge_delay(candidate) if waiting else None
                    if delay is None:  # nothing to hedge to: no task needed
                        value = await self._lane(candidate)
                        if value is not None:
                            return candidate, value
                        continue
                    running[asyncio.ensure_future(self._lane(candidate))] = candidate
                    hedge_at = time.monotonic() + delay
                timeout = None if hedge_at is None else max(0.0, hedge_at - time.monotonic())
                done, _ = await asyncio.wait(
                    running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:  # the hedge delay passed without an answer
                    candidate = waiting.popleft()
                    running[asyncio.ensure_future(self._lane(candidate))] = candidate
                    delay = self._hedge_delay(candidate) if waiting else None
                    hedge_at = None if delay is None else time.monotonic() + delay
                    continue
                if (winner := await self._first_answer(done, running)) is not None:
                    return winner
                if not waiting:
                    hedge_at = None
        finally:
            await self._cancel(running)
        return None

    async def _first_answer(
        self, done: set[asyncio.Task[T | None]], running: dict[asyncio.Task[T | None], Candidate]
    ) -> tuple[Candidate, T] | None:
        """The winner among finished lanes; answers that came in second are released."""
        winner: tuple[Candidate, T] | None = None
        for task in done:
            candidate = running.pop(task)
            value = task.result()  # a bug in a lane leaves from here
            if value is None:
                continue
            if winner is None:
                winner = (candidate, value)
            elif self._discard is not None:
                await self._discard(value)
        return winner

    async def _cancel(self, running: dict[asyncio.Task[T | None], Candidate]) -> None:
        for task in running:
            task.cancel()
        results = await asyncio.gather(*running, return_exceptions=True)
        for value in results:
            if value is not None and not isinstance(value, BaseException) and self._discard:
                await self._discard(value)

    async def _over_context_window(self, candidate: Candidate) -> ContextLengthExceeded | None:
        """The refusal for a prompt that surely does not fit the model (never sent: it costs)."""
        if self._embed or self._prompt_tokens is None:
            return None
        live = candidate.live
        window = await self.deps.prices.context_window(
            tenant_id=self.request.caller.tenant_id,
            provider_type=live.provider_type,
            model=candidate.chat_model,
        )
        needed = self._prompt_tokens + (self.request.chat.max_tokens or 0)
        if window is None or needed <= window:
            return None
        return ContextLengthExceeded(
            provider=live.name, details={"tokens_at_least": needed, "context_window": window}
        )

    def _hedge_delay(self, candidate: Candidate) -> float | None:
        live = candidate.live
        return self.deps.hedging.delay_s(live.id, live.options)

    async def _lane(self, candidate: Candidate) -> T | None:
        """This candidate's answer, or None when it could not give one."""
        if self._lookup is not None and (stored := await self._lookup(candidate)) is not None:
            self._note(candidate, AttemptStatus.CACHE_HIT, None)
            return stored
        live = candidate.live
        capabilities = live.adapter.capabilities
        missing = next((c for c in self._requires if not getattr(capabilities, c)), None)
        if missing is not None:
            error = CapabilityUnsupported(capability=missing, provider=live.name)
            self.attempts.append(self._attempt(candidate, AttemptStatus.SKIPPED, None, error))
            return None
        if (too_long := await self._over_context_window(candidate)) is not None:
            self.attempts.append(self._attempt(candidate, AttemptStatus.SKIPPED, None, too_long))
            return None
        if not self.deps.circuit.allow(live.id):
            self._skip(candidate, "CIRCUIT_OPEN")
            return None
        refused = await self.deps.limits.check_provider(
            live, self._tokens, share=self.request.limit_share, paced=self.request.paced
        )
        if refused is not None:
            self._skip(candidate, "RATE_LIMITED", refused.retry_after_s)
            return None
        return await self._tries(candidate)

    async def _tries(self, candidate: Candidate) -> T | None:
        live, request = candidate.live, self.request
        policy = self._policy(int(live.options.get("max_retries", 2)) + 1)
        per_try = request.chat.timeout_s or float(live.options.get("timeout_s") or 60.0)
        for number in range(1, policy.max_attempts + 1):
            timeout = min(per_try, request.remaining_s())
            if timeout <= 0:
                break
            started = time.perf_counter()
            try:
                async with asyncio.timeout(timeout):
                    value = await self._call(candidate, timeout)
            except TimeoutError:
                error: TurnoutError = UpstreamTimeout(provider=live.name)
            except TurnoutError as exc:
                error = exc
            except asyncio.CancelledError:
                self._note(candidate, AttemptStatus.CANCELLED, started)
                raise
            else:
                self._note(candidate, AttemptStatus.OK, started)
                return value
            self._note(candidate, AttemptStatus.ERROR, started, error)
            if not await self._backoff(policy, number, error):
                break
        return None

    def _policy(self, tries: int) -> RetryPolicy:
        """The retry policy allowing `tries` tries (at most three), built once per count."""
        tries = max(1, min(MAX_TRIES_PER_PROVIDER, tries))
        base = self.deps.retry
        policy = _POLICIES.get((tries, base))
        if policy is None:
            policy = _POLICIES[(tries, base)] = replace(base, max_attempts=tries)
        return policy

    async def _backoff(self, policy: RetryPolicy, number: int, error: TurnoutError) -> bool:
        """Wait before the next try on the same provider; False means move on instead."""
        if not policy.should_retry(error, number):
            return False
        retry_after = getattr(error, "retry_after_s", None)
        remaining = self.request.remaining_s()
        if retry_after is not None and retry_after >= remaining:
            return False  # waiting would overrun the deadline: fail over now
        delay = policy.delay_for(
            number, retry_after_s=retry_after, rng=self.deps.rng, remaining_s=remaining
        )
        await self.deps.sleep(delay)
        return True

    def _note(
        self,
        candidate: Candidate,
        status: AttemptStatus,
        started: float | None,
        error: TurnoutError | None = None,
    ) -> None:
        """Record one call's outcome: in the attempts, the circuit breaker, the hedge timing."""
        attempt = self._attempt(candidate, status, started, error)
        self.attempts.append(attempt)
        provider_id = candidate.live.id
        if status is AttemptStatus.OK:
            self.deps.circuit.record_success(provider_id)
            self.deps.hedging.observe(provider_id, attempt.latency_ms / 1000)
        elif status is AttemptStatus.ERROR and error is not None:
            self.deps.circuit.record_failure(provider_id, error)

    def _skip(self, candidate: Candidate, code: str, retry_after_s: float | None = None) -> None:
        self.attempts.append(
            replace(
                self._attempt(candidate, AttemptStatus.SKIPPED, None),
                skip_code=code,
                retry_after_s=retry_after_s,
            )
        )

    def _attempt(
        self,
        candidate: Candidate,
        status: AttemptStatus,
        started: float | None,
        error: TurnoutError | None = None,
    ) -> Attempt:
        connection = candidate.live.adapter.connection
        model = (candidate.model or connection.embedding_model) if self._embed else (
            candidate.chat_model
        )
        return Attempt(
            provider=candidate.live.ref,
            model=model,
            status=status,
            latency_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
            error=error,
        )

    def _rate_limited_wait(self) -> float | None:
        """The shortest wait, when no candidate was called and some were rate limited."""
        if any(a.status.called for a in self.attempts):
            return None
        waits = [a.retry_after_s for a in self.attempts if a.retry_after_s is not None]
        return min(waits) if waits else None
