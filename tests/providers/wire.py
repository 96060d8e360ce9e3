"""OpenAI-shaped bodies and a stream collector shared by the adapter tests."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from turnout.providers import ChatRequest, StreamEvent
from turnout.providers.base import LLMProvider

HELLO = ChatRequest(messages=[{"role": "user", "content": "hello"}])


def completion(content: str | None = "hi", finish: str | None = "stop", **extra: Any) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4.1-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    } | extra


def chunk(content: str | None = None, finish: str | None = None, **delta: Any) -> dict:
    d = {"content": content} | delta if content is not None else delta
    return {"id": "c", "model": "m", "choices": [{"index": 0, "delta": d, "finish_reason": finish}]}


async def collect(provider: LLMProvider, req: ChatRequest = HELLO) -> list[StreamEvent]:
    async with aclosing(provider.stream_generate(req)) as events:
        return [event async for event in events]
