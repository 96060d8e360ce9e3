"""Every error Turnout raises on purpose, with a stable code.

    TurnoutError                      code, HTTP status, i18n key errors.<CODE>
    ├── RequestError                  the caller's request cannot be served as sent (4xx)
    │   ├── ValidationFailed          VALIDATION_FAILED 422, details.fields[{field,code,message}]
    │   ├── NotAuthenticated          NOT_AUTHENTICATED 401
    │   ├── InvalidCredentials        INVALID_CREDENTIALS 401
    │   ├── TokenExpired              TOKEN_EXPIRED 401
    │   ├── PermissionDenied          PERMISSION_DENIED 403
    │   ├── NotFound                  NOT_FOUND 404
    │   ├── MethodNotAllowed          METHOD_NOT_ALLOWED 405
    │   ├── Conflict                  CONFLICT 409
    │   │   └── ActiveProviderDelete  ACTIVE_PROVIDER_DELETE 409
    │   ├── OutboundUrlBlocked        OUTBOUND_URL_BLOCKED 422
    │   ├── ClientDisconnected        CLIENT_DISCONNECTED 499 (nobody is left to read it)
    │   └── RateLimited               RATE_LIMITED 429 (our own limits; details.retry_after_s)
    ├── ProviderError                 an upstream call failed; `retryable`: may a retry help
    │   ├── UpstreamAuthError         INVALID_API_KEY 502 (the provider refused the configured key)
    │   ├── UpstreamRateLimited       UPSTREAM_RATE_LIMITED 429, retryable, honours retry_after_s
    │   ├── QuotaExceeded             QUOTA_EXCEEDED 402 (balance or quota exhausted; never retried)
    │   ├── ContentFiltered           CONTENT_FILTERED 400
    │   ├── ContextLengthExceeded     CONTEXT_LENGTH_EXCEEDED 400
    │   ├── UpstreamInvalidRequest    INVALID_REQUEST 400
    │   ├── ModelNotFound             MODEL_NOT_FOUND 404
    │   ├── UpstreamTimeout           TIMEOUT 504, retryable
    │   ├── UpstreamConnectionError   CONNECTION_ERROR 502, retryable
    │   ├── UpstreamServerError       UPSTREAM_ERROR 502, retryable (5xx)
    │   ├── MalformedResponse         MALFORMED_RESPONSE 502
    │   └── CapabilityUnsupported     CAPABILITY_UNSUPPORTED 400 (e.g. embeddings on DeepSeek)
    ├── AllProvidersFailed            ALL_PROVIDERS_FAILED 503, details.attempts
    ├── NoProviderAvailable           NO_PROVIDER_AVAILABLE 503
    └── InternalError                 INTERNAL_ERROR 500 (anything unexpected; leaks nothing)

Foreign exceptions are translated at one boundary each (provider adapters, the API handler) with
``raise … from exc``; the API maps a TurnoutError to the JSON envelope in exactly one handler.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    VALIDATION_FAILED = "VALIDATION_FAILED"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"  # noqa: S105 - an error code, not a secret
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    CONFLICT = "CONFLICT"
    ACTIVE_PROVIDER_DELETE = "ACTIVE_PROVIDER_DELETE"
    OUTBOUND_URL_BLOCKED = "OUTBOUND_URL_BLOCKED"
    CLIENT_DISCONNECTED = "CLIENT_DISCONNECTED"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_API_KEY = "INVALID_API_KEY"
    UPSTREAM_RATE_LIMITED = "UPSTREAM_RATE_LIMITED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    CONTENT_FILTERED = "CONTENT_FILTERED"
    CONTEXT_LENGTH_EXCEEDED = "CONTEXT_LENGTH_EXCEEDED"
    INVALID_REQUEST = "INVALID_REQUEST"
    MODEL_NOT_FOUND = "MODEL_NOT_FOUND"
    TIMEOUT = "TIMEOUT"
    CONNECTION_ERROR = "CONNECTION_ERROR"
    UPSTREAM_ERROR = "UPSTREAM_ERROR"
    MALFORMED_RESPONSE = "MALFORMED_RESPONSE"
    CAPABILITY_UNSUPPORTED = "CAPABILITY_UNSUPPORTED"
    ALL_PROVIDERS_FAILED = "ALL_PROVIDERS_FAILED"
    NO_PROVIDER_AVAILABLE = "NO_PROVIDER_AVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class TurnoutError(Exception):
    """Base of every deliberate error: a stable code, an HTTP status and message parameters."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_ERROR
    status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(
        self, detail: str = "", *, details: dict[str, Any] | None = None, **params: Any
    ) -> None:
        super().__init__(detail or self.code.value)
        self.detail = detail
        self.details: dict[str, Any] = details or {}
        self.params: dict[str, Any] = params

    @property
    def message_key(self) -> str:
        return f"errors.{self.code.value}"


