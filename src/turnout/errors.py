"""Every error Turnout raises on purpose, with a stable code.

    TurnoutError                      code, HTTP status, i18n key errors.<CODE>
    ├── RequestError                  the caller's request cannot be served as sent (4xx)
    │   ├── ValidationFailed          VALIDATION_FAILED 422, details.fields[{field,code,message}]
    │   ├── MalformedJson             MALFORMED_JSON 400 (syntax, UTF-8, lone surrogate, depth)
    │   ├── InvalidText               INVALID_TEXT 400 (URL path or query not UTF-8, or with NUL)
    │   ├── PayloadTooLarge           PAYLOAD_TOO_LARGE 413, details.limit_bytes
    │   ├── UnsupportedMediaType      UNSUPPORTED_MEDIA_TYPE 415 (a body that is not JSON)
    │   ├── HeadersTooLarge           HEADERS_TOO_LARGE 431 (answered by the HTTP protocol)
    │   ├── NotAuthenticated          NOT_AUTHENTICATED 401
    │   ├── InvalidCredentials        INVALID_CREDENTIALS 401
    │   │   └── TenantRequired        TENANT_REQUIRED 401 (the password fits several tenants)
    │   ├── TokenExpired              TOKEN_EXPIRED 401
    │   ├── PermissionDenied          PERMISSION_DENIED 403
    │   ├── NotFound                  NOT_FOUND 404
    │   │   └── UnknownProviderName   NOT_FOUND 404 (a request names a provider that is not there)
    │   ├── MethodNotAllowed          METHOD_NOT_ALLOWED 405
    │   ├── Conflict                  CONFLICT 409
    │   │   └── ActiveProviderDelete  ACTIVE_PROVIDER_DELETE 409
    │   ├── OutboundUrlBlocked        OUTBOUND_URL_BLOCKED 422
    │   ├── LabelConfigInvalid        LABEL_CONFIG_INVALID 422 (malformed, hostile, too large;
    │   │                             details.problem, line, tag…)
    │   ├── LabelConfigUnsupported    LABEL_CONFIG_UNSUPPORTED 422, details.tags[{tag,name,…}]
    │   ├── TaskDataInvalid           TASK_DATA_INVALID 422 (task data a prompt cannot hold;
    │   │                             details.problem, field)
    │   ├── ClientDisconnected        CLIENT_DISCONNECTED 499 (nobody is left to read it)
    │   └── RateLimited               RATE_LIMITED 429 (our own limits; details.retry_after_s)
    │       └── LoginThrottled        LOGIN_THROTTLED 429 (too many failed logins)
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
    ├── LabelStudioError              LABEL_STUDIO_ERROR 502 (an answer Turnout cannot read; Label
    │   │                             Studio's own words stay in `detail`, for admins only)
    │   ├── LabelStudioUnreachable    LABEL_STUDIO_UNREACHABLE 502, retryable (no connection, no
    │   │                             answer in time, or its server error)
    │   ├── LabelStudioRefused        LABEL_STUDIO_REFUSED 422 (it refused the token: 401/403)
    │   └── LabelStudioRejected       LABEL_STUDIO_REJECTED 422 (it refused the request, e.g. an
    │                                 unknown project; details.label_studio_status)
    ├── PredictionInvalid             PREDICTION_INVALID 502 (the model's answer broke the labeling
    │                                 config, also after its repair; details.issues)
    ├── AllProvidersFailed            ALL_PROVIDERS_FAILED 503, .attempts (details.attempts)
    ├── NoProviderAvailable           NO_PROVIDER_AVAILABLE 503
    └── InternalError                 INTERNAL_ERROR 500 (anything unexpected; leaks nothing)

Foreign exceptions are translated at one boundary each (provider adapters, the API handler) with
``raise … from exc``; the API maps a TurnoutError to the JSON envelope in exactly one handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    VALIDATION_FAILED = "VALIDATION_FAILED"
    MALFORMED_JSON = "MALFORMED_JSON"
    INVALID_TEXT = "INVALID_TEXT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    HEADERS_TOO_LARGE = "HEADERS_TOO_LARGE"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TENANT_REQUIRED = "TENANT_REQUIRED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"  # noqa: S105 - an error code, not a secret
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    CONFLICT = "CONFLICT"
    ACTIVE_PROVIDER_DELETE = "ACTIVE_PROVIDER_DELETE"
    OUTBOUND_URL_BLOCKED = "OUTBOUND_URL_BLOCKED"
    LABEL_CONFIG_INVALID = "LABEL_CONFIG_INVALID"
    LABEL_CONFIG_UNSUPPORTED = "LABEL_CONFIG_UNSUPPORTED"
    TASK_DATA_INVALID = "TASK_DATA_INVALID"
    PREDICTION_INVALID = "PREDICTION_INVALID"
    LABEL_STUDIO_ERROR = "LABEL_STUDIO_ERROR"
    LABEL_STUDIO_UNREACHABLE = "LABEL_STUDIO_UNREACHABLE"
    LABEL_STUDIO_REFUSED = "LABEL_STUDIO_REFUSED"
    LABEL_STUDIO_REJECTED = "LABEL_STUDIO_REJECTED"
    CLIENT_DISCONNECTED = "CLIENT_DISCONNECTED"
    RATE_LIMITED = "RATE_LIMITED"
    LOGIN_THROTTLED = "LOGIN_THROTTLED"
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
    # The gateway's attempt records, when the error ends a request that tried providers.
    attempts: tuple[Any, ...] = ()

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


class MalformedJson(RequestError):
    """The body is not JSON Turnout reads: `problem` (a json_problems.* key) at line, column."""

    code = ErrorCode.MALFORMED_JSON

    def __init__(
        self, detail: str = "", *, problem: str = "syntax", line: int = 1, column: int = 1,
        **params: Any,
    ) -> None:
        where = {"problem": problem, "line": line, "column": column}
        super().__init__(detail, details=dict(where), **where, **params)


class InvalidText(RequestError):
    """The URL's `part` (path or query) is not UTF-8 text, or holds a NUL."""

    code = ErrorCode.INVALID_TEXT

    def __init__(self, detail: str = "", *, part: str = "query", **params: Any) -> None:
        super().__init__(detail, details={"part": part}, part=part, **params)


