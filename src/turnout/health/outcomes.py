"""Health outcomes from a scheduled check's result or a live attempt, with sanitised errors."""

from __future__ import annotations

from datetime import datetime

from turnout.errors import TurnoutError
from turnout.health.status import MAX_ERROR_CHARS, Outcome
from turnout.providers import HealthResult
from turnout.security.redaction import redact


def error_text(error: BaseException | None) -> str:
    """`CODE: detail`, scrubbed of keys and personal data (it is stored and shown to viewers)."""
    if error is None:
        return "failed"
    if isinstance(error, TurnoutError):
        text = f"{error.code.value}: {error.detail}" if error.detail else error.code.value
    else:
        text = type(error).__name__
    return redact(text)[:MAX_ERROR_CHARS]


def check_outcome(result: HealthResult, at: datetime) -> Outcome:
    """A scheduled check's result."""
    error = None if result.ok else error_text(result.error)
    return Outcome(result.ok, at, "check", result.latency_ms, error)


def traffic_outcome(error: BaseException | None, at: datetime) -> Outcome:
    """A live attempt: succeeded when `error` is None."""
    return Outcome(error is None, at, "traffic", None, None if error is None else error_text(error))
