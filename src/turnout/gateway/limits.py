"""Rate limits on the request path: per API key (rpm) and per provider (rpm, tpm)."""

from __future__ import annotations

from turnout.configs.runtime import LiveProvider
from turnout.errors import RateLimited
from turnout.gateway.context import GatewayRequest
from turnout.providers import ChatRequest
from turnout.state.ratelimit import RateDecision, RateLimiter

WINDOW_S = 60.0
# A rough token estimate for tpm before the call: about four characters per token.
CHARS_PER_TOKEN = 4


def estimate_tokens(chat: ChatRequest) -> int:
    chars = sum(len(str(m.get("content") or "")) for m in chat.messages)
    return max(1, chars // CHARS_PER_TOKEN) + (chat.max_tokens or 0)


def estimate_embedding_tokens(texts: list[str]) -> int:
    return max(1, sum(len(t) for t in texts) // CHARS_PER_TOKEN)


class Limits:
    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    async def check_caller(self, request: GatewayRequest, rpm_limit: int | None) -> None:
        """Refuse at once when the API key is over its own rpm."""
        key_id = request.caller.api_key_id
        if not key_id or not rpm_limit:
            return
        decision = await self._limiter.acquire(
            f"key:{key_id}:rpm", limit=rpm_limit, window_s=WINDOW_S
        )
        if not decision.allowed:
            raise RateLimited(retry_after_s=decision.retry_after_s, details={"scope": "api_key"})

    async def check_provider(self, live: LiveProvider, tokens: int) -> RateDecision | None:
        """None when the provider may take the request now, else the refusing decision."""
        rpm = int(live.options.get("rpm") or 0)
        tpm = int(live.options.get("tpm") or 0)
        if rpm > 0:
            decision = await self._limiter.acquire(
                f"provider:{live.id}:rpm", limit=rpm, window_s=WINDOW_S
            )
            if not decision.allowed:
                return decision
        if tpm > 0:
            decision = await self._limiter.acquire(
                f"provider:{live.id}:tpm", limit=tpm, window_s=WINDOW_S, cost=tokens
            )
            if not decision.allowed:
                return decision
        return None
