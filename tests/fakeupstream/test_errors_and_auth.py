"""Auth rejection and every error preset, in each flavour's documented status and body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from tests.fakeupstream.helpers import ALL_FLAVORS, auth_for, chat_body, endpoint_url
from turnout.fakeupstream import PRESETS, FakeUpstream, Fault

AUTHENTICATED = [f for f in ALL_FLAVORS if f != "ollama"]

# Columns follow PRESETS: rate_limit, quota, auth, content_filter, context_length,
# invalid_request, model_not_found, server_error, unavailable.
STATUSES: dict[str, tuple[int, ...]] = {
    "openai": (429, 429, 401, 400, 400, 400, 404, 500, 503),
    "azure_openai": (429, 403, 401, 400, 400, 400, 404, 500, 503),
    "qwen": (429, 400, 401, 400, 400, 400, 404, 500, 503),
    "zhipu": (429, 429, 401, 400, 400, 400, 400, 500, 503),
    "baidu": (429, 403, 401, 403, 400, 400, 401, 500, 503),
    "hunyuan": (429, 403, 401, 400, 400, 400, 404, 500, 503),
    "deepseek": (429, 402, 401, 400, 400, 422, 400, 500, 503),
    "openai_compatible": (429, 429, 401, 400, 400, 400, 404, 500, 503),
    "ollama": (429, 429, 401, 400, 400, 400, 404, 500, 503),
}
OPENAI_ERROR_KEYS = {"message", "type", "param", "code"}


def _openai_shape(body: Any) -> bool:
    return set(body["error"]) == OPENAI_ERROR_KEYS


def _code_message_shape(body: Any) -> bool:
    return {"code", "message"} <= set(body["error"])


def _dashscope_shape(body: Any) -> bool:
    return _openai_shape(body) and body["request_id"] and body["id"].startswith("chatcmpl-")


def _zhipu_shape(body: Any) -> bool:
    return _code_message_shape(body) and body["error"]["code"].isdigit()


def _qianfan_shape(body: Any) -> bool:
    return set(body["error"]) == {"code", "message", "type"} and body["id"].startswith("as-")


def _vllm_shape(body: Any) -> bool:
    return body == {"error": "Unauthorized"} or (_openai_shape(body)
                                                 and isinstance(body["error"]["code"], int))


def _ollama_shape(body: Any) -> bool:
    return isinstance(body["error"], str) and body["error"]


SHAPES: dict[str, Callable[[Any], bool]] = {
    "openai": _openai_shape,
    "azure_openai": _code_message_shape,
    "qwen": _dashscope_shape,
    "zhipu": _zhipu_shape,
    "baidu": _qianfan_shape,
    "hunyuan": _openai_shape,
    "deepseek": _openai_shape,
    "openai_compatible": _vllm_shape,
}


async def chat_status_and_body(http: aiohttp.ClientSession, url: str,
                               headers: dict[str, str]) -> tuple[int, Any]:
    async with http.post(url, json=chat_body(), headers=headers) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("flavor", AUTHENTICATED)
async def test_missing_key_is_401_in_the_flavours_shape(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str
) -> None:
    status, body = await chat_status_and_body(
        http, endpoint_url(fake, flavor, "chat/completions"), {})
    assert status == 401
    assert SHAPES[flavor](body)


@pytest.mark.parametrize("flavor", AUTHENTICATED)
@pytest.mark.parametrize("key", ["bad-key", "invalid-123"])
async def test_rejected_key_is_401_in_the_flavours_shape(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, key: str
) -> None:
    status, body = await chat_status_and_body(
        http, endpoint_url(fake, flavor, "chat/completions"), auth_for(flavor, key))
    assert status == 401
    assert SHAPES[flavor](body)


@pytest.mark.parametrize(("flavor", "expected"), [
    ("openai", {"type": "invalid_request_error", "code": "invalid_api_key"}),
    ("qwen", {"code": "invalid_api_key"}),
    ("zhipu", {"code": "1002"}),
    ("baidu", {"code": "invalid_iam_token"}),
    ("deepseek", {"type": "authentication_error",
                  "message": "Authentication Fails, Your api key: ****-key is invalid"}),
])
async def test_rejected_key_names_the_vendors_code(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, expected: dict[str, str]
) -> None:
    _, body = await chat_status_and_body(
        http, endpoint_url(fake, flavor, "chat/completions"), auth_for(flavor, "bad-key"))
    assert expected.items() <= body["error"].items()


async def test_azure_accepts_a_bearer_token_instead_of_api_key(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    status, _ = await chat_status_and_body(
        http, endpoint_url(fake, "azure_openai", "chat/completions"),
        {"Authorization": "Bearer entra-token"})
    assert status == 200


async def test_ollama_needs_no_key(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    status, _ = await chat_status_and_body(http, endpoint_url(fake, "ollama", "chat/completions"),
                                           {})
    assert status == 200


@pytest.mark.parametrize("flavor", ALL_FLAVORS)
@pytest.mark.parametrize("preset", PRESETS)
async def test_every_preset_has_the_documented_status_and_shape(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, preset: str
) -> None:
    fake.enqueue(Fault(error=preset))
    status, body = await chat_status_and_body(
        http, endpoint_url(fake, flavor, "chat/completions"), auth_for(flavor))
    assert status == STATUSES[flavor][PRESETS.index(preset)]
    shape = SHAPES.get(flavor, _openai_shape)  # Ollama's /v1 routes use OpenAI's envelope
    assert shape(body), body


@pytest.mark.parametrize(("flavor", "preset", "expected"), [
    ("openai", "rate_limit", {"type": "requests", "code": "rate_limit_exceeded", "param": None}),
    ("openai", "quota", {"type": "insufficient_quota", "code": "insufficient_quota"}),
    ("openai", "context_length", {"code": "context_length_exceeded"}),
    ("openai", "model_not_found", {"code": "model_not_found"}),
    ("azure_openai", "content_filter", {"code": "content_filter", "param": "prompt"}),
    ("qwen", "quota", {"type": "Arrearage", "code": "Arrearage"}),
    ("qwen", "rate_limit", {"code": "limit_requests"}),
    ("qwen", "content_filter", {"code": "data_inspection_failed"}),
    ("zhipu", "quota", {"code": "1113"}),
    ("zhipu", "rate_limit", {"code": "1302"}),
    ("zhipu", "content_filter", {"code": "1301"}),
    ("zhipu", "model_not_found", {"code": "1211"}),
    ("baidu", "rate_limit", {"code": "rpm_rate_limit_exceeded", "type": "rate_limit_exceeded"}),
    ("baidu", "context_length", {"code": "tokens_too_long"}),
    ("deepseek", "quota", {"message": "Insufficient Balance"}),
    ("deepseek", "model_not_found", {"message": "Model Not Exist"}),
])
async def test_presets_carry_the_vendors_codes(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, preset: str,
    expected: dict[str, Any],
) -> None:
    fake.enqueue(Fault(error=preset))
    _, body = await chat_status_and_body(
        http, endpoint_url(fake, flavor, "chat/completions"), auth_for(flavor))
    assert expected.items() <= body["error"].items()


async def test_azure_prompt_filter_names_the_policy_violation(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error="content_filter"))
    _, body = await chat_status_and_body(
        http, endpoint_url(fake, "azure_openai", "chat/completions"), auth_for("azure_openai"))
    assert body["error"]["innererror"]["code"] == "ResponsibleAIPolicyViolation"


async def test_ollama_native_errors_are_a_bare_string(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error="model_not_found"))
    body = {"model": "mistral", "stream": False, "messages": []}
    async with http.post(fake.url_for("ollama") + "/api/chat", json=body) as response:
        assert response.status == 404
        assert await response.json() == {
            "error": 'model "mistral" not found, try pulling it first'}


async def test_a_bare_status_gets_a_fitting_body_in_the_flavours_shape(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(status=502))
    status, body = await chat_status_and_body(
        http, endpoint_url(fake, "zhipu", "chat/completions"), auth_for("zhipu"))
    assert status == 502
    assert body == {"error": {"code": "500", "message": "内部错误"}}


async def test_raw_body_overrides_are_sent_as_given(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(status=418, body="<html>teapot</html>"))
    fake.enqueue(Fault(error="rate_limit", body={"custom": True}))
    url = endpoint_url(fake, "openai", "chat/completions")
    async with http.post(url, json=chat_body(), headers=auth_for("openai")) as response:
        assert (response.status, await response.text()) == (418, "<html>teapot</html>")
    async with http.post(url, json=chat_body(), headers=auth_for("openai")) as response:
        assert (response.status, await response.json()) == (429, {"custom": True})


def test_unknown_presets_and_flavours_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown error preset"):
        Fault(error="rate-limit")
    with pytest.raises(ValueError, match="unknown flavours"):
        Fault(flavors=("gemini",))
