"""Property 27, request batching (Requirement 10.1): whatever mix of requests a batch holds, the
job answers each request once, in the order sent, under its own custom_id: a valid request
with its own prompt's answer, an invalid one as a failed item saying why, never dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import build_tenant
from tests.gateway.helpers import providers
from tests.jobs.helpers import results, wait_for
from turnout.store.models import UsageLog

JSONL_HEADERS = {"Content-Type": "application/x-ndjson"}


@dataclass(frozen=True)
class Line:
    """One request of a batch and what its result must be."""

    body: dict[str, Any] | bytes  # bytes: a raw JSONL line (JSONL uploads only)
    custom_id: str | None  # as the result must carry it
    answer: str | None = None  # the completed item's content
    error: str | None = None  # the failed item's code


# Any text a JSON body can carry: UTF-8 (no lone surrogates), without U+0000 (refused by field,
# see json_input and the raw lines below).
_text = st.characters(codec="utf-8", exclude_characters="\x00")
_prompts = st.text(_text, min_size=1, max_size=40)
_custom_ids = st.none() | st.text(_text, min_size=1, max_size=24) | st.text(
    _text, min_size=256, max_size=256)


def _with_id(body: dict[str, Any], custom_id: str | None) -> dict[str, Any]:
    return body if custom_id is None else {**body, "custom_id": custom_id}


def _valid(prompt: str, custom_id: str | None, as_messages: bool) -> Line:
    body = {"messages": [{"role": "user", "content": prompt}]} if as_messages else {
        "prompt": prompt}
    return Line(_with_id(body, custom_id), custom_id, answer="echo: " + prompt)


_INVALID_BODIES = st.sampled_from([
    {"promt": "typo"},
    {"prompt": ""},
    {"prompt": "both", "messages": [{"role": "user", "content": "both"}]},
    {"prompt": "streamed", "stream": True},
    {"prompt": "hot", "options": {"temperature": "hot"}},
    {"prompt": "options", "options": "hot"},
    {"prompt": "options", "options": [1]},
    {},
])


def _invalid(body: dict[str, Any], custom_id: str | None) -> Line:
    return Line(_with_id(body, custom_id), custom_id, error="VALIDATION_FAILED")


_unusable_ids = (st.sampled_from([7, "", ["a"], {"id": "a"}, True]) | st.text(
    _text, min_size=257, max_size=300)).map(
    lambda custom_id: Line({"prompt": "no id", "custom_id": custom_id}, None,
                           error="VALIDATION_FAILED"))
_raw_lines = st.sampled_from([
    Line(b"not json", None, error="MALFORMED_JSON"),
    Line(b'{"prompt": "cut', None, error="MALFORMED_JSON"),
    Line(b"[1, 2]", None, error="VALIDATION_FAILED"),
    Line(b'"a string"', None, error="VALIDATION_FAILED"),
    Line(b'{"prompt": "lone \\ud800 surrogate"}', None, error="MALFORMED_JSON"),
    Line(b'{"prompt": "nul \\u0000 inside", "custom_id": "n"}', None, error="VALIDATION_FAILED"),
    Line(b'{"prompt": "huge", "options": {"max_tokens": 123456789012345678901234}}', None,
         error="VALIDATION_FAILED"),
])
_lines_for_both = (
    st.builds(_valid, _prompts, _custom_ids, st.booleans())
    | st.builds(_valid, _prompts, _custom_ids, st.booleans())
    | st.builds(_invalid, _INVALID_BODIES, _custom_ids)
    | _unusable_ids
)
_batches = st.one_of(
    st.tuples(st.just("json"), st.lists(_lines_for_both, min_size=1, max_size=30)),
    st.tuples(st.just("jsonl"), st.lists(_lines_for_both | _raw_lines, min_size=1, max_size=30)),
)


def _jsonl(lines: list[Line]) -> bytes:
    """The lines as a JSONL upload, with blank lines between some (they are not requests)."""
    texts = [line.body if isinstance(line.body, bytes) else orjson.dumps(line.body)
             for line in lines]
    return b"\n".join(text + (b"\n  \n" if i % 3 == 2 else b"") for i, text in enumerate(texts))


async def _submit(client, headers: dict[str, str], endpoint: str, lines: list[Line]) -> dict:
    if endpoint == "json":
        sent = await client.post("/api/v1/llm/batch", headers=headers,
                                 json={"requests": [line.body for line in lines]})
    else:
        sent = await client.post("/api/v1/llm/batch/jsonl", content=_jsonl(lines),
                                 headers={**headers, **JSONL_HEADERS})
    assert sent.status_code == 201, sent.text
    return sent.json()


async def _usage_rows(services, tenant_id: str) -> int:
    await services.usage.flush()
    async with services.sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(UsageLog).where(UsageLog.tenant_id == tenant_id)
        ) or 0


@settings(max_examples=100, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=_batches)
async def test_property_27_every_request_gets_its_own_result_in_order(
    client, services, upstream, batch
):
    endpoint, lines = batch
    tenant = await build_tenant(services)  # its own usage rows, whatever ran before
    setup = await providers(client, tenant, upstream, "openai")
    job = await _submit(client, setup.member(), endpoint, lines)
    assert job["total"] == len(lines)
    done = await wait_for(client, job["id"], setup.member())
    got = await results(client, job["id"], setup.member())

    assert [r["position"] for r in got] == list(range(len(lines)))
    for line, result in zip(lines, got, strict=True):
        assert result["custom_id"] == line.custom_id, (line, result)
        if line.answer is not None:
            assert result["status"] == "completed", (line, result)
            assert result["result"]["content"] == line.answer
        else:
            assert result["status"] == "failed", (line, result)
            assert result["error"]["code"] == line.error, (line, result)
    completed = sum(line.answer is not None for line in lines)
    assert (done["status"], done["completed"], done["failed"]) == (
        "completed", completed, len(lines) - completed)
    assert done["completed"] + done["failed"] == done["total"] and done["progress"] == 1.0
    assert await _usage_rows(services, tenant.id) == completed
