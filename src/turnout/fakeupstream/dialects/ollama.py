"""Ollama's native API bodies (ollama docs/api.md): /api/chat, /api/embed, /api/tags, /api/version.

Durations are nanoseconds, derived from the counts so they are deterministic. A reply that
calls tools carries them whole in one message (arguments as JSON objects, no ids, as the docs'
examples show) before the last object, which says done_reason "stop".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from turnout.fakeupstream import content
from turnout.fakeupstream.content import Reply
from turnout.fakeupstream.tools import ScriptedCall

VERSION = "0.12.11"  # first release with native logprobs
MODIFIED_AT = "2025-11-01T12:00:00.000000000Z"
_NS_PER_TOKEN = 1_000_000
_LOAD_NS = 2_000_000

# name → (family, parameter size, size in bytes)
_MODEL_DETAILS: dict[str, tuple[str, str, int]] = {
    "gpt-oss:20b": ("gptoss", "20.9B", 13_780_154_071),
    "llama3.2:latest": ("llama", "3.2B", 2_019_393_189),
    "qwen3:8b": ("qwen3", "8.2B", 5_225_388_164),
    "embeddinggemma:latest": ("gemma3", "307.58M", 621_875_417),
    "all-minilm:latest": ("bert", "23M", 45_960_996),
}


@dataclass(frozen=True)
class OllamaTurn:
    model: str
    reply: Reply
    created_at: str
    logprobs: bool = False
    top_logprobs: int = 0
    calls: tuple[ScriptedCall, ...] = ()


def _message(text: str, calls: tuple[ScriptedCall, ...] = ()) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = [call.ollama() for call in calls]
    return message


def _logprobs(turn: OllamaTurn, pieces: Sequence[str], start: int) -> list[dict[str, Any]]:
    return [content.piece_logprob_entry(turn.reply, start + i, turn.top_logprobs)
             for i in range(len(pieces))]


def _final(turn: OllamaTurn, text: str) -> dict[str, Any]:
    reply = turn.reply
    prompt_ns = reply.prompt_tokens * _NS_PER_TOKEN
    eval_ns = reply.completion_tokens * _NS_PER_TOKEN
    return {
        "model": turn.model,
        "created_at": turn.created_at,
        "message": _message(text),
        "done": True,
        "done_reason": "stop" if turn.calls else reply.finish_reason,
        "total_duration": _LOAD_NS + prompt_ns + eval_ns,
        "load_duration": _LOAD_NS,
        "prompt_eval_count": reply.prompt_tokens,
        "prompt_eval_duration": prompt_ns,
        "eval_count": reply.completion_tokens,
        "eval_duration": eval_ns,
    }


def chat(turn: OllamaTurn) -> dict[str, Any]:
    body = _final(turn, turn.reply.text)
    body["message"] = _message(turn.reply.text, turn.calls)
    if turn.logprobs:
        body["logprobs"] = _logprobs(turn, turn.reply.pieces, 0)
    return body


def chat_chunks(turn: OllamaTurn) -> list[dict[str, Any]]:
    """One object per word with `done: false`, then the summary with `done: true`."""
    events = []
    for index, piece in enumerate(turn.reply.pieces):
        event = {"model": turn.model, "created_at": turn.created_at,
                 "message": _message(piece), "done": False}
        if turn.logprobs:
            event["logprobs"] = _logprobs(turn, (piece,), index)
        events.append(event)
    if turn.calls:
        events.append({"model": turn.model, "created_at": turn.created_at,
                       "message": _message("", turn.calls), "done": False})
    events.append(_final(turn, ""))
    return events


def embed(model: str, texts: Sequence[str], dimensions: int) -> dict[str, Any]:
    tokens = max(1, sum(content.word_count(text) for text in texts))
    return {
        "model": model,
        "embeddings": [list(content.embedding(text, dimensions)) for text in texts],
        "total_duration": _LOAD_NS + tokens * _NS_PER_TOKEN,
        "load_duration": _LOAD_NS,
        "prompt_eval_count": tokens,
    }


def _tag(name: str) -> dict[str, Any]:
    family, parameters, size = _MODEL_DETAILS.get(name, ("llama", "7B", 4_000_000_000))
    details = {"parent_model": "", "format": "gguf", "family": family, "families": [family],
               "parameter_size": parameters, "quantization_level": "Q4_K_M"}
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {"name": name, "model": name, "modified_at": MODIFIED_AT, "size": size,
            "digest": digest, "details": details}


def tags(models: Sequence[str]) -> dict[str, Any]:
    return {"models": [_tag(name) for name in models]}


def version() -> dict[str, Any]:
    return {"version": VERSION}


def running() -> dict[str, Any]:
    return {"models": []}
