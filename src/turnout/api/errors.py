"""The one place errors become HTTP responses: our envelope, or OpenAI's shape under /v1."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from turnout.api import json_input
from turnout.api.attempts import attempts_view, is_admin
from turnout.api.messages import localised_message
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
    "extra_forbidden": "validation.unknown_field",
    "string_too_short": "validation.too_short",
    "string_too_long": "validation.too_long",
    "too_short": "validation.too_short",
    "too_long": "validation.too_long",
    "greater_than": "validation.greater_than",
    "greater_than_equal": "validation.at_least",
    "less_than": "validation.less_than",
    "less_than_equal": "validation.at_most",
    "literal_error": "validation.not_allowed",
    "enum": "validation.not_allowed",
    "url_parsing": "validation.invalid_url",
    "url_scheme": "validation.invalid_url",
    "prompt_or_messages": "validation.prompt_or_messages",
}
# Pydantic's type errors → the JSON type the field wants, named in the message.
_EXPECTED_TYPES = {
    "string_type": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "list_type": "array",
    "datetime_type": "date-time",
    "datetime_parsing": "date-time",
    "datetime_from_date_parsing": "date-time",
}
# Pydantic's names of union members of these types, seen in error locations.
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "bytes", "list", "dict", "none"})
# Error types our schemas raise that are named after their message keys (validation.<type>).
_OWN_KINDS = ("task_filter_",)
# Pydantic's context names → our message parameters ("Must be at most {max}").
_CONTEXT_PARAMS = {"gt": "min", "ge": "min", "lt": "max", "le": "max"}
# OpenAI's error `type` for each of our statuses, for the /v1 routes.
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def _localise_fields(fields: list[dict[str, Any]], catalogs: Catalogs, locale: str) -> None:
    for issue in fields:
        issue["message"] = catalogs.t(issue["code"], locale, **issue.get("params", {}))


def field_summary(fields: list[dict[str, Any]], locale: str) -> str:
    """The field issues in one line, each given its message in `locale` (in place)."""
    _localise_fields(fields, load_catalogs(), locale)
    return "; ".join(f"{f['field']}: {f['message']}" for f in fields)


def openai_error_type(status: int) -> str:
    """OpenAI's error `type` for an HTTP status."""
    return _OPENAI_TYPES.get(status, "api_error")


def error_body(
    error: TurnoutError, locale: str, request_id: str, *, admin: bool = False
) -> dict[str, Any]:
    """Our JSON envelope for `error`, message in `locale`; upstream text only for admins."""
    extra: dict[str, Any] = {}
    details = error.details
    if isinstance(error, ValidationFailed):
        extra["summary"] = field_summary(error.fields, locale)
    if error.attempts:
        details = {**details, "attempts": attempts_view(error.attempts, locale, admin=admin)}
    return {
        "error": {
            "code": error.code.value,
            "message": localised_message(error, locale, **extra),
            "details": details,
            "request_id": request_id,
        }
    }


def _openai_body(envelope: dict[str, Any], status: int) -> dict[str, Any]:
    inner = envelope["error"]
    return {
        "error": {
            "message": inner["message"],
            "type": openai_error_type(status),
            # OpenAI names the offending request field here.
            "param": next((f["field"] for f in inner["details"].get("fields", ())), None),
            "code": inner["code"].lower(),
            **({"attempts": attempts} if (attempts := inner["details"].get("attempts")) else {}),
        }
    }


def error_response(request: Request, error: TurnoutError) -> FastJSONResponse:
    locale = negotiate_locale(request.headers.get("accept-language"))
    request_id = str(request.scope.get("state", {}).get("request_id", ""))
    body = error_body(error, locale, request_id, admin=is_admin(request))
    if request.url.path.startswith("/v1/"):
        body = _openai_body(body, error.status)
    headers = {}
    retry_after = getattr(error, "retry_after_s", None)
    if retry_after:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    return FastJSONResponse(body, status_code=error.status, headers=headers)


def from_validation(exc: RequestValidationError) -> TurnoutError:
    """Pydantic's and FastAPI's validation errors as ours: fields named, messages localised."""
    fields = []
    for item in exc.errors():
        if item.get("type") == "json_invalid":
            return _malformed(item, exc.body)
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query") and not _union_member(part)
        ]
        fields.append({"field": ".".join(location) or "body", **_issue(item)})
    return ValidationFailed(_one_per_field(fields))


def _union_member(part: object) -> bool:
    """Whether a location part is pydantic's tag of a union member (`str`, `list[str]`, a class)."""
    if not isinstance(part, str):
        return False
    return "[" in part or part in _TYPE_TAGS or part[:1].isupper()


def _one_per_field(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A union reports an issue per member: keep those of members whose type matched."""
    by_field: dict[str, list[dict[str, Any]]] = {}
    for issue in fields:
        by_field.setdefault(issue["field"], []).append(issue)
    kept = []
    for issues in by_field.values():
        matched = [i for i in issues if i["code"] != "validation.wrong_type"]
        kept.append((matched or issues)[0])
    return kept


def _issue(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("type", "")
    if kind in _EXPECTED_TYPES:
        return {"code": "validation.wrong_type", "params": {"expected": _EXPECTED_TYPES[kind]}}
    context = item.get("ctx") or {}
    params = {ours: _shown(context[key]) for key, ours in _CONTEXT_PARAMS.items() if key in context}
    if kind.startswith(_OWN_KINDS):  # raised by our schemas with their message key's name
        params.update({key: str(value) for key, value in context.items()})
        return {"code": f"validation.{kind}", "params": params}
    return {"code": _VALIDATION_KEYS.get(kind, "validation.invalid"), "params": params}


def _shown(value: Any) -> Any:
    """2 rather than 2.0 for a bound declared as a whole number."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _malformed(item: Mapping[str, Any], document: Any) -> TurnoutError:
    # jiter's message carries line and column; json's (FastAPI's routes) the offset in `loc`.
    position = next((p for p in item.get("loc", ()) if isinstance(p, int)), None)
    message = str((item.get("ctx") or {}).get("error", item.get("msg", "")))
    return json_input.malformed(message, position=position, document=document)


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
        return error_response(request, from_validation(exc))
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
