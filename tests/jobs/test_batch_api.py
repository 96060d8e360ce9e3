"""Batch jobs through Turnout's own API: submit, follow, read results, cancel, delete."""

from __future__ import annotations

import orjson
from sqlalchemy import func, select

from tests.gateway.helpers import providers
from tests.jobs.helpers import results, wait_for
from turnout.fakeupstream import Fault
from turnout.security.roles import Role
from turnout.store.models import UsageLog


def batch(n: int, **extra) -> dict:
    return {"requests": [{"prompt": f"item {i}", "custom_id": f"c{i}"} for i in range(n)],
            **extra}


async def test_a_batch_runs_every_request_once_and_keeps_its_results(
    client, tenant, upstream, services
):
    setup = await providers(client, tenant, upstream, "openai")
    created = await client.post("/api/v1/llm/batch", json=batch(25), headers=setup.member())
    assert created.status_code == 201, created.text
    job = created.json()
    assert (job["total"], job["kind"]) == (25, "batch")
    done = await wait_for(client, job["id"], setup.member())
    assert (done["status"], done["completed"], done["failed"], done["progress"]) == (
        "completed", 25, 0, 1.0)
    assert done["usage"]["total_tokens"] > 0
    lines = await results(client, job["id"], setup.member())
    assert [line["custom_id"] for line in lines] == [f"c{i}" for i in range(25)]
    assert all(line["result"]["content"] == f"echo: item {line['position']}" for line in lines)
    await services.usage.flush()
    async with services.sessions() as session:
        rows = await session.scalar(
            select(func.count()).select_from(UsageLog).where(UsageLog.tenant_id == tenant.id)
        )
    assert rows == 25  # one usage row per item


