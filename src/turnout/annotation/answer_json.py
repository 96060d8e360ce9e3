"""Where each string and number of a model's JSON answer was written.

A strict JSON reader that records every leaf (string or number) with its path (keys joined by
".", array indexes as `[i]`: `ner[2].text`) and the character offsets of the value as written
(inside the quotes of a string). An answer with prose before its JSON (or a ``` fence) is read
from the first '{' or '[' that starts a valid value with any string or number in it, trying at
most `MAX_STARTS` of them; nesting deeper than `MAX_DEPTH` is not read. Leaves found in the
wrong value do no harm: a region is scored only where its path and values both match.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_WHITESPACE = " \t\n\r"
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
MAX_DEPTH = 64
MAX_STARTS = 16


@dataclass(frozen=True, slots=True)
class Leaf:
    """A string or number of the answer: `text` is the decoded string or the number's JSON
    text, [start, end) its characters as written."""

    path: str
    start: int
    end: int
    text: str
    quoted: bool


def json_leaves(answer: str) -> list[Leaf]:
    """The leaves of the answer's first JSON value that has any, in the order written."""
    starts = [i for i, char in enumerate(answer) if char in "{["][:MAX_STARTS]
    for start in starts:
        scanner = _Scanner(answer)
        try:
            scanner.value(start, "", 0)
        except ValueError:
            continue
        if scanner.leaves:
            return scanner.leaves
    return []


class _Scanner:
    """A strict JSON reader that notes where each string and number was written."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.leaves: list[Leaf] = []

    def value(self, at: int, path: str, depth: int) -> int:
        at = self._skip(at)
        if depth > MAX_DEPTH or at >= len(self.text):
            raise ValueError("no value")
        char = self.text[at]
        if char == "{":
            return self._object(at, path, depth)
        if char == "[":
            return self._array(at, path, depth)
        if char == '"':
            end, decoded = self._string(at)
            self.leaves.append(Leaf(path, at + 1, end - 1, decoded, True))
            return end
        for literal in ("true", "false", "null"):
            if self.text.startswith(literal, at):
                return at + len(literal)
        number = _NUMBER.match(self.text, at)
        if number is None:
            raise ValueError("no value")
        self.leaves.append(Leaf(path, at, number.end(), number.group(), False))
        return number.end()

    def _object(self, at: int, path: str, depth: int) -> int:
        at = self._skip(at + 1)
        if self.text.startswith("}", at):
            return at + 1
        while True:
            if not self.text.startswith('"', at):
                raise ValueError("no key")
            at, key = self._string(at)
            at = self._skip(at)
            if not self.text.startswith(":", at):
                raise ValueError("no colon")
            at = self._skip(self.value(at + 1, f"{path}.{key}" if path else key, depth + 1))
            if self.text.startswith("}", at):
                return at + 1
            if not self.text.startswith(",", at):
                raise ValueError("no comma")
            at = self._skip(at + 1)

    def _array(self, at: int, path: str, depth: int) -> int:
        at = self._skip(at + 1)
        if self.text.startswith("]", at):
            return at + 1
        index = 0
        while True:
            at = self._skip(self.value(at, f"{path}[{index}]", depth + 1))
            if self.text.startswith("]", at):
                return at + 1
            if not self.text.startswith(",", at):
                raise ValueError("no comma")
            at, index = at + 1, index + 1

    def _string(self, at: int) -> tuple[int, str]:
        end = at + 1
        while end < len(self.text) and self.text[end] != '"':
            end += 2 if self.text[end] == "\\" else 1
        if end >= len(self.text):
            raise ValueError("unterminated string")
        decoded = json.loads(self.text[at:end + 1])
        return end + 1, decoded

    def _skip(self, at: int) -> int:
        while at < len(self.text) and self.text[at] in _WHITESPACE:
            at += 1
        return at
