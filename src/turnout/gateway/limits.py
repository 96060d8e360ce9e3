"""Rate limits on the request path: per API key (rpm) and per provider (rpm and tpm together)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from turnout.configs.runtime import LiveProvider
from turnout.errors import RateLimited
from turnout.gateway.context import Caller
from turnout.providers import ChatRequest
from turnout.state.ratelimit import RateDecision, RateLimiter, Spend

WINDOW_S = 60.0
# Paced requests (batch work) also fit their rpm share into every window of this length, so
# a job's requests arrive at an even rate rather than all at the start of a minute.
PACE_S = 3.0
# A rough token estimate for tpm before the call: about four characters per token.
CHARS_PER_TOKEN = 4


def estimate_tokens(chat: ChatRequest) -> int:
    chars = sum(len(str(m.get("content") or "")) for m in chat.messages)
    return max(1, chars // CHARS_PER_TOKEN) + (chat.max_tokens or 0)


def prompt_tokens_at_least(chat: ChatRequest) -> int:
    """A lower bound on the prompt's tokens: a request over a context window by it is surely over.

    Tokenisers give about four characters of English text, and one or two CJK characters, per
    token; counting four ASCII characters and two other characters per token stays below both.
    """
    ascii_chars = other_chars = 0
    for message in chat.messages:
        for text in _texts(message.get("content")):
            size = len(text)
            other = size - len(text.encode("ascii", "ignore"))
            ascii_chars += size - other
            other_chars += other
    return ascii_chars // 4 + other_chars // 2


def _texts(content: object) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [part["text"] for part in content if isinstance(part, dict)
                and isinstance(part.get("text"), str)]
    return []


def estimate_embedding_tokens(texts: Sequence[str]) -> int:
    return max(1, sum(len(t) for t in texts) // CHARS_PER_TOKEN)


def _share_of(limit: int, share: float) -> int:
    """The part of `limit` a caller with `share` may use (at least 1 of a real limit)."""
    return limit if share >= 1 else max(1, math.floor(limit * share))


class Limits:
    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    async def check_caller(self, caller: Caller) -> None:
        """Refuse at once when the API key is over its own rpm."""
        if not caller.api_key_id or not caller.rpm_limit:
            return
        decision = await self._limiter.acquire(
            f"key:{caller.api_key_id}:rpm", limit=caller.rpm_limit, window_s=WINDOW_S
        )
        if not decision.allowed:
            raise RateLimited(retry_after_s=decision.retry_after_s, details={"scope": "api_key"})

    async def check_provider(
        self, live: LiveProvider, tokens: int, *, share: float = 1.0, paced: bool = False
    ) -> RateDecision | None:
        """None when the provider may take the request now, else the refusing decision.

        The rpm slot and the tokens are spent together or not at all, so a request refused for
        its tokens leaves the request count untouched. Paced requests also spend a slot of the
        paced requests' own short window (shared by every job on the provider).
        """
        rpm = int(live.options.get("rpm") or 0)
        tpm = int(live.options.get("tpm") or 0)
        if rpm <= 0 and tpm <= 0:
            return None
        spends = []
        if rpm > 0:
            allowed = _share_of(rpm, share)
            spends.append(Spend(f"provider:{live.id}:rpm", allowed, WINDOW_S))
            if paced:
                per_pace = max(1, math.ceil(allowed * PACE_S / WINDOW_S))
                spends.append(Spend(f"provider:{live.id}:rpm:paced", per_pace, PACE_S))
        if tpm > 0:
            limit = _share_of(tpm, share)
            spends.append(Spend(f"provider:{live.id}:tpm", limit, WINDOW_S, tokens))
        decision = await self._limiter.acquire_all(spends)
        return None if decision.allowed else decision