class PayloadTooLarge(RequestError):
    code = ErrorCode.PAYLOAD_TOO_LARGE
    status = 413

    def __init__(self, detail: str = "", *, limit_bytes: int = 0, **params: Any) -> None:
        mib = 1024 * 1024
        whole_mib = limit_bytes >= mib and not limit_bytes % mib
        shown = f"{limit_bytes // mib} MiB" if whole_mib else f"{limit_bytes // 1024} KiB"
        super().__init__(detail, details={"limit_bytes": limit_bytes}, limit=shown, **params)


class UnsupportedMediaType(RequestError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE
    status = 415


class HeadersTooLarge(RequestError):
    code = ErrorCode.HEADERS_TOO_LARGE
    status = 431


class NotAuthenticated(RequestError):
    code = ErrorCode.NOT_AUTHENTICATED
    status = 401


class InvalidCredentials(RequestError):
    code = ErrorCode.INVALID_CREDENTIALS
    status = 401


class TenantRequired(InvalidCredentials):
    """A login without a tenant whose password fits the username in more than one tenant."""

    code = ErrorCode.TENANT_REQUIRED


class TokenExpired(RequestError):
    code = ErrorCode.TOKEN_EXPIRED
    status = 401


class PermissionDenied(RequestError):
    code = ErrorCode.PERMISSION_DENIED
    status = 403


class NotFound(RequestError):
    code = ErrorCode.NOT_FOUND
    status = 404


class UnknownProviderName(NotFound):
    """A request names a provider the tenant does not have (`other/gpt-4o` under /v1)."""

    def __init__(self, name: str = "", **params: Any) -> None:
        super().__init__(f"no provider named {name!r}", details={"name": name}, name=name, **params)

    @property
    def message_key(self) -> str:
        return "errors.NOT_FOUND.provider_name"


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


class LabelConfigInvalid(RequestError):
    """A Label Studio labeling config Turnout cannot read: `problem` says why (syntax, dtd,
    entities, too_large, missing_attribute, …); `line`, `tag`, `attribute` say where."""

    code = ErrorCode.LABEL_CONFIG_INVALID
    status = 422

    def __init__(self, problem: str | None = None, **where: Any) -> None:
        shown = {key: value for key, value in where.items() if value is not None}
        super().__init__(
            f"label config: {problem}", details={"problem": problem, **shown}, **shown
        )
        self.problem = problem

    @property
    def message_key(self) -> str:
        suffix = f".{self.problem}" if self.problem else ""
        return f"errors.LABEL_CONFIG_INVALID{suffix}"


class LabelConfigUnsupported(RequestError):
    """A labeling config with tags pre-annotation cannot answer; `entries` lists every one as
    {tag, name, line, reason}, so a project owner sees them all at once."""

    code = ErrorCode.LABEL_CONFIG_UNSUPPORTED
    status = 422

    def __init__(
        self, entries: Sequence[dict[str, Any]] = (), summary: str = "", **params: Any
    ) -> None:
        super().__init__(
            f"unsupported label config: {summary}",
            details={"tags": list(entries)},
            **{**params, "tags": summary},
        )
        self.entries = list(entries)


class TaskDataInvalid(RequestError):
    """A task's data cannot be put in a prompt: `problem` (missing_field, not_text, too_large)
    for `field`."""

    code = ErrorCode.TASK_DATA_INVALID
    status = 422

    def __init__(self, problem: str | None = None, *, field: str = "", **params: Any) -> None:
        where = {"problem": problem, "field": field, **params}
        super().__init__(f"task data: {problem} ({field})", details=where, **where)
        self.problem = problem

    @property
    def message_key(self) -> str:
        suffix = f".{self.problem}" if self.problem else ""
        return f"errors.TASK_DATA_INVALID{suffix}"


class ClientDisconnected(RequestError):
    code = ErrorCode.CLIENT_DISCONNECTED
    status = 499


class RateLimited(RequestError):
    """Our own limits refused; `attempts` lists the candidates they held back, if any."""

    code = ErrorCode.RATE_LIMITED
    status = 429

    def __init__(
        self,
        detail: str = "",
        *,
        retry_after_s: float | None = None,
        attempts: Sequence[Any] = (),
        **kw: Any,
    ) -> None:
        super().__init__(detail, **kw)
        self.retry_after_s = retry_after_s
        self.attempts = tuple(attempts)
        if retry_after_s is not None:
            self.details.setdefault("retry_after_s", round(retry_after_s, 3))


class LoginThrottled(RateLimited):
    """Too many failed logins for the username or the client address; refused unverified."""

    code = ErrorCode.LOGIN_THROTTLED


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


class LabelStudioError(TurnoutError):
    """A Label Studio call failed. `detail` keeps its own words (admins only); `details` holds
    only its HTTP status."""

    code = ErrorCode.LABEL_STUDIO_ERROR
    status = 502

    def __init__(
        self, detail: str = "", *, label_studio_status: int | None = None, **params: Any
    ) -> None:
        status = {} if label_studio_status is None else {"label_studio_status": label_studio_status}
        super().__init__(
            detail, details=status, label_studio_status=label_studio_status, **params
        )
        self.label_studio_status = label_studio_status


class LabelStudioUnreachable(LabelStudioError):
    code = ErrorCode.LABEL_STUDIO_UNREACHABLE
    retryable = True


class LabelStudioRefused(LabelStudioError):
    code = ErrorCode.LABEL_STUDIO_REFUSED
    status = 422


class LabelStudioRejected(LabelStudioError):
    code = ErrorCode.LABEL_STUDIO_REJECTED
    status = 422


class PredictionInvalid(TurnoutError):
    """The model's answer does not fit the labeling config, also after being asked again with
    the problems: the task fails and nothing is written. `issues` are {field, code, params}."""

    code = ErrorCode.PREDICTION_INVALID
    status = 502

    def __init__(self, issues: Sequence[dict[str, Any]] = (), **params: Any) -> None:
        listed = list(issues)
        super().__init__(
            f"invalid prediction ({len(listed)} issues)",
            details={"issues": listed},
            **{**params, "count": len(listed)},
        )
        self.issues = listed


class AllProvidersFailed(TurnoutError):
    """Every candidate failed; `attempts` are the gateway's attempt records, in order."""

    code = ErrorCode.ALL_PROVIDERS_FAILED
    status = 503

    def __init__(self, attempts: Sequence[Any] = ()) -> None:
        self.attempts = tuple(attempts)
        super().__init__("all providers failed")


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
