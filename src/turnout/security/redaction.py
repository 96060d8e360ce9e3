"""Scrub secrets and personal data from log records before any handler sees them.

`install_redaction()` wraps the log-record factory, so every record from every logger (ours,
uvicorn's, SQLAlchemy's, libraries') is scrubbed at creation: message, arguments, exception and
stack text. The same `RedactingFilter` can be attached to handlers explicitly.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return "[REDACTED:card]" if _luhn_ok(digits) else match.group(0)


def _high_entropy(match: re.Match[str]) -> str:
    """A long run of letters and digits in both cases looks like a key, whatever its prefix."""
    token = match.group(0)
    mixed = any(c.isupper() for c in token) and any(c.islower() for c in token)
    return "[REDACTED:token]" if mixed and any(c.isdigit() for c in token) else token


# Order matters: the most specific shapes first (a JWT inside "Bearer …", an ID before a card).
_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[REDACTED:jwt]"),
    # Credential headers, whatever their scheme (Bearer, Basic, a bare key): the whole value.
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization|x-api-key|api-key|x-goog-api-key|cookie)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\r\n\"',;]+"
        ),
        r"\1\2[REDACTED:credential]",
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{6,}"), "Bearer [REDACTED:token]"),
    (re.compile(r"\b(?:sk|tk)-[A-Za-z0-9_-]{8,}"), "[REDACTED:key]"),
    (
        re.compile(
            r"(?i)((?:api[-_]?key|apikey|secret|password|passwd|access[-_]?token|token|key)"
            r"[\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"',;&}]{4,}"
        ),
        r"\1[REDACTED:secret]",
    ),
    (re.compile(r"(?<![\w/.-])[A-Za-z0-9_+/]{32,}={0,2}(?![\w/.-])"), _high_entropy),
    (re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32}(?![0-9A-Za-z])"), "[REDACTED:key]"),
    (
        re.compile(
            r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
        ),
        "[REDACTED:email]",
    ),
    (
        re.compile(
            r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"\d{3}[\dXx](?![\dA-Za-z])"
        ),
        "[REDACTED:id_number]",
    ),
    (re.compile(r"\+86[ -]?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"), "[REDACTED:phone]"),
    # Digit runs inside a word or an id (a UUID's groups) are not numbers of their own.
    (re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?!-?\w)"), _card),
    (re.compile(r"(?<![\w+-])(?:86[ -]?)?1[3-9]\d{9}(?!-?\w)"), "[REDACTED:phone]"),
    (
        re.compile(r"(?<![\w+])\+\d{1,3}[ -]?\(?\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}(?!\d)"),
        "[REDACTED:phone]",
    ),
]


def redact(text: str) -> str:
    """`text` with every key, token, email, phone, ID and card number replaced."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactingFilter(logging.Filter):
    """Rewrites a record in place; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_turnout_redacted", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._turnout_redacted = True
        return True


_FILTER = RedactingFilter()


def install_redaction() -> None:
    """Scrub every record created from now on, by every logger; safe to call twice."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_turnout_redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    factory._turnout_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
