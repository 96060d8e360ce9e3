from __future__ import annotations

import asyncio
import inspect
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import orjson
import pytest
from aiohttp import http_exceptions
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from turnout import errors as e
from turnout.providers.error_mapping import (
    RETRY_AFTER_CAP_S,
    class_for_exception,
    error_from_exception,
    error_from_payload,
    error_from_response,
    parse_retry_after,
    upstream_errors,
)


def body(obj: object) -> bytes:
    return json.dumps(obj).encode()


def openai_error(
    code: str | None, type_: str = "invalid_request_error", message: str = "x"
) -> bytes:
    return body({"error": {"message": message, "type": type_, "param": None, "code": code}})


# (provider, status, body, expected) — bodies as the vendors document them.
DOCUMENTED = [
    ("openai", 429, openai_error("rate_limit_exceeded", "requests"), e.UpstreamRateLimited),
    (
        "openai",
        429,
        openai_error("insufficient_quota", "insufficient_quota", "You exceeded your current quota"),
        e.QuotaExceeded,
    ),
    ("openai", 401, openai_error("invalid_api_key"), e.UpstreamAuthError),
    ("openai", 401, openai_error(None, message="Incorrect API key provided"), e.UpstreamAuthError),
    ("openai", 403, openai_error("unsupported_country_region_territory"), e.UpstreamAuthError),
    (
        "openai",
        400,
        openai_error(
            "context_length_exceeded", message="This model's maximum context length is 8192 tokens"
        ),
        e.ContextLengthExceeded,
    ),
    (
        "openai",
        404,
        openai_error("model_not_found", message="The model `x` does not exist"),
        e.ModelNotFound,
    ),
    (
        "openai",
        400,
        openai_error(None, message="Invalid value for 'temperature'"),
        e.UpstreamInvalidRequest,
    ),
    ("openai", 500, openai_error(None, "server_error"), e.UpstreamServerError),
    ("openai", 503, b"<html>Service Unavailable</html>", e.UpstreamServerError),
    ("openai", 408, b"", e.UpstreamTimeout),
    (
        "azure",
        400,
        body(
            {
                "error": {
                    "code": "content_filter",
                    "message": "filtered",
                    "innererror": {"code": "ResponsibleAIPolicyViolation"},
                }
            }
        ),
        e.ContentFiltered,
    ),
    (
        "azure",
        404,
        body({"error": {"code": "DeploymentNotFound", "message": "no deployment"}}),
        e.ModelNotFound,
    ),
    (
        "azure",
        429,
        body({"error": {"code": "429", "message": "exceeded call rate limit"}}),
        e.UpstreamRateLimited,
    ),
    (
        "qwen",
        400,
        body(
            {
                "error": {
                    "code": "Arrearage",
                    "type": "Arrearage",
                    "message": "Access denied, account in good standing?",
                }
            }
        ),
        e.QuotaExceeded,
    ),
    (
        "qwen",
        400,
        body(
            {
                "error": {
                    "code": "data_inspection_failed",
                    "type": "data_inspection_failed",
                    "message": "inappropriate",
                }
            }
        ),
        e.ContentFiltered,
    ),
    (
        "qwen",
        400,
        body({"code": "DataInspectionFailed", "message": "x", "request_id": "r"}),
        e.ContentFiltered,
    ),
    ("qwen", 429, body({"code": "Throttling.RateQuota", "message": "x"}), e.UpstreamRateLimited),
    (
        "qwen",
        401,
        body({"code": "InvalidApiKey", "message": "Invalid API-key provided."}),
        e.UpstreamAuthError,
    ),
    ("zhipu", 429, body({"error": {"code": "1113", "message": "余额不足"}}), e.QuotaExceeded),
    ("zhipu", 429, body({"error": {"code": "1302", "message": "并发过高"}}), e.UpstreamRateLimited),
    ("zhipu", 429, body({"error": {"code": "1305", "message": "x"}}), e.UpstreamRateLimited),
    (
        "zhipu",
        401,
        body({"error": {"code": "1002", "message": "token invalid"}}),
        e.UpstreamAuthError,
    ),
    (
        "zhipu",
        400,
        body({"error": {"code": "1301", "message": "不安全或敏感内容"}}),
        e.ContentFiltered,
    ),
    ("zhipu", 400, body({"error": {"code": 1211, "message": "模型不存在"}}), e.ModelNotFound),
    (
        "baidu",
        403,
        body({"error": {"code": "system_unsafe", "message": "x", "type": "x"}}),
        e.ContentFiltered,
    ),
    (
        "baidu",
        429,
        body({"error": {"code": "rpm_rate_limit_exceeded", "message": "x"}}),
        e.UpstreamRateLimited,
    ),
    (
        "baidu",
        200,
        body({"error_code": 18, "error_msg": "Open api qps request limit reached"}),
        e.UpstreamRateLimited,
    ),
    (
        "hunyuan",
        200,
        body({"Response": {"Error": {"Code": "ResourceUnavailable.InArrears", "Message": "x"}}}),
        e.QuotaExceeded,
    ),
    (
        "deepseek",
        402,
        body({"error": {"message": "Insufficient Balance", "type": "unknown_error"}}),
        e.QuotaExceeded,
    ),
    ("deepseek", 422, body({"error": {"message": "Invalid parameters"}}), e.UpstreamInvalidRequest),
    (
        "ollama",
        404,
        body({"error": 'model "llama9" not found, try pulling it first'}),
        e.ModelNotFound,
    ),
    (
        "ollama",
        400,
        body({"error": "input length exceeds the context length"}),
        e.ContextLengthExceeded,
    ),
    (
        "vllm",
        404,
        body(
            {
                "object": "error",
                "message": "The model `m` does not exist.",
                "type": "NotFoundError",
                "code": 404,
            }
        ),
        e.ModelNotFound,
    ),
    ("any", 404, body({"detail": "Not Found"}), e.UpstreamInvalidRequest),
    ("any", 302, b"", e.UpstreamInvalidRequest),
]


