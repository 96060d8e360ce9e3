"""The one place errors become HTTP responses: our envelope, or OpenAI's shape under /v1."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from turnout.api.responses import FastJSONResponse
from turnout.errors import (
    ErrorCode,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    RequestError,
    TurnoutError,
    ValidationFailed,
)
from turnout.i18n import Catalogs, load_catalogs, negotiate_locale

log = logging.getLogger("turnout.api")

# Pydantic error types → our validation message keys.
_VALIDATION_KEYS = {
    "missing": "validation.required",
    "string_too_short": "validation.too_short",
    "too_short": "validation.too_short",
    "string_too_long": "validation.too_long",
    "too_long": "validation.too_long",
    "greater_than": "validation.out_of_range",
    "greater_than_equal": "validation.out_of_range",
    "less_than": "validation.out_of_range",
    "less_than_equal": "validation.out_of_range",
    "literal_error": "validation.not_allowed",
    "enum": "validation.not_allowed",
    "url_parsing": "validation.invalid_url",
    "url_scheme": "validation.invalid_url",
}
# Parameters whose values are themselves catalog keys under a prefix.
_TRANSLATED_PARAMS = {"resource": "resources", "reason": "reasons", "capability": "capabilities"}
# OpenAI's error `type` for each of our statuses, for the /v1 routes.
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def _localise_fields(fields: list[dict[str, Any]], catalogs: Catalogs, locale: str) -> None:
    for issue in fields:
        issue["message"] = catalogs.t(issue["code"], locale, **issue.get("params", {}))


def error_body(error: TurnoutError, locale: str, request_id: str) -> dict[str, Any]:
    """Our JSON envelope for `error`, message in `locale`."""
    catalogs = load_catalogs()
    params = dict(error.params)
    if isinstance(error, ValidationFailed):
        _localise_fields(error.fields, catalogs, locale)
        params.setdefault(
            "summary", "; ".join(f"{f['field']}: {f['message']}" for f in error.fields)
        )
    for name, prefix in _TRANSLATED_PARAMS.items():
        if name in params:
            key = f"{prefix}.{params[name]}"
            translated = catalogs.t(key, locale)
            params[name] = params[name] if translated == key else translated
    return {
        "error": {
            "code": error.code.value,
            "message": catalogs.t(error.message_key, locale, **params),
            "details": error.details,
            "request_id": request_id,
        }
    }


def _openai_body(envelope: dict[str, Any], status: int) -> dict[str, Any]:
    inner = envelope["error"]
    return {
        "error": {
            "message": inner["message"],
            "type": _OPENAI_TYPES.get(status, "api_error"),
            "param": None,
            "code": inner["code"].lower(),
        }
    }


def error_response(request: Request, error: TurnoutError) -> FastJSONResponse:
    locale = negotiate_locale(request.headers.get("accept-language"))
    request_id = str(request.scope.get("state", {}).get("request_id", ""))
    body = error_body(error, locale, request_id)
    if request.url.path.startswith("/v1/"):
        body = _openai_body(body, error.status)
    headers = {}
    retry_after = getattr(error, "retry_after_s", None)
    if retry_after:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    return FastJSONResponse(body, status_code=error.status, headers=headers)


def _from_validation(exc: RequestValidationError) -> ValidationFailed:
    fields = []
    for item in exc.errors():
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query")]
        fields.append(
            {
                "field": ".".join(location) or "body",
                "code": _VALIDATION_KEYS.get(item.get("type", ""), "validation.invalid"),
            }
        )
    return ValidationFailed(fields)


def _from_http(exc: StarletteHTTPException) -> TurnoutError:
    if exc.status_code == 404:
        return NotFound(resource="route")
    if exc.status_code == 405:
        return MethodNotAllowed()
    if exc.status_code == 403:
        return PermissionDenied()
    return RequestError(str(exc.detail))


def response_for(request: Request, exc: Exception) -> FastJSONResponse:
    """The error envelope for any exception raised while serving `request`."""
    if isinstance(exc, TurnoutError):
        return error_response(request, exc)
    if isinstance(exc, RequestValidationError):
        return error_response(request, _from_validation(exc))
    if isinstance(exc, StarletteHTTPException):
        return error_response(request, _from_http(exc))
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, InternalError())


def install_error_handlers(app: FastAPI) -> None:
    """Register the handler that turns every exception into the error envelope."""

    async def on_error(request: Request, exc: Exception) -> FastJSONResponse:
        return response_for(request, exc)

    for kind in (TurnoutError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, on_error)


__all__ = ["ErrorCode", "error_body", "error_response", "install_error_handlers", "response_for"]
