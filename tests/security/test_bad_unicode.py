"""Text that is not real Unicode is refused at the boundary, and none is ever stored.

A lone surrogate used to answer 500 and commit the row anyway; every list showing it answered
500 from then on. Rows stored that way are repaired by `turnout repair-text`
(tests/store/test_repair_text.py).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.api.test_provider_configs import payload_for
from tests.gateway.helpers import providers
from tests.security.hostile import Case, assert_refused_in_both_locales
from turnout.security.roles import Role
from turnout.store.models import AuditLog, ProviderConfig

M = Role.MEMBER


def config_body(**fields: object) -> bytes:
    base = {"name": "p", "provider_type": "openai", "api_key": "sk-test-123456", **fields}
    return json.dumps(base).encode()


def with_escape(raw: bytes, placeholder: str, escape: str) -> bytes:
    """`raw` with a JSON escape (such as \\udc80) where `placeholder` was."""
    return raw.replace(placeholder.encode(), escape.encode())


BAD_TEXT = [
    Case("lone low surrogate in a model name", "POST", "/admin/config/llm",
         with_escape(config_body(models={"chat": "m@"}), "@", "\\udc80")),
    Case("lone high surrogate in a provider name", "POST", "/admin/config/llm",
         with_escape(config_body(name="n@"), "@", "\\ud800")),
    Case("surrogates in the wrong order in a prompt", "POST", "/api/v1/llm/generate",
         b'{"prompt": "\\udc80\\ud800"}', role=M),
    Case("a surrogate written as UTF-8 bytes in a key name", "POST", "/api/v1/keys",
         b'{"name": "k\xed\xb2\x80"}'),
    Case("a lone surrogate in a chat message", "POST", "/v1/chat/completions",
         b'{"model": "auto", "messages": [{"role": "user", "content": "\\udfff"}]}', role=M),
    Case("NUL in an API key name", "POST", "/api/v1/keys", b'{"name": "a\\u0000b"}',
         status=422, code="VALIDATION_FAILED", field="name"),
    Case("NUL in a chat message", "POST", "/v1/chat/completions",
         b'{"model": "auto", "messages": [{"role": "user", "content": "\\u0000"}]}',
         status=422, code="VALIDATION_FAILED", field="messages.0.content", role=M),
    Case("invalid UTF-8 in the query", "GET", "/api/v1/audit?action=%ff", None,
         code="INVALID_TEXT"),
    Case("NUL in the query", "GET", "/api/v1/llm/usage?provider_id=%00", None,
         code="INVALID_TEXT"),
    Case("a surrogate's UTF-8 bytes in the path", "GET", "/admin/config/llm/%ed%b2%80", None,
         code="INVALID_TEXT"),
    Case("NUL in the path", "DELETE", "/api/v1/users/x%00y", None, code="INVALID_TEXT"),
]


@pytest.mark.parametrize("case", BAD_TEXT, ids=lambda c: c.id)
async def test_text_that_is_not_unicode_is_refused(client, tenant, case):
    await assert_refused_in_both_locales(client, tenant, case)


async def _row_counts(services, tenant_id: str) -> list[int]:
    async with services.sessions() as session:
        return [
            (await session.execute(
                select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
            )).scalar_one()
            for model in (ProviderConfig, AuditLog)
        ]


async def test_a_refused_surrogate_stores_nothing_and_every_list_still_answers(
    client, tenant, services
):
    before = await _row_counts(services, tenant.id)
    raw = with_escape(config_body(models={"chat": "m@"}), "@", "\\udc80")
    headers = tenant.headers() | {"content-type": "application/json"}
    refused = await client.post("/admin/config/llm", content=raw, headers=headers)
    assert refused.status_code == 400
    for path, role in (("/admin/config/llm", Role.ADMIN), ("/v1/models", M),
                       ("/api/v1/audit", Role.ADMIN)):
        listed = await client.get(path, headers=tenant.headers(role))
        assert listed.status_code == 200, (path, listed.text)
    assert await _row_counts(services, tenant.id) == before


async def test_real_unicode_is_kept_exactly(client, tenant, upstream):
    name = "供应商-😀"
    # The emoji as a JSON surrogate pair: a valid escape, not a lone surrogate.
    raw = json.dumps(payload_for("openai", upstream, name=name), ensure_ascii=True).encode()
    headers = tenant.headers() | {"content-type": "application/json"}
    created = await client.post("/admin/config/llm", content=raw, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == name
    setup = await providers(client, tenant, upstream, "qwen")
    answer = await client.post(
        "/api/v1/llm/generate", json={"prompt": "naïve café ∑ 😀"}, headers=setup.member()
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["content"] == "echo: naïve café ∑ 😀"
