"""Label Studio's failures as Turnout's errors: the one place the SDK's and httpx's exceptions
are translated. Label Studio's own words go into `detail` (shown to admins only, redacted); the
SDK's exception text is never used, since it carries the response headers and cookies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pydantic
from label_studio_sdk.core.api_error import ApiError
from label_studio_sdk.core.parse_error import ParsingError

from turnout.errors import (
    LabelStudioError,
    LabelStudioRefused,
    LabelStudioRejected,
    LabelStudioUnreachable,
    TurnoutError,
)
from turnout.security.redaction import redact

WORDS_CHARS = 300


@asynccontextmanager
async def label_studio_failures(action: str) -> AsyncIterator[None]:
    """Run one Label Studio call; what fails comes out as a LabelStudioError subclass."""
    try:
        yield
    except TurnoutError:
        raise
    except ApiError as exc:
        raise from_status(action, exc.status_code, exc.body) from exc
    except httpx.TimeoutException as exc:
        raise LabelStudioUnreachable(f"{action}: no answer in time") from exc
    except httpx.TransportError as exc:
        raise LabelStudioUnreachable(f"{action}: {type(exc).__name__}") from exc
    except (ParsingError, pydantic.ValidationError, ValueError) as exc:
        raise LabelStudioError(f"{action}: unreadable answer ({type(exc).__name__})") from exc


def from_status(action: str, status: int | None, body: Any) -> LabelStudioError:
    """The error for a Label Studio answer with HTTP `status` and `body`."""
    detail = f"{action}: HTTP {status}: {words(body)}"
    if status in (401, 403):
        return LabelStudioRefused(detail, label_studio_status=status)
    if status is None or status >= 500 or status == 429:
        return LabelStudioUnreachable(detail, label_studio_status=status)
    if 400 <= status < 500:
        return LabelStudioRejected(detail, label_studio_status=status)
    return LabelStudioError(detail, label_studio_status=status)


def words(body: Any) -> str:
    """Label Studio's explanation in an error body, redacted and cut short."""
    if isinstance(body, dict):
        said = body.get("validation_errors") or body.get("detail") or body
    else:
        said = body
    return redact(str(said))[:WORDS_CHARS]