async def test_a_bad_line_is_reported_with_its_custom_id_never_dropped(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    body = {"requests": [{"prompt": "fine"}, {"custom_id": "broken", "promt": "typo"}]}
    job = (await client.post("/api/v1/llm/batch", json=body, headers=setup.member())).json()
    done = await wait_for(client, job["id"], setup.member())
    assert (done["completed"], done["failed"]) == (1, 1)
    bad = (await results(client, job["id"], setup.member()))[1]
    assert (bad["custom_id"], bad["status"], bad["error"]["code"]) == (
        "broken", "failed", "VALIDATION_FAILED")


async def test_a_jsonl_upload_is_a_job_too(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    raw = b"\n".join([orjson.dumps({"prompt": "a"}), b"not json", orjson.dumps({"prompt": "b"})])
    created = await client.post(
        "/api/v1/llm/batch/jsonl", content=raw,
        headers={**setup.member(), "Content-Type": "application/x-ndjson"},
    )
    assert created.status_code == 201, created.text
    done = await wait_for(client, created.json()["id"], setup.member())
    assert (done["total"], done["completed"], done["failed"]) == (3, 2, 1)


async def test_a_custom_id_past_256_characters_fails_its_line_rather_than_being_cut(
    client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "openai")
    longest, too_long = "k" * 256, "k" * 257
    body = {"requests": [{"prompt": "kept", "custom_id": longest},
                         {"prompt": "refused", "custom_id": too_long}]}
    job = (await client.post("/api/v1/llm/batch", json=body, headers=setup.member())).json()
    await wait_for(client, job["id"], setup.member())
    kept, refused = await results(client, job["id"], setup.member())
    assert (kept["custom_id"], kept["status"]) == (longest, "completed")
    # A result under a shortened id would answer no request the client sent.
    assert (refused["custom_id"], refused["status"]) == (None, "failed")
    assert refused["error"]["code"] == "VALIDATION_FAILED"
    assert refused["error"]["fields"] == [
        {"field": "custom_id", "type": "string_too_long", "max_length": 256}]


async def test_a_jsonl_line_is_read_by_the_rules_of_a_json_body(client, tenant, upstream):
    """Text with U+0000 or an integer past 64 bits fails its line by field, as it would fail
    a request; a lone surrogate escape is not JSON."""
    setup = await providers(client, tenant, upstream, "openai")
    raw = b"\n".join([
        b'{"prompt": "nul \\u0000 inside", "custom_id": "nul"}',
        b'{"prompt": "huge", "options": {"max_tokens": 123456789012345678901234}}',
        b'{"prompt": "lone \\ud800 surrogate"}',
        b'{"prompt": "fine", "custom_id": "fine"}',
    ])
    created = await client.post(
        "/api/v1/llm/batch/jsonl", content=raw,
        headers={**setup.member(), "Content-Type": "application/x-ndjson"},
    )
    assert created.status_code == 201, created.text
    await wait_for(client, created.json()["id"], setup.member())
    nul, huge, surrogate, fine = await results(client, created.json()["id"], setup.member())
    assert nul["error"] == {"code": "VALIDATION_FAILED", "line": 1, "fields": [
        {"field": "prompt", "type": "nul_character"}]}
    assert huge["error"] == {"code": "VALIDATION_FAILED", "line": 2, "fields": [
        {"field": "options.max_tokens", "type": "between", "min": -(2**63), "max": 2**63 - 1}]}
    assert (surrogate["error"]["code"], surrogate["error"]["line"]) == ("MALFORMED_JSON", 3)
    assert (surrogate["error"]["problem"], surrogate["error"]["column"]) == ("syntax", 24)
    assert (fine["custom_id"], fine["status"]) == ("fine", "completed")


async def test_the_same_client_key_returns_the_same_job(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    first = await client.post("/api/v1/llm/batch", json=batch(3, client_key="nightly-42"),
                              headers=setup.member())
    again = await client.post("/api/v1/llm/batch", json=batch(3, client_key="nightly-42"),
                              headers=setup.member())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    await wait_for(client, first.json()["id"], setup.member())


async def test_cancel_keeps_finished_items_and_cancels_the_rest(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    upstream.set_fault(Fault(latency_s=0.2))
    job = (await client.post("/api/v1/llm/batch", json=batch(200), headers=setup.member())).json()
    await wait_for(client, job["id"], setup.member(), until={"running"})
    cancelled = await client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=setup.member())
    assert cancelled.status_code == 200
    done = await wait_for(client, job["id"], setup.member())
    upstream.set_fault(None)
    assert done["status"] == "cancelled"
    assert done["cancelled"] > 0 and done["completed"] + done["failed"] + done["cancelled"] == 200
    assert done["running"] == done["pending"] == 0


async def test_roles_decide_who_submits_reads_and_manages(client, tenant, other_tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    viewer = tenant.headers(Role.VIEWER)
    refused = await client.post("/api/v1/llm/batch", json=batch(1), headers=viewer)
    assert refused.status_code == 403
    job = (await client.post("/api/v1/llm/batch", json=batch(2), headers=setup.member())).json()
    assert (await client.get(f"/api/v1/jobs/{job['id']}", headers=viewer)).status_code == 200
    other_member = tenant.headers(Role.MEMBER)  # a session of another member than the key
    refused = await client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=other_member)
    assert refused.status_code == 403
    foreign = await client.get(f"/api/v1/jobs/{job['id']}", headers=other_tenant.headers())
    assert foreign.status_code == 404
    await wait_for(client, job["id"], viewer)
    assert (await client.delete(f"/api/v1/jobs/{job['id']}", headers=tenant.headers())
            ).status_code == 204
    assert (await client.get(f"/api/v1/jobs/{job['id']}", headers=viewer)).status_code == 404


async def test_a_running_job_cannot_be_deleted(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    upstream.set_fault(Fault(latency_s=0.2))
    job = (await client.post("/api/v1/llm/batch", json=batch(100), headers=setup.member())).json()
    refused = await client.delete(f"/api/v1/jobs/{job['id']}", headers=setup.member())
    assert refused.status_code == 409
    await client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=setup.member())
    await wait_for(client, job["id"], setup.member())
    upstream.set_fault(None)


async def test_progress_events_never_go_backwards_and_end_with_done(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    upstream.set_fault(Fault(latency_s=0.02))
    job = (await client.post("/api/v1/llm/batch", json=batch(60), headers=setup.member())).json()
    events: list[tuple[str, dict]] = []
    async with client.stream("GET", f"/api/v1/jobs/{job['id']}/events",
                             headers=setup.member()) as stream:
        name = ""
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, orjson.loads(line[6:])))
    upstream.set_fault(None)
    assert events[-1][0] == "done" and events[-1][1]["status"] == "completed"
    done_counts = [e["completed"] + e["failed"] for _, e in events]
    assert done_counts == sorted(done_counts) and done_counts[-1] == 60
    assert len(events) > 2  # progress arrived while it ran, not only at the end
