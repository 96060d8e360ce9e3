"""Deterministic model output: the echo reply, word-count usage, log-probabilities, embeddings.

One "token" is one whitespace-separated word, so tests can predict every count. A reply may
bring its own tokens and log-probabilities (`Reply.scores`, the annotator's): then a token is
one of its pieces, and usage counts those pieces.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import orjson

DEFAULT_DIMENSIONS = 8
FILTERED_WORDS = 2  # how much a content-filtered reply shows before it stops
_PIECE = re.compile(r"\s*\S+")


def part_text(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list joined by spaces."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict)]
        return " ".join(text for text in texts if isinstance(text, str))
    return ""


def word_count(text: str) -> int:
    return len(text.split())


def prompt_tokens(messages: Sequence[Any]) -> int:
    """Words over every message, at least 1."""
    total = sum(word_count(part_text(m.get("content"))) for m in messages if isinstance(m, dict))
    return max(1, total)


def last_user_text(messages: Sequence[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return part_text(message.get("content"))
    return ""


def split_pieces(text: str) -> list[str]:
    """`text` cut into one piece per word, each with its leading whitespace; they join to `text`."""
    pieces = _PIECE.findall(text)
    tail = text[sum(map(len, pieces)):]
    if pieces and tail:
        pieces[-1] += tail
    return pieces


def _cut_at_stop(text: str, stop: Any) -> tuple[str, bool]:
    stops = [stop] if isinstance(stop, str) else [s for s in stop or () if isinstance(s, str)]
    hits = [text.find(s) for s in stops if s and s in text]
    return (text[: min(hits)], True) if hits else (text, False)


@dataclass(frozen=True)
class TokenScore:
    """A piece's own log-probability and its alternatives, most likely first."""

    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Reply:
    pieces: tuple[str, ...]
    finish_reason: str
    prompt_tokens: int
    tool_tokens: int = 0  # words of the tool-call arguments, when the reply calls tools
    scores: tuple[TokenScore, ...] | None = None  # one per piece, in place of `logprob`

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def completion_tokens(self) -> int:
        return len(self.pieces) + self.tool_tokens

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def build_reply(
    messages: Sequence[Any],
    *,
    json_mode: bool = False,
    max_tokens: Any = None,
    stop: Any = None,
    filtered_finish: str | None = None,
    echoed: str | None = None,
) -> Reply:
    """The echo of `echoed` (the last user message by default), cut by `stop`, `max_tokens` or
    a content filter."""
    echoed = last_user_text(messages) if echoed is None else echoed
    text = orjson.dumps({"echo": echoed}).decode() if json_mode else "echo: " + echoed
    text, _ = _cut_at_stop(text, stop)
    pieces = split_pieces(text)
    finish = "stop"
    if filtered_finish is not None:
        pieces, finish = pieces[:FILTERED_WORDS], filtered_finish
    elif isinstance(max_tokens, int) and 0 < max_tokens < len(pieces):
        pieces, finish = pieces[:max_tokens], "length"
    return Reply(tuple(pieces), finish, prompt_tokens(messages))


def _unit_hash(*parts: object) -> float:
    """A stable number in [0, 1) from `parts`."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


def logprob(token: str, index: int) -> float:
    """A deterministic log-probability strictly inside (-1, 0)."""
    return -(0.01 + 0.98 * _unit_hash(token, index))


def logprob_entry(token: str, index: int, top: int) -> dict[str, Any]:
    """One OpenAI `logprobs.content` item; alternatives share the probability left over."""
    value = logprob(token, index)
    rest = 1.0 - math.exp(value)
    alternatives = [
        {"token": f"alt{k}", "logprob": math.log(rest / 2 ** (k + 1)), "bytes": list(b"alt%d" % k)}
        for k in range(1, max(0, top))
    ]
    top_list = [{"token": token, "logprob": value, "bytes": list(token.encode())}, *alternatives]
    return {
        "token": token,
        "logprob": value,
        "bytes": list(token.encode()),
        "top_logprobs": top_list[:top] if top > 0 else [],
    }


def piece_logprob_entry(reply: Reply, index: int, top: int) -> dict[str, Any]:
    """The `logprobs.content` item of the reply's `index`-th piece: its own score when the
    reply brings scores, else the made-up one of `logprob_entry`."""
    token = reply.pieces[index]
    if reply.scores is None:
        return logprob_entry(token, index, top)
    score = reply.scores[index]
    listed = score.top[:top] if top > 0 else ()
    return {
        "token": token,
        "logprob": score.logprob,
        "bytes": list(token.encode()),
        "top_logprobs": [{"token": alternative, "logprob": value,
                          "bytes": list(alternative.encode())} for alternative, value in listed],
    }


def limited(reply: Reply, max_tokens: Any, filtered_finish: str | None) -> Reply:
    """`reply` cut by a content filter or `max_tokens`, as `build_reply` cuts the echo."""
    keep, finish = len(reply.pieces), reply.finish_reason
    if filtered_finish is not None:
        keep, finish = FILTERED_WORDS, filtered_finish
    elif isinstance(max_tokens, int) and 0 < max_tokens < keep:
        keep, finish = max_tokens, "length"
    scores = None if reply.scores is None else reply.scores[:keep]
    return replace(reply, pieces=reply.pieces[:keep], finish_reason=finish, scores=scores)


@lru_cache(maxsize=4096)
def embedding(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> tuple[float, ...]:
    """A unit vector that depends only on `text` and `dimensions`."""
    values: list[float] = []
    block = 0
    while len(values) < dimensions:
        digest = hashlib.blake2b(f"{block}:{text}".encode(), digest_size=64).digest()
        values.extend(int.from_bytes(digest[i : i + 4], "little") / 2**31 - 1.0
                      for i in range(0, 64, 4))
        block += 1
    vector = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return tuple(v / norm for v in vector)


def encode_base64(vector: Sequence[float]) -> str:
    """OpenAI's `encoding_format: "base64"`: little-endian float32s."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def embedding_inputs(raw: Any) -> list[str] | None:
    """The texts to embed from an `input` field (a string, a list of strings or token lists)."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        if all(isinstance(item, int) for item in raw):
            return [" ".join(map(str, raw))]
        return [item if isinstance(item, str) else _tokens_text(item) for item in raw]
    return None


def _tokens_text(item: Any) -> str:
    return " ".join(map(str, item)) if isinstance(item, Iterable) else str(item)


def dimensions_from(value: Any) -> int:
    return value if isinstance(value, int) and 0 < value <= 8192 else DEFAULT_DIMENSIONS


def calls_reply(messages: Sequence[Any], arguments: Sequence[str]) -> Reply:
    """A reply that only calls tools, one word-count token per word of their arguments."""
    tokens = sum(word_count(text.replace('"', " ")) for text in arguments)
    return Reply((), "tool_calls", prompt_tokens(messages), tool_tokens=max(1, tokens))
