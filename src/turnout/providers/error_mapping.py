"""The one boundary where upstream failures become Turnout errors.

Classification order for an error body (HTTP error, mid-stream error event, or error line):
1. the vendor's error code / type (`CODE_RULES`) — 429 is not always a rate limit;
2. phrases in the message (`MESSAGE_RULES`), for vendors whose codes are generic or absent;
3. the HTTP status (`STATUS_RULES`), then 5xx → UpstreamServerError, other 4xx → invalid request.
Exceptions are classified by the first class in their MRO found in `EXCEPTION_RULES`.
Sources: research/providers.md "Error classification" and each vendor's error-code page.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from turnout.errors import (
    ProviderError,
    UpstreamConnectionError,
    UpstreamInvalidRequest,
    UpstreamServerError,
)
from turnout.providers.error_rules import (
    CODE_RULES,
    EXCEPTION_RULES,
    MAPPED_EXCEPTIONS,
    MESSAGE_RULES,
    STATUS_RULES,
    ErrorClass,
)

RETRY_AFTER_CAP_S = 120.0
_MESSAGE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What an error body says: its codes (most specific first) and message."""

    codes: tuple[str, ...]
    message: str


def class_for_exception(exc_type: type[BaseException]) -> ErrorClass | None:
    return next((EXCEPTION_RULES[k] for k in exc_type.__mro__ if k in EXCEPTION_RULES), None)


def error_from_exception(exc: BaseException, provider: str | None) -> ProviderError:
    """Translate a transport / decoding exception (callers use `raise … from exc`)."""
    status = getattr(exc, "status", None)
    if type(exc) in (aiohttp.ClientResponseError, aiohttp.WSServerHandshakeError) and status:
        cls = classify(status, ErrorInfo((), ""))
    else:
        cls = class_for_exception(type(exc)) or UpstreamConnectionError
    detail = f"{type(exc).__name__}: {_describe(exc)}"[:_MESSAGE_LIMIT]
    return cls(
        detail, provider=provider, upstream_status=status if isinstance(status, int) else None
    )


def _describe(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # some aiohttp errors cannot render without their request info
        return ""


@contextmanager
def upstream_errors(provider: str | None) -> Iterator[None]:
    """Run a block whose foreign exceptions must leave as ProviderError."""
    try:
        yield
    except MAPPED_EXCEPTIONS as exc:
        raise error_from_exception(exc, provider) from exc


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str] | None, *, provider: str | None
) -> ProviderError:
    """Translate a non-2xx answer."""
    try:
        payload: Any = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        payload = None
    info = extract_error(payload) or ErrorInfo((), body[:_MESSAGE_LIMIT].decode(errors="replace"))
    return _build(status, info, headers, provider)


def error_from_payload(
    payload: Any,
    *,
    provider: str | None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProviderError:
    """Translate an error object that arrived inside a 2xx answer (e.g. mid-stream)."""
    info = extract_error(payload) or ErrorInfo((), "unexpected error payload")
    return _build(status, info, headers, provider)


def _build(
    status: int | None, info: ErrorInfo, headers: Mapping[str, str] | None, provider: str | None
) -> ProviderError:
    cls = classify(status, info)
    details = {"upstream_code": info.codes[0]} if info.codes else {}
    return cls(
        info.message[:_MESSAGE_LIMIT] or f"HTTP {status}",
        provider=provider,
        upstream_status=status,
        retry_after_s=parse_retry_after(headers),
        details=details,
    )


def classify(status: int | None, info: ErrorInfo) -> ErrorClass:
    for code in info.codes:
        if (cls := CODE_RULES.get(code.lower())) is not None:
            return cls
    for pattern, cls in MESSAGE_RULES:
        if pattern.search(info.message):
            return cls
    if status is None or status < 300:
        return UpstreamServerError  # an unexplained error event mid-answer
    if (cls := STATUS_RULES.get(status)) is not None:
        return cls
    return UpstreamServerError if status >= 500 else UpstreamInvalidRequest


def extract_error(payload: Any) -> ErrorInfo | None:
    """Find the error in the body shapes vendors use; None when it holds none."""
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if isinstance(error, dict):
        return _from_object(error)
    if isinstance(error, str):  # Ollama: {"error": "…"}
        return ErrorInfo((), error)
    response = payload.get("Response")  # Hunyuan native: {"Response": {"Error": {Code, Message}}}
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        return _from_object(response["Error"])
    if "error_code" in payload:  # Qianfan v1: {"error_code": 18, "error_msg": "…"}
        return ErrorInfo((str(payload["error_code"]),), str(payload.get("error_msg", "")))
    if "code" in payload and "message" in payload:  # DashScope native, vLLM
        return _from_object(payload)
    if isinstance(payload.get("detail"), str):  # FastAPI-based servers
        return ErrorInfo((), payload["detail"])
    return None


def _from_object(obj: Mapping[str, Any]) -> ErrorInfo:
    inner = obj.get("innererror")
    candidates = (
        obj.get("code"),
        obj.get("Code"),
        inner.get("code") if isinstance(inner, dict) else None,
        obj.get("type"),
    )
    codes = tuple(str(c) for c in candidates if c not in (None, ""))
    message = obj.get("message") or obj.get("Message") or ""
    return ErrorInfo(codes, str(message))


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` seconds / HTTP-date; ≤ 120 s."""
    if not headers:
        return None
    milliseconds = _to_float(_header(headers, "retry-after-ms"))
    if milliseconds is not None:
        seconds: float | None = milliseconds / 1000
    else:
        seconds = _retry_after_seconds(_header(headers, "retry-after"), now)
    if seconds is None:
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_S)


def _retry_after_seconds(value: str | None, now: float | None) -> float | None:
    if value is None:
        return None
    if (number := _to_float(value)) is not None:
        return number
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.timestamp() - (time.time() if now is None else now)


def _to_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value
