"""Integers no column, serialiser or provider can hold are refused with 422, never a 500.

Every JSON body's integers must fit in 64 bits (−2⁶³ … 2⁶³−1), wherever they sit: orjson refused
to send 2⁶⁴ to a provider, SQLite to bind it, PostgreSQL's int4 columns anything over 2³¹−1.
"""

from __future__ import annotations

import json

import pytest

from tests.security.hostile import Case, assert_refused_in_both_locales
from turnout.api.json_input import INT64_MAX, INT64_MIN, first_bad_value
from turnout.security.roles import Role

M = Role.MEMBER
BIG = 2**64


def too_big(case_id: str, method: str, path: str, value: object, field: str,
            role: Role = Role.ADMIN) -> Case:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return Case(case_id, method, path, raw, 422, "VALIDATION_FAILED", field, role)


def schema_with_maximum(maximum: int) -> dict:
    return {"type": "json_schema",
            "json_schema": {"name": "n", "schema": {"type": "integer", "maximum": maximum}}}


CHAT = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
PROVIDER = {"name": "p", "provider_type": "openai", "api_key": "sk-test-123456"}

HUGE = [
    too_big("2^64 deep in a chat body", "POST", "/v1/chat/completions",
            {**CHAT, "response_format": schema_with_maximum(BIG)},
            "response_format.json_schema.schema.maximum", M),
    too_big("-2^63-1 deep in a chat body", "POST", "/v1/chat/completions",
            {**CHAT, "response_format": schema_with_maximum(INT64_MIN - 1)},
            "response_format.json_schema.schema.maximum", M),
    too_big("2^64 deep in generate options", "POST", "/api/v1/llm/generate",
            {"prompt": "hi", "options": {"response_format": schema_with_maximum(BIG)}},
            "options.response_format.json_schema.schema.maximum", M),
    too_big("2^64 max_tokens", "POST", "/api/v1/llm/generate",
            {"prompt": "hi", "options": {"max_tokens": BIG}}, "options.max_tokens", M),
    too_big("2^64 context window", "POST", "/api/v1/llm/models",
            {"provider_type": "openai", "model": "m", "context_window": BIG}, "context_window"),
    too_big("2^31 context window (PostgreSQL int4)", "POST", "/api/v1/llm/models",
            {"provider_type": "openai", "model": "m", "context_window": 2**31}, "context_window"),
    too_big("a price of 1e400", "POST", "/api/v1/llm/models",
            b'{"provider_type": "openai", "model": "m", "input_price_per_1k": 1e400}',
            "input_price_per_1k"),
    too_big("a 3,000-digit max_retries", "POST", "/admin/config/llm",
            b'{"name": "p", "provider_type": "openai", "options": {"max_retries": '
            + b"9" * 3000 + b"}}", "options.max_retries"),
    too_big("2^64 rpm limit", "POST", "/api/v1/keys", {"name": "k", "rpm_limit": BIG},
            "rpm_limit"),
    too_big("2^63 audit offset", "GET", f"/api/v1/audit?offset={2**63}", b"", "offset"),
    too_big("a 30-digit audit limit", "GET", f"/api/v1/audit?limit={10**30}", b"", "limit"),
]


@pytest.mark.parametrize("case", HUGE, ids=lambda c: c.id)
async def test_an_integer_out_of_range_is_refused(client, tenant, case):
    await assert_refused_in_both_locales(client, tenant, case)


async def test_the_refusal_states_the_range(client, tenant):
    response = await client.post(
        "/v1/chat/completions", json={**CHAT, "response_format": schema_with_maximum(BIG)},
        headers=tenant.headers(M, via_key=True),
    )
    message = response.json()["error"]["message"]
    assert f"between {INT64_MIN} and {INT64_MAX}" in message


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        (INT64_MAX, False),
        (INT64_MIN, False),
        (INT64_MAX + 1, True),
        (INT64_MIN - 1, True),
        ({"a": [1, {"b": BIG}]}, True),
        ({"a": [True, 1.5e300, "9" * 40]}, False),  # a bool, a float and a string are not ints
    ],
)
def test_the_bounds_are_those_of_a_signed_64_bit_integer(value, bad):
    assert (first_bad_value(value) is not None) is bad