@pytest.mark.parametrize(
    ("vendor", "status", "raw", "expected"),
    DOCUMENTED,
    ids=[f"{v}-{s}-{x.__name__}" for v, s, _, x in DOCUMENTED],
)
def test_documented_error_bodies_map_to_our_classes(
    vendor: str, status: int, raw: bytes, expected: type[e.ProviderError]
) -> None:
    error = error_from_response(status, raw, {}, provider="p1")
    assert type(error) is expected
    assert error.provider == "p1"
    assert error.upstream_status == status


def test_quota_is_never_retryable_and_rate_limits_are() -> None:
    quota = error_from_response(429, openai_error("insufficient_quota"), {}, provider=None)
    limited = error_from_response(429, openai_error("rate_limit_exceeded"), {}, provider=None)
    assert (quota.retryable, limited.retryable) == (False, True)


def test_retry_after_header_is_carried() -> None:
    error = error_from_response(429, b"{}", {"Retry-After": "7"}, provider=None)
    assert error.retry_after_s == 7


def test_upstream_code_is_kept_in_details() -> None:
    error = error_from_response(429, openai_error("insufficient_quota"), {}, provider=None)
    assert error.details == {"upstream_code": "insufficient_quota"}


def test_mid_stream_errors_map_like_http_ones() -> None:
    payload = {"error": {"code": "1301", "message": "unsafe"}}
    assert type(error_from_payload(payload, provider="p", status=200)) is e.ContentFiltered
    unexplained = error_from_payload({"error": {"message": "boom"}}, provider="p", status=200)
    assert type(unexplained) is e.UpstreamServerError


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after": "3600"}, RETRY_AFTER_CAP_S),
        ({"retry-after": "-5"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    header = {"Retry-After": format_datetime(now + timedelta(seconds=30), usegmt=True)}
    assert parse_retry_after(header, now=now.timestamp()) == pytest.approx(30)


def _exported_exception_classes() -> list[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for module in (aiohttp, http_exceptions):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            # Warnings are reported through `warnings`, never raised at a caller.
            if issubclass(obj, Exception) and not issubclass(obj, Warning):
                found.add(obj)
    return sorted(found, key=lambda cls: cls.__qualname__)


# What the transport and the JSON decoder raise: the only foreign exceptions to translate.
FOREIGN = [
    *_exported_exception_classes(),
    asyncio.TimeoutError,
    TimeoutError,
    ConnectionError,
    ConnectionResetError,
    OSError,
    orjson.JSONDecodeError,
    EOFError,
    asyncio.IncompleteReadError,
]
# What a bug in our own code raises: never translated, so it surfaces as a bug.
OWN_BUGS = [TypeError, KeyError, IndexError, AttributeError, ValueError, LookupError, NameError]


@pytest.mark.parametrize("exc_type", FOREIGN, ids=lambda cls: cls.__qualname__)
def test_every_upstream_exception_type_is_mapped(exc_type: type[BaseException]) -> None:
    mapped = class_for_exception(exc_type)
    assert mapped is not None, f"{exc_type.__qualname__} would escape the provider boundary"
    assert issubclass(mapped, e.ProviderError)


@pytest.mark.parametrize("exc_type", OWN_BUGS, ids=lambda cls: cls.__qualname__)
def test_a_bug_of_our_own_is_never_taken_for_an_upstream_failure(
    exc_type: type[BaseException],
) -> None:
    assert class_for_exception(exc_type) is None
    with pytest.raises(exc_type), upstream_errors("p"):
        raise exc_type("our bug")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (TimeoutError(), e.UpstreamTimeout),
        (aiohttp.ServerTimeoutError("read"), e.UpstreamTimeout),
        (aiohttp.ServerDisconnectedError(), e.UpstreamConnectionError),
        (aiohttp.ClientPayloadError("cut"), e.UpstreamConnectionError),
        (ConnectionResetError(), e.UpstreamConnectionError),
        (aiohttp.InvalidURL("nope"), e.UpstreamInvalidRequest),
        (orjson.JSONDecodeError("x", "doc", 0), e.MalformedResponse),
    ],
)
def test_boundary_translates_and_chains(
    exc: BaseException, expected: type[e.ProviderError]
) -> None:
    with pytest.raises(expected) as caught, upstream_errors("p9"):
        raise exc
    assert caught.value.__cause__ is exc
    assert caught.value.provider == "p9"


def test_client_response_error_maps_by_its_status() -> None:
    url = URL("http://127.0.0.1/v1/chat/completions")
    info = aiohttp.RequestInfo(url, "POST", CIMultiDictProxy(CIMultiDict()), url)
    exc = aiohttp.ClientResponseError(info, (), status=429)
    assert type(error_from_exception(exc, "p")) is e.UpstreamRateLimited
    bare = aiohttp.ClientResponseError(None, (), status=503)  # type: ignore[arg-type]
    assert type(error_from_exception(bare, "p")) is e.UpstreamServerError


def test_cancellation_is_never_swallowed() -> None:
    with pytest.raises(asyncio.CancelledError), upstream_errors("p"):
        raise asyncio.CancelledError
