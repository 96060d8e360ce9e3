"""Bodies that are not what a route reads: each is refused with a clear 4xx, never a 500.

Malformed JSON is called malformed JSON (400, with line and column), a body that is not JSON is
415, and a well-formed body with wrong fields names each field and says what is wrong with it.
"""

from __future__ import annotations

import json

import pytest

from tests.api.test_provider_configs import payload_for
from tests.gateway.helpers import providers
from tests.security.hostile import Case, assert_refused, assert_refused_in_both_locales, send
from turnout.fakeupstream import Fault
from turnout.security.roles import Role

M = Role.MEMBER
GENERATE, CHAT = "/api/v1/llm/generate", "/v1/chat/completions"
CHAT_OK = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}


def body(value: object) -> bytes:
    return json.dumps(value).encode()


MALFORMED = [
    Case("syntax, provider config", "POST", "/admin/config/llm", b'{"name": "x",'),
    Case("syntax, login", "POST", "/api/v1/auth/login", b'{"username": "a",}'),
    Case("syntax, generate", "POST", GENERATE, b'{"prompt": "hi"', role=M),
    Case("syntax, chat completions", "POST", CHAT, b'{"model": "auto", ', role=M),
    Case("trailing garbage, users", "POST", "/api/v1/users", b'{"username": "a"} x'),
    Case("empty body, generate", "POST", GENERATE, b" ", role=M),
    Case("invalid UTF-8, keys", "POST", "/api/v1/keys", b'{"name": "\xff\xfe"}'),
    Case("invalid UTF-8, embed", "POST", "/api/v1/llm/embed", b'{"texts": ["\xc3"]}', role=M),
    Case("202 levels deep, routing", "PUT", "/api/v1/llm/routing", b"[" * 202 + b"]" * 202),
    Case(
        "202 levels deep, generate",
        "POST",
        GENERATE,
        b'{"prompt": "x", "options": {"response_format": {"a": ' + b"[" * 202 + b"]" * 202 + b"}}}",
        role=M,
    ),
]
NOT_JSON = [
    Case(
        "text/plain, provider config",
        "POST",
        "/admin/config/llm",
        body({"name": "x"}),
        status=415,
        code="UNSUPPORTED_MEDIA_TYPE",
        headers={"content-type": "text/plain"},
    ),
    Case(
        "a form, login",
        "POST",
        "/api/v1/auth/login",
        b"username=a&password=b",
        status=415,
        code="UNSUPPORTED_MEDIA_TYPE",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Case(
        "no content type, generate",
        "POST",
        GENERATE,
        body({"prompt": "x"}),
        status=415,
        code="UNSUPPORTED_MEDIA_TYPE",
        role=M,
        headers={},
    ),
    Case(
        "text/plain, chat completions",
        "POST",
        CHAT,
        body(CHAT_OK),
        status=415,
        code="UNSUPPORTED_MEDIA_TYPE",
        role=M,
        headers={"content-type": "text/plain"},
    ),
]


def invalid(case_id: str, path: str, value: object, field: str, role: Role = M) -> Case:
    return Case(case_id, "POST", path, body(value), 422, "VALIDATION_FAILED", field, role)


WRONG_FIELDS = [
    invalid("unknown field at the top", GENERATE, {"promt": "hi"}, "promt"),
    invalid("unknown option", GENERATE, {"prompt": "hi", "options": {"temprature": 1}},
            "options.temprature"),
    invalid("neither prompt nor messages", GENERATE, {"options": {}}, "prompt"),
    invalid("both prompt and messages", GENERATE,
            {"prompt": "hi", "messages": [{"role": "user", "content": "hi"}]}, "messages"),
    invalid("temperature out of range", GENERATE, {"prompt": "hi", "options": {"temperature": 5}},
            "options.temperature"),
    invalid("unknown provider config field", "/admin/config/llm", {"nmae": "x"}, "nmae",
            Role.ADMIN),
    invalid("OpenAI param names the field", CHAT, {**CHAT_OK, "temperature": 5}, "temperature"),
    invalid("a 64-character DNS label in a base URL", "/admin/config/llm",
            {"name": "p", "provider_type": "openai", "api_key": "sk-test-123456",
             "base_url": f"http://{'a' * 64}.example.com/v1"}, "base_url", Role.ADMIN),
    invalid("a content part whose type is an object", CHAT,
            {"model": "auto", "messages": [{"role": "user", "content": [{"type": {}}]}]},
            "messages.0.content.0.type"),
]


@pytest.mark.parametrize("case", MALFORMED + NOT_JSON + WRONG_FIELDS, ids=lambda c: c.id)
async def test_a_bad_body_is_refused_with_a_clear_localised_answer(client, tenant, case):
    await assert_refused_in_both_locales(client, tenant, case)


async def test_malformed_json_says_what_and_where(client, tenant):
    cases = {
        b'{\n  "name": "x",\n}': ("syntax", 3, 1),
        b'{"name": "\xff"}': ("encoding", 1, 11),
        b'{"name": "\\udc80"}': ("surrogate", 1, 16),
        b"[" * 202 + b"]" * 202: ("depth", 1, 202),
    }
    for raw, (problem, line, column) in cases.items():
        case = Case(problem, "POST", "/api/v1/keys", raw)
        response = await send(client, tenant, case)
        assert_refused(response, case)
        assert response.json()["error"]["details"] == {
            "problem": problem, "line": line, "column": column
        }


async def test_messages_name_the_field_and_the_bound(client, tenant):
    cases = [
        (invalid("a", GENERATE, {"promt": "hi"}, "promt"), "promt: This field is not known"),
        (
            invalid("b", GENERATE, {"prompt": "hi", "options": {"temperature": 5}},
                    "options.temperature"),
            "options.temperature: Must be at most 2.",
        ),
        (
            invalid("c", GENERATE, {"prompt": "hi", "options": {"top_p": 0}}, "options.top_p"),
            "options.top_p: Must be greater than 0.",
        ),
        (invalid("d", GENERATE, {}, "prompt"), "prompt: Send exactly one of prompt and messages."),
    ]
    for case, expected in cases:
        assert expected in assert_refused(await send(client, tenant, case), case)


async def test_json_with_a_charset_or_a_json_suffix_is_json(client, tenant):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await client.post(
            "/api/v1/keys",
            content=body({"name": "ci", "role": "viewer"}),
            headers=tenant.headers() | {"content-type": content_type},
        )
        assert response.status_code == 201, (content_type, response.text)


async def test_a_v1_503_carries_the_attempts_its_message_points_at(
    client, tenant, upstream, services
):
    setup = await providers(client, tenant, upstream, "openai", max_retries=0)
    upstream.set_fault(Fault(status=500))
    try:
        openai = await client.post("/v1/chat/completions", json=CHAT_OK, headers=setup.member())
        ours = await client.post("/api/v1/llm/generate", json={"prompt": "hi"},
                                 headers=setup.member())
    finally:
        services.switcher.deps.circuit.reset(setup.ids["openai"])
    assert openai.status_code == ours.status_code == 503
    error = openai.json()["error"]
    assert "details" not in error["message"]
    assert [a["provider_id"] for a in error["attempts"]] == [setup.ids["openai"]]
    assert "details" not in ours.json()["error"]["message"]
    assert ours.json()["error"]["details"]["attempts"]


async def test_null_config_fields_mean_their_defaults_not_a_null_column(client, tenant, upstream):
    nulls = {"deployment_mode": None, "enabled": None, "models": None, "extra": None}
    body = payload_for("openai", upstream) | nulls
    created = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
    assert created.status_code == 201, created.text
    assert (created.json()["deployment_mode"], created.json()["enabled"]) == ("cloud", True)
    updated = await client.put(
        f"/admin/config/llm/{created.json()['id']}", json=nulls, headers=tenant.headers()
    )
    assert updated.status_code == 200, updated.text