class RequestError(TurnoutError):
    status = 400


class ValidationFailed(RequestError):
    code = ErrorCode.VALIDATION_FAILED
    status = 422

    def __init__(self, fields: list[dict[str, Any]], detail: str = "") -> None:
        super().__init__(detail or "validation failed", details={"fields": fields})
        self.fields = fields


class NotAuthenticated(RequestError):
    code = ErrorCode.NOT_AUTHENTICATED
    status = 401


class InvalidCredentials(RequestError):
    code = ErrorCode.INVALID_CREDENTIALS
    status = 401


class TokenExpired(RequestError):
    code = ErrorCode.TOKEN_EXPIRED
    status = 401


class PermissionDenied(RequestError):
    code = ErrorCode.PERMISSION_DENIED
    status = 403


class NotFound(RequestError):
    code = ErrorCode.NOT_FOUND
    status = 404


class MethodNotAllowed(RequestError):
    code = ErrorCode.METHOD_NOT_ALLOWED
    status = 405


class Conflict(RequestError):
    code = ErrorCode.CONFLICT
    status = 409


class ActiveProviderDelete(Conflict):
    code = ErrorCode.ACTIVE_PROVIDER_DELETE


class OutboundUrlBlocked(RequestError):
    code = ErrorCode.OUTBOUND_URL_BLOCKED
    status = 422


class ClientDisconnected(RequestError):
    code = ErrorCode.CLIENT_DISCONNECTED
    status = 499


class RateLimited(RequestError):
    code = ErrorCode.RATE_LIMITED
    status = 429

    def __init__(self, detail: str = "", *, retry_after_s: float | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after_s = retry_after_s
        if retry_after_s is not None:
            self.details.setdefault("retry_after_s", round(retry_after_s, 3))


class ProviderError(TurnoutError):
    """An upstream call failed. `provider` names the config that failed, when known."""

    status = 502

    def __init__(
        self,
        detail: str = "",
        *,
        provider: str | None = None,
        upstream_status: int | None = None,
        retry_after_s: float | None = None,
        details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(detail, details=details, **params)
        self.provider = provider
        self.upstream_status = upstream_status
        self.retry_after_s = retry_after_s


class UpstreamAuthError(ProviderError):
    code = ErrorCode.INVALID_API_KEY


class UpstreamRateLimited(ProviderError):
    code = ErrorCode.UPSTREAM_RATE_LIMITED
    status = 429
    retryable = True


class QuotaExceeded(ProviderError):
    code = ErrorCode.QUOTA_EXCEEDED
    status = 402


class ContentFiltered(ProviderError):
    code = ErrorCode.CONTENT_FILTERED
    status = 400


class ContextLengthExceeded(ProviderError):
    code = ErrorCode.CONTEXT_LENGTH_EXCEEDED
    status = 400


class UpstreamInvalidRequest(ProviderError):
    code = ErrorCode.INVALID_REQUEST
    status = 400


class ModelNotFound(ProviderError):
    code = ErrorCode.MODEL_NOT_FOUND
    status = 404


class UpstreamTimeout(ProviderError):
    code = ErrorCode.TIMEOUT
    status = 504
    retryable = True


class UpstreamConnectionError(ProviderError):
    code = ErrorCode.CONNECTION_ERROR
    retryable = True


class UpstreamServerError(ProviderError):
    code = ErrorCode.UPSTREAM_ERROR
    retryable = True


class MalformedResponse(ProviderError):
    code = ErrorCode.MALFORMED_RESPONSE


class CapabilityUnsupported(ProviderError):
    code = ErrorCode.CAPABILITY_UNSUPPORTED
    status = 400


class AllProvidersFailed(TurnoutError):
    code = ErrorCode.ALL_PROVIDERS_FAILED
    status = 503

    def __init__(self, attempts: list[dict[str, Any]]) -> None:
        super().__init__("all providers failed", details={"attempts": attempts})
        self.attempts = attempts


class NoProviderAvailable(TurnoutError):
    code = ErrorCode.NO_PROVIDER_AVAILABLE
    status = 503


class InternalError(TurnoutError):
    code = ErrorCode.INTERNAL_ERROR
    status = 500


def all_error_classes() -> list[type[TurnoutError]]:
    """Every concrete error class, for meta-tests and the API handler."""
    found: list[type[TurnoutError]] = []
    pending: list[type[TurnoutError]] = [TurnoutError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
