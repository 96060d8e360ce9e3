"""What a JSON body must be before any route reads it.

The parser is jiter, pydantic-core's own (the one `model_validate_json` uses), so every route
refuses the same bodies: invalid UTF-8, a lone surrogate escape (`"\\udc80"`), more than 200
levels of nesting (jiter's recursion limit) or anything after the value. Two rules the parser
does not know are added here:

- integers fit in 64 bits (−2⁶³ … 2⁶³−1): PostgreSQL's bigint, orjson and the providers' own
  parsers refuse more, and a 3,000-digit number costs quadratic time to convert;
- no string holds U+0000: PostgreSQL stores it in neither text nor JSONB.

Both are found by a byte search first (an integer outside the range has at least 19 digits, a
NUL arrives only as the escape `\\u0000`), so an ordinary body costs two scans and only one that
might break a rule is parsed again and walked.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import from_json

from turnout.errors import MalformedJson, ValidationFailed

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_DEPTH = 200  # jiter's recursion limit; the messages name it
# Every digit read as "0", every other byte as "x": a run of 19 zeros is a 19-digit number.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x78 for byte in range(256))
_LONG_NUMBER = b"0" * 19
_NUL_ESCAPE = b"\\u0000"
_POSITION = re.compile(r"line (\d+) column (\d+)")
_UNPARSED = object()
Path = tuple[str | int, ...]


def parse(raw: bytes) -> Any:
    """The JSON value of `raw`, or MalformedJson / ValidationFailed saying what is wrong."""
    try:
        value = from_json(raw)
    except ValueError as exc:
        raise malformed(str(exc)) from exc
    check_values(raw, value)
    return value


def check_values(raw: bytes, value: Any = _UNPARSED) -> None:
    """Refuse integers outside 64 bits and NUL characters in the (valid) JSON text `raw`."""
    # bytes.translate and `in` run at C speed (about 1 µs a kilobyte); a regular expression
    # for the digits took 20 µs a kilobyte.
    if _LONG_NUMBER not in raw.translate(_DIGITS_ONLY) and _NUL_ESCAPE not in raw:
        return
    issue = first_bad_value(from_json(raw) if value is _UNPARSED else value)
    if issue is not None:
        raise ValidationFailed([issue])


def first_bad_value(value: Any) -> dict[str, Any] | None:
    """The field issue of an integer outside 64 bits or a text with NUL in `value`, if any."""
    stack: list[tuple[Path, Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return _issue(path, "validation.nul_character")
        elif isinstance(item, int) and not isinstance(item, bool):
            if not INT64_MIN <= item <= INT64_MAX:
                return _issue(path, "validation.between", min=INT64_MIN, max=INT64_MAX)
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if "\x00" in key:
                    return _issue((*path, key), "validation.nul_character")
                stack.append(((*path, key), child))
        elif isinstance(item, list):
            stack.extend(((*path, i), child) for i, child in reversed(list(enumerate(item))))
    return None


def _issue(path: Path, code: str, **params: Any) -> dict[str, Any]:
    field = ".".join(str(part) for part in path) or "body"
    return {"field": field, "code": code, "params": params}


def malformed(message: str, *, position: int | None = None, document: Any = None) -> MalformedJson:
    """MalformedJson for a parser's `message` (jiter's, or json's with the `position`)."""
    lowered = message.lower()
    if "surrogate" in lowered:
        problem = "surrogate"
    elif "unicode" in lowered or "utf-8" in lowered or "utf8" in lowered:
        problem = "encoding"
    elif "recursion" in lowered or "depth" in lowered:
        problem = "depth"
    else:
        problem = "syntax"
    line, column = _where(message, position, document)
    return MalformedJson(message, problem=problem, line=line, column=column)


def _where(message: str, position: int | None, document: Any) -> tuple[int, int]:
    found = _POSITION.search(message)
    if found:
        return int(found[1]), int(found[2])
    if position is not None and isinstance(document, str | bytes):
        text = document if isinstance(document, str) else document.decode("utf-8", "replace")
        line = text.count("\n", 0, position) + 1
        return line, position - (text.rfind("\n", 0, position) + 1) + 1
    return 1, 1
