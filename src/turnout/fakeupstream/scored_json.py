"""An answer object written as JSON text in model-like tokens, each with a log-probability.

The text is exactly `json.dumps(answer, ensure_ascii=False)`. It is written in segments (the
JSON around the values, and each string's contents or number) and each segment is cut roughly
the way a BPE tokeniser cuts text: a run of word characters or of punctuation, with the
whitespace before it (`{"sentiment": "Positive"}` → `{"`, `sentiment`, `":`, ` "`, `Positive`,
`"}`). No token straddles a value's edge, so a value is cut the same wherever it stands, and the
tokens the values it could have been would begin with can be listed beside it.

How each token is scored:
- a closed value (a string of the schema's `enum`, an integer of a range of at most
  `MAX_CLOSED_RANGE` values): at each of its tokens the alternatives are the next tokens of the
  allowed values still possible, each with its share of the probabilities the judge gives the
  values, so the chosen value's tokens multiply to its probability;
- a free value (any other string or number): every token at log(the judge's confidence);
- the JSON around them: near-certain (`NEAR_CERTAIN`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from turnout.fakeupstream.content import TokenScore

NEAR_CERTAIN = -0.001
MAX_CLOSED_RANGE = 20
PAD_SHARE = 0.001  # probability left to tokens that begin no value at all
# Listed after the real candidates, so a long top_logprobs list has as many entries as asked.
_PADS = ("\n", "<", "*", "|", "~", "^", "`", "…", "\\n", "[", "{", "(", "#", "@", "$", "%",
         "&", "+", "=", ";")
_TOKEN = re.compile(r"\s*(?:\w+|[^\w\s]+)")

Path = tuple[str | int, ...]


class Judge(Protocol):
    """How sure the model is of each value it writes."""

    def closed(self, path: Path, chosen: str, allowed: Sequence[str]) -> Mapping[str, float]:
        """The probability of each allowed value (as written in JSON, without quotes) at the
        place `path`; they sum to 1 and none is 0."""

    def free(self, path: Path) -> float:
        """The probability, in (0, 1], of each token of the free value at `path`."""


def cut(text: str) -> list[str]:
    """`text` in BPE-like tokens that join back to it."""
    tokens = _TOKEN.findall(text)
    tail = text[sum(map(len, tokens)):]
    if tail and tokens:
        tokens[-1] += tail
    elif tail:
        tokens.append(tail)
    return tokens


def write(
    answer: Any, schema: Mapping[str, Any], judge: Judge
) -> tuple[tuple[str, ...], tuple[TokenScore, ...]]:
    """The answer's JSON text as tokens, and each token's score."""
    writer = _Writer(judge)
    writer.value(answer, schema, ())
    writer.flush()
    return tuple(writer.pieces), tuple(writer.scores)


def scored_plainly(text: str) -> tuple[tuple[str, ...], tuple[TokenScore, ...]]:
    """Any text as tokens, every one near-certain."""
    pieces = cut(text)
    return tuple(pieces), tuple(_certain(piece) for piece in pieces)


def escaped(value: str) -> str:
    """A string as written between the quotes of the JSON text."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def branch(schema: Any, value: Any) -> Mapping[str, Any]:
    """The part of `schema` that describes `value` (the matching `anyOf` branch)."""
    if not isinstance(schema, Mapping):
        return {}
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    kind = _json_type(value)
    for option in options:
        if isinstance(option, Mapping) and kind in _types(option):
            return option
    return {}


def closed_strings(schema: Mapping[str, Any]) -> list[str] | None:
    """The enum of a string schema with at least two values to choose from."""
    enum = schema.get("enum")
    if isinstance(enum, list) and len(enum) > 1 and all(isinstance(v, str) for v in enum):
        return enum
    return None


def _closed_integers(schema: Mapping[str, Any], value: Any) -> list[int] | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if "integer" not in _types(schema) or not isinstance(low, int) or not isinstance(high, int):
        return None
    if not 0 < high - low < MAX_CLOSED_RANGE or not low <= value <= high:
        return None
    return list(range(low, high + 1))


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "number" in kinds:
        kinds.add("integer")
    return {k for k in kinds if isinstance(k, str)}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _certain(piece: str) -> TokenScore:
    return TokenScore(NEAR_CERTAIN, ((piece, NEAR_CERTAIN), *_pads(())))


def _pads(values: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """Tokens that begin none of `values`, sharing PAD_SHARE."""
    fit = [pad for pad in _PADS if not any(pad in value for value in values)]
    return tuple((pad, math.log(PAD_SHARE / len(_PADS))) for pad in fit)


class _Writer:
    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self.pieces: list[str] = []
        self.scores: list[TokenScore] = []
        self._around = ""  # JSON written since the last value, not cut yet

    def flush(self) -> None:
        for piece in cut(self._around):
            self.pieces.append(piece)
            self.scores.append(_certain(piece))
        self._around = ""

    def value(self, value: Any, schema: Any, path: Path) -> None:
        part = branch(schema, value)
        if isinstance(value, Mapping):
            self._object(value, part, path)
        elif isinstance(value, list):
            self._array(value, part, path)
        elif isinstance(value, str):
            self._around += '"'
            allowed = closed_strings(part)
            if allowed is not None and value in allowed:
                self._closed(path, escaped(value), [escaped(v) for v in allowed])
            else:
                self._free(path, escaped(value))
            self._around += '"'
        elif isinstance(value, int | float) and not isinstance(value, bool):
            numbers = _closed_integers(part, value)
            if numbers is not None:
                self._closed(path, json.dumps(value), [str(n) for n in numbers])
            else:
                self._free(path, json.dumps(value))
        else:
            self._around += json.dumps(value)

    def _object(self, value: Mapping[str, Any], schema: Mapping[str, Any], path: Path) -> None:
        properties = schema.get("properties")
        known = properties if isinstance(properties, Mapping) else {}
        self._around += "{"
        for index, (key, item) in enumerate(value.items()):
            self._around += (", " if index else "") + json.dumps(key, ensure_ascii=False) + ": "
            self.value(item, known.get(key), (*path, key))
        self._around += "}"

    def _array(self, value: list[Any], schema: Mapping[str, Any], path: Path) -> None:
        self._around += "["
        for index, item in enumerate(value):
            self._around += ", " if index else ""
            self.value(item, schema.get("items"), (*path, index))
        self._around += "]"

    def _free(self, path: Path, text: str) -> None:
        self.flush()
        logprob = math.log(self.judge.free(path))
        for piece in cut(text):
            self.pieces.append(piece)
            self.scores.append(TokenScore(logprob, ((piece, logprob), *_pads(()))))

    def _closed(self, path: Path, chosen: str, allowed: list[str]) -> None:
        self.flush()
        weights = self.judge.closed(path, chosen, allowed)
        cuts = {value: cut(value) for value in allowed}
        mine = cuts[chosen]
        pads = _pads(allowed)
        for step, piece in enumerate(mine):
            alive = [v for v in allowed if cuts[v][:step] == mine[:step] and len(cuts[v]) > step]
            total = sum(weights[v] for v in alive)
            shares: dict[str, float] = {}
            for value in alive:
                token = cuts[value][step]
                shares[token] = shares.get(token, 0.0) + weights[value] / total
            ranked = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
            top = tuple((token, math.log(share * (1 - PAD_SHARE))) for token, share in ranked)
            self.pieces.append(piece)
            self.scores.append(TokenScore(math.log(shares[piece] * (1 - PAD_SHARE)),
                                          (*top, *pads)))
