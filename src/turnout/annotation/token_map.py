"""Where each token of a logprobs list was written in the answer text.

The gateway gives log-probabilities as `TokenLogprob(token, logprob, top)` in the order the
model wrote them (`gateway.outcomes.decoded_logprobs` reads the stored form back). Their
strings are laid over the answer's UTF-8 bytes in order, so a character range of the answer
maps to the tokens that wrote it:

- A token spelling part of a character as escapes (`\\xe4\\xbd`, `bytes:\\xe4`, as OpenAI and
  vLLM send partial UTF-8) counts as those bytes.
- A token that cannot be found within `GAP_WINDOW` bytes per pending token is left pending.
  When the pending tokens all hold U+FFFD (standing for bytes the provider could not decode)
  and could together spell the bytes between the two placed tokens around them (up to 4 bytes
  per U+FFFD), they share those bytes, with unknown spelling. Otherwise (another tokeniser's
  spelling, another text's tokens) they are left out and the bytes stay uncovered.
- A token found further on with nothing pending means the provider left tokens out (the
  gateway drops a token that came without a log-probability): the skipped bytes stay uncovered.

A range is mapped only when tokens cover every one of its bytes; otherwise there is no answer
rather than a wrong one (a tool call's arguments laid against the content's tokens, say).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from turnout.providers.base import TokenLogprob

GAP_WINDOW = 16  # bytes searched ahead, per pending token, to place the next one
_ESCAPED_BYTES = re.compile(r"(?:bytes:)?((?:\\x[0-9a-fA-F]{2})+)")


@dataclass(frozen=True, slots=True)
class PlacedToken:
    """A token of the logprobs list at bytes [start, end) of the answer; `spelled` is None
    when it was placed in a gap and its bytes are unknown. `top` holds the alternatives whose
    bytes could be read."""

    index: int
    start: int
    end: int
    spelled: bytes | None
    logprob: float
    top: tuple[tuple[bytes, float], ...]


class TokenMap:
    """An answer's tokens laid over its bytes, and its character ↔ byte offsets."""

    def __init__(self, *, answer: str, logprobs: Sequence[TokenLogprob]) -> None:
        self.data = answer.encode("utf-8", "surrogatepass")
        self._byte_at = _byte_offsets(answer)
        self.tokens = _placed(self.data, logprobs)
        self._ends = [token.end for token in self.tokens]

    def byte_offset(self, char_offset: int) -> int:
        """The byte offset of a character offset of the answer."""
        return self._byte_at[char_offset]

    def tokens_for_chars(self, start: int, end: int) -> tuple[PlacedToken, ...] | None:
        """The tokens that wrote characters [start, end), or None unless they cover it all."""
        return self.tokens_for_bytes(self.byte_offset(start), self.byte_offset(end))

    def tokens_for_bytes(self, start: int, end: int) -> tuple[PlacedToken, ...] | None:
        """The tokens that wrote bytes [start, end), or None unless they cover it all (an
        empty range was written by no token)."""
        if start >= end:
            return None
        reached, found = start, []
        # Placed tokens lie in order: their starts and ends never decrease.
        for token in self.tokens[bisect_right(self._ends, start):]:
            if token.start >= end:
                break
            if token.start > reached:
                return None
            if token.end > token.start:
                reached = max(reached, token.end)
                found.append(token)
        return tuple(found) if found and reached >= end else None

    def token_at(self, byte_offset: int) -> PlacedToken | None:
        """The token that wrote the byte at `byte_offset`, if one did."""
        index = bisect_right(self._ends, byte_offset)
        while index < len(self.tokens) and self.tokens[index].start == self.tokens[index].end:
            index += 1
        if index < len(self.tokens) and self.tokens[index].start <= byte_offset:
            return self.tokens[index]
        return None


def _byte_offsets(answer: str) -> tuple[int, ...]:
    offsets, offset = [0], 0
    for char in answer:
        offset += len(char.encode("utf-8", "surrogatepass"))
        offsets.append(offset)
    return tuple(offsets)


def _placed(data: bytes, logprobs: Sequence[TokenLogprob]) -> tuple[PlacedToken, ...]:
    placed: list[PlacedToken] = []
    pending: list[tuple[int, TokenLogprob]] = []
    position = 0
    for index, item in enumerate(logprobs):
        window = position + GAP_WINDOW * (len(pending) + 1)
        hit = _find(data, _spellings(item.token), position, window)
        if hit is None:
            pending.append((index, item))
            continue
        at, spelled = hit
        placed.extend(_gap(pending, position, at))
        pending = []
        placed.append(PlacedToken(index, at, at + len(spelled), spelled, item.logprob, _top(item)))
        position = at + len(spelled)
    placed.extend(_gap(pending, position, len(data)))
    return tuple(placed)


def _find(data: bytes, spellings: list[bytes], start: int, window: int) -> tuple[int, bytes] | None:
    hit = None
    for spelled in spellings:
        at = data.find(spelled, start, window + len(spelled)) if spelled else start
        if at >= 0 and (hit is None or at < hit[0]):
            hit = (at, spelled)
    return hit


def _gap(pending: Sequence[tuple[int, TokenLogprob]], start: int, end: int) -> list[PlacedToken]:
    """The pending tokens over bytes [start, end) when they can be what was written there:
    each unreadable (holding U+FFFD) and together long enough; else none of them."""
    room = 0
    for _, item in pending:
        if "\ufffd" not in item.token:
            return []
        room += len(item.token.replace("\ufffd", "").encode("utf-8", "surrogatepass"))
        room += 4 * item.token.count("\ufffd")  # a replaced character was at most 4 bytes
    if end - start > room:
        return []
    return [
        PlacedToken(index, start, end, None, item.logprob, _top(item)) for index, item in pending
    ]


def _top(item: TokenLogprob) -> tuple[tuple[bytes, float], ...]:
    read = ((_alternative(token), logprob) for token, logprob in item.top)
    return tuple((spelled, logprob) for spelled, logprob in read if spelled is not None)


def _spellings(token: str) -> list[bytes]:
    spellings = [token.encode("utf-8", "surrogatepass")]
    escaped = _ESCAPED_BYTES.fullmatch(token)
    if escaped:
        spellings.append(bytes.fromhex(escaped.group(1).replace("\\x", "")))
    return spellings


def _alternative(token: str) -> bytes | None:
    escaped = _ESCAPED_BYTES.fullmatch(token)
    if escaped:
        return bytes.fromhex(escaped.group(1).replace("\\x", ""))
    return None if "\ufffd" in token else token.encode("utf-8", "surrogatepass")
