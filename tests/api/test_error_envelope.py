"""Property 22: every error code answers with the envelope, localised by Accept-Language."""

from __future__ import annotations

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from turnout.api.errors import error_response
from turnout.configs.runtime import ProviderRef
from turnout.errors import (
    AllProvidersFailed,
    ErrorCode,
    RateLimited,
    TurnoutError,
    UpstreamTimeout,
    ValidationFailed,
    all_error_classes,
)
from turnout.gateway.context import Attempt, AttemptStatus
from turnout.i18n import load_catalogs

CONCRETE = {cls.code: cls for cls in all_error_classes() if cls not in (TurnoutError,)}


def _instance(code: ErrorCode) -> TurnoutError:
    cls = CONCRETE[code]
    if cls is ValidationFailed:
        return ValidationFailed([{"field": "name", "code": "validation.required"}])
    if cls is AllProvidersFailed:
        slow = Attempt(
            ProviderRef("p", "t", "p", "openai"), "m", AttemptStatus.ERROR, error=UpstreamTimeout()
        )
        return AllProvidersFailed([slow])
    return cls(resource="provider", reason="r", url="http://x", capability="embed", summary="s")


def _request(path: str, accept_language: str | None) -> Request:
    headers = [(b"accept-language", accept_language.encode())] if accept_language else []
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "headers": headers,
            "query_string": b"",
            "state": {"request_id": "req-1"},
            "app": FastAPI(),
        }
    )


def test_every_code_has_a_class():
    assert set(CONCRETE) == set(ErrorCode)


@settings(max_examples=100, suppress_health_check=list(HealthCheck))
@given(
    code=st.sampled_from(list(ErrorCode)),
    header=st.sampled_from([None, "en-US", "zh-CN", "zh", "en;q=0.1, zh-CN;q=0.9", "fr"]),
)
def test_property_22_error_message_localization(code, header):
    import orjson

    error = _instance(code)
    response = error_response(_request("/api/v1/anything", header), error)
    body = orjson.loads(response.body)["error"]
    expected_locale = "zh-CN" if header and header.startswith(("zh", "en;q=0.1")) else "en-US"
    template_other = load_catalogs().messages["en-US" if expected_locale == "zh-CN" else "zh-CN"]
    assert response.status_code == error.status
    assert body["code"] == code.value
    assert body["request_id"] == "req-1"
    assert body["message"] and "{" not in body["message"]
    assert body["message"] != template_other[f"errors.{code.value}"]
    if expected_locale == "zh-CN":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_openai_routes_get_openai_error_shape():
    import orjson

    response = error_response(_request("/v1/chat/completions", None), RateLimited(retry_after_s=3))
    assert orjson.loads(response.body) == {
        "error": {
            "message": "Too many requests; please retry later.",
            "type": "rate_limit_error",
            "param": None,
            "code": "rate_limited",
        }
    }
    assert response.headers["retry-after"] == "3"


async def test_unknown_route_and_method_use_the_envelope(client):
    missing = await client.get("/api/v1/nothing-here", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    assert missing.json()["error"]["message"] == "未找到请求的资源。"
    wrong = await client.put("/healthz")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert wrong.headers["x-request-id"] == wrong.json()["error"]["request_id"]


async def test_malformed_json_body_is_called_malformed_json(client):
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_JSON"
