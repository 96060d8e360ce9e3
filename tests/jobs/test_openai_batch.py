"""The OpenAI Files and Batch APIs over HTTP: uploads, batches of chat completions and
embeddings answered as the /v1 routes answer, bad lines in the error file, cancel, roles and
tenants, and every answer as the OpenAPI document says."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from tests.api.test_openapi import assert_documented
from tests.gateway.helpers import providers
from turnout.api.limits import MIB, rule_for
from turnout.api.schemas.openai import ChatCompletion, EmbeddingList
from turnout.fakeupstream import Fault
from turnout.security.roles import Role

CHAT, EMBEDDINGS = "/v1/chat/completions", "/v1/embeddings"
FINISHED = {"completed", "failed", "cancelled", "expired"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def line(custom_id: str | None, body: dict, *, url: str = CHAT, method: str = "POST") -> bytes:
    entry = {"method": method, "url": url, "body": body}
    if custom_id is not None:
        entry["custom_id"] = custom_id
    return orjson.dumps(entry)


def ask(text: str, model: str = "auto", **extra) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


async def upload(client, headers: dict, content: bytes, purpose: str = "batch"):
    return await client.post(
        "/v1/files", files={"file": ("requests.jsonl", content, "application/jsonl")},
        data={"purpose": purpose}, headers=headers,
    )


async def start(client, headers: dict, lines: list[bytes], endpoint: str = CHAT) -> dict:
    uploaded = await upload(client, headers, b"\n".join(lines) + b"\n")
    assert uploaded.status_code == 200, uploaded.text
    created = await client.post(
        "/v1/batches",
        json={"input_file_id": uploaded.json()["id"], "endpoint": endpoint,
              "completion_window": "24h", "metadata": {"run": "nightly"}},
        headers=headers,
    )
    assert created.status_code == 200, created.text
    return created.json()


async def finished(client, batch_id: str, headers: dict, timeout_s: float = 30.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        batch = (await client.get(f"/v1/batches/{batch_id}", headers=headers)).json()
        if batch["status"] in FINISHED:
            return batch
        assert asyncio.get_running_loop().time() < deadline, batch
        await asyncio.sleep(0.05)


async def lines_of(client, file_id: str | None, headers: dict, **extra) -> list[dict]:
    assert file_id is not None
    response = await client.get(f"/v1/files/{file_id}/content", headers={**headers, **extra})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    return [orjson.loads(text) for text in response.content.splitlines()]


async def test_an_upload_is_described_listed_downloaded_and_deleted(
    client, tenant, other_tenant
):
    member, viewer = tenant.headers(Role.MEMBER, via_key=True), tenant.headers(Role.VIEWER)
    content = line("a", ask("hi")) + b"\n"
    created = await upload(client, member, content)
    assert created.status_code == 200, created.text
    file = created.json()
    assert file["id"].startswith("file-") and file["object"] == "file"
    assert (file["bytes"], file["filename"], file["purpose"], file["status"]) == (
        len(content), "requests.jsonl", "batch", "processed")
    assert isinstance(file["created_at"], int)
    path = f"/v1/files/{file['id']}"
    assert (await client.get(path, headers=viewer)).json() == file
    assert (await client.get(f"{path}/content", headers=viewer)).content == content
    listed = (await client.get("/v1/files", headers=viewer)).json()
    assert (listed["object"], [f["id"] for f in listed["data"]], listed["has_more"]) == (
        "list", [file["id"]], False)
    for method, url in (("GET", path), ("GET", f"{path}/content"), ("DELETE", path)):
        foreign = await client.request(method, url, headers=other_tenant.headers())
        assert foreign.status_code == 404
        assert foreign.json()["error"]["type"] == "not_found_error"
    assert (await client.delete(path, headers=viewer)).status_code == 403
    assert (await client.delete(path, headers=tenant.headers(Role.MEMBER))).status_code == 403
    deleted = await client.delete(path, headers=member)
    assert deleted.json() == {"id": file["id"], "object": "file", "deleted": True}
    assert (await client.get(path, headers=viewer)).status_code == 404


async def test_only_batch_files_of_one_to_100000_lines_are_taken(client, tenant):
    member = tenant.headers(Role.MEMBER, via_key=True)
    other_purpose = await upload(client, member, b"{}\n", purpose="fine-tune")
    assert other_purpose.status_code == 422
    assert other_purpose.json()["error"]["param"] == "purpose"
    assert "batch" in other_purpose.json()["error"]["message"]
    empty = await upload(client, member, b"\n \n")
    assert (empty.status_code, empty.json()["error"]["param"]) == (422, "file")
    too_long = await upload(client, member, b"{}\n" * 100_001)
    assert (too_long.status_code, too_long.json()["error"]["param"]) == (422, "file")
    assert (await upload(client, member, b"{}\n" * 100_000)).status_code == 200
    viewer = await upload(client, tenant.headers(Role.VIEWER), b"{}\n")
    assert viewer.status_code == 403


async def test_the_files_route_takes_multipart_bodies_of_up_to_100_mib(client, tenant):
    rule = rule_for("/v1/files")
    assert rule.limit == 100 * MIB and b"multipart/form-data" in rule.other_media
    not_multipart = await client.post(
        "/v1/files", content=b"x", headers={**tenant.headers(), "Content-Type": "text/plain"}
    )
    assert not_multipart.status_code == 415


async def test_a_chat_batch_answers_every_line_as_the_route_would(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai", "zhipu")
    member = setup.member()
    bodies = {
        "plain": ask("first"),
        "pinned": ask("second", model="zhipu/glm-4.6"),
        "tools": ask("Quito", model="openai", tools=[WEATHER]),
        "choices": ask("two", model="openai", n=2, logprobs=True, top_logprobs=2),
    }
    batch = await start(client, member, [line(k, body) for k, body in bodies.items()])
    assert (batch["object"], batch["endpoint"], batch["completion_window"]) == (
        "batch", CHAT, "24h")
    assert batch["id"].startswith("batch_") and batch["metadata"] == {"run": "nightly"}
    assert batch["status"] in ("validating", "in_progress", "completed")
    done = await finished(client, batch["id"], member)
    assert done["status"] == "completed" and done["error_file_id"] is None
    assert done["request_counts"] == {"total": 4, "completed": 4, "failed": 0}
    assert done["completed_at"] >= done["in_progress_at"] >= done["created_at"]
    assert done["usage"]["total_tokens"] > 0
    output = await lines_of(client, done["output_file_id"], member)
    assert [entry["custom_id"] for entry in output] == list(bodies)
    for entry in output:
        assert entry["id"].startswith("batch_req_") and entry["error"] is None
        response = entry["response"]
        assert response["status_code"] == 200 and response["request_id"]
        ChatCompletion.model_validate(response["body"])
        direct = await client.post(CHAT, json=bodies[entry["custom_id"]], headers=member)
        assert _comparable(response["body"]) == _comparable(direct.json())
    tool_call = output[2]["response"]["body"]["choices"][0]
    assert tool_call["finish_reason"] == "tool_calls" and tool_call["message"]["tool_calls"]
    choices = output[3]["response"]["body"]["choices"]
    assert len(choices) == 2 and all(c["logprobs"]["content"] for c in choices)


def _comparable(completion: dict) -> dict:
    """A chat.completion without what differs from call to call (ids, time, attempts)."""
    extension = {k: v for k, v in completion["turnout"].items() if k != "attempts"}
    for choice in completion["choices"]:
        for call in choice["message"].get("tool_calls") or ():
            call["id"] = None  # the fake upstream numbers its calls
    return {**completion, "id": None, "created": None, "turnout": extension}


async def test_an_embeddings_batch_answers_every_line_as_the_route_would(
    client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "ollama")
    member = setup.member()
    bodies = {"one": {"model": "auto", "input": "a text"},
              "two": {"model": "ollama", "input": ["first", "second"]}}
    batch = await start(client, member, [line(k, b, url=EMBEDDINGS) for k, b in bodies.items()],
                        endpoint=EMBEDDINGS)
    done = await finished(client, batch["id"], member)
    assert done["request_counts"] == {"total": 2, "completed": 2, "failed": 0}
    output = await lines_of(client, done["output_file_id"], member)
    for entry in output:
        body = entry["response"]["body"]
        EmbeddingList.model_validate(body)
        direct = await client.post(EMBEDDINGS, json=bodies[entry["custom_id"]], headers=member)
        assert body == direct.json()
    assert len(output[1]["response"]["body"]["data"]) == 2


async def test_bad_lines_are_in_the_error_file_with_their_custom_id_or_line(
    client, tenant, upstream
):
    setup = await providers(client, tenant, upstream, "openai")
    member = setup.member()
    lines = [
        line("good", ask("fine")),
        b'{"custom_id": "broken", "body": ',
        line(None, ask("no id")),
        line("good", ask("again")),
        line("elsewhere", ask("x"), url=EMBEDDINGS),
        line("fetch", ask("x"), method="GET"),
        line("typo", {"model": "auto", "mesages": []}),
        line("nowhere", ask("x", model="nope/gpt-4o")),
        line("streamed", ask("x", stream=True)),
        b"[1, 2]",
    ]
    batch = await start(client, member, lines)
    done = await finished(client, batch["id"], member)
    assert done["request_counts"] == {"total": 10, "completed": 1, "failed": 9}
    output = await lines_of(client, done["output_file_id"], member)
    assert [entry["custom_id"] for entry in output] == ["good"]
    errors = {(e["custom_id"], e["error"].get("line")): e
              for e in await lines_of(client, done["error_file_id"], member)}
    assert set(errors) == {
        (None, 2), (None, 3), ("good", 4), ("elsewhere", 5), ("fetch", 6), ("typo", 7),
        ("nowhere", 8), ("streamed", 9), (None, 10),
    }
    unreadable = [errors[k] for k in ((None, 2), (None, 3), ("good", 4), ("fetch", 6))]
    assert all(e["response"] is None for e in unreadable)
    assert errors[(None, 2)]["error"]["code"] == "malformed_json"
    assert "custom_id" in errors[(None, 3)]["error"]["message"]
    assert "custom_id" in errors[("good", 4)]["error"]["message"]
    assert CHAT in errors[("elsewhere", 5)]["error"]["message"]
    typo = errors[("typo", 7)]["response"]
    assert typo["status_code"] == 422 and typo["body"]["error"]["param"] == "messages"
    nowhere = errors[("nowhere", 8)]["response"]
    assert nowhere["status_code"] == 404 and "nope" in nowhere["body"]["error"]["message"]
    assert errors[("streamed", 9)]["response"]["body"]["error"]["param"] == "stream"
    chinese = await lines_of(client, done["error_file_id"], member, **{"Accept-Language": "zh-CN"})
    assert chinese[0]["error"]["message"] != errors[(None, 2)]["error"]["message"]


async def test_a_failed_request_keeps_its_status_and_code(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    upstream.set_fault(Fault(error="auth"))
    batch = await start(client, setup.member(), [line("refused", ask("x"))])
    done = await finished(client, batch["id"], setup.member())
    upstream.set_fault(None)
    assert done["output_file_id"] is None and done["request_counts"]["failed"] == 1
    [entry] = await lines_of(client, done["error_file_id"], setup.member())
    assert entry["response"]["status_code"] == 503
    assert entry["error"]["code"] == entry["response"]["body"]["error"]["code"] == (
        "all_providers_failed")


async def test_cancel_keeps_finished_answers_and_reports_the_rest(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    member = setup.member()
    upstream.set_fault(Fault(latency_s=0.2))
    batch = await start(client, member, [line(f"c{i}", ask(f"item {i}")) for i in range(120)])
    while (await client.get(f"/v1/batches/{batch['id']}", headers=member)
           ).json()["status"] == "validating":
        await asyncio.sleep(0.02)
    cancelling = await client.post(f"/v1/batches/{batch['id']}/cancel", headers=member)
    assert cancelling.status_code == 200
    assert cancelling.json()["status"] in ("cancelling", "cancelled")
    assert cancelling.json()["cancelling_at"] is not None
    done = await finished(client, batch["id"], member)
    upstream.set_fault(None)
    assert done["status"] == "cancelled" and done["cancelled_at"] is not None
    output = await lines_of(client, done["output_file_id"], member) if done[
        "output_file_id"] else []
    errors = await lines_of(client, done["error_file_id"], member)
    assert sorted(e["custom_id"] for e in output + errors) == sorted(f"c{i}" for i in range(120))
    assert "batch_cancelled" in {e["error"]["code"] for e in errors}
    assert all(e["response"] is None for e in errors if e["error"]["code"] == "batch_cancelled")


async def test_roles_and_tenants_decide_who_sees_and_manages_a_batch(
    client, tenant, other_tenant, upstream
):
    setup = await providers(client, tenant, upstream, "openai")
    member, viewer = setup.member(), tenant.headers(Role.VIEWER)
    file_id = (await upload(client, member, line("a", ask("x")))).json()["id"]
    body = {"input_file_id": file_id, "endpoint": CHAT, "completion_window": "24h"}
    assert (await client.post("/v1/batches", json=body, headers=viewer)).status_code == 403
    foreign_file = await client.post("/v1/batches", json=body, headers=other_tenant.headers())
    assert foreign_file.status_code == 404
    batch = (await client.post("/v1/batches", json=body, headers=member)).json()
    path = f"/v1/batches/{batch['id']}"
    assert (await client.get(path, headers=viewer)).status_code == 200
    for method, url in (("GET", path), ("POST", f"{path}/cancel")):
        assert (await client.request(method, url, headers=other_tenant.headers())
                ).status_code == 404
    other_member = tenant.headers(Role.MEMBER)  # a session of another principal than the key
    assert (await client.post(f"{path}/cancel", headers=other_member)).status_code == 403
    assert (await client.post(f"{path}/cancel", headers=tenant.headers())).status_code == 200
    done = await finished(client, batch["id"], viewer)
    for generated in (done["output_file_id"], done["error_file_id"]):
        if generated:
            foreign = await client.get(f"/v1/files/{generated}", headers=other_tenant.headers())
            assert foreign.status_code == 404
    turnout_job = await client.post("/api/v1/llm/batch", json={"requests": [{"prompt": "x"}]},
                                    headers=member)
    as_batch = await client.get(f"/v1/batches/batch_{turnout_job.json()['id']}", headers=member)
    assert as_batch.status_code == 404
    assert (await client.get("/v1/batches/not-a-batch", headers=member)).status_code == 404


async def test_batches_are_listed_newest_first_a_page_at_a_time(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    member = setup.member()
    made = [(await start(client, member, [line("a", ask(str(i)))]))["id"] for i in range(3)]
    first = (await client.get("/v1/batches", params={"limit": 2}, headers=member)).json()
    assert (first["object"], [b["id"] for b in first["data"]], first["has_more"]) == (
        "list", made[:0:-1], True)
    assert (first["first_id"], first["last_id"]) == (made[2], made[1])
    rest = (await client.get("/v1/batches", params={"limit": 2, "after": first["last_id"]},
                             headers=member)).json()
    assert ([b["id"] for b in rest["data"]], rest["has_more"]) == ([made[0]], False)
    for batch_id in made:
        await finished(client, batch_id, member)


async def test_generated_files_are_described_and_deleted_like_uploads(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    member = setup.member()
    batch = await start(client, member, [line("a", ask("x")), b"not json"])
    done = await finished(client, batch["id"], member)
    for file_id in (done["output_file_id"], done["error_file_id"]):
        described = (await client.get(f"/v1/files/{file_id}", headers=member)).json()
        content = (await client.get(f"/v1/files/{file_id}/content", headers=member)).content
        assert (described["id"], described["bytes"], described["purpose"]) == (
            file_id, len(content), "batch_output")
    refused = await client.delete(f"/v1/files/{done['output_file_id']}",
                                  headers=tenant.headers(Role.MEMBER))
    assert refused.status_code == 403
    deleted = await client.delete(f"/v1/files/{done['output_file_id']}", headers=member)
    assert deleted.json() == {"id": done["output_file_id"], "object": "file", "deleted": True}
    gone = await client.get(f"/v1/files/{done['output_file_id']}/content", headers=member)
    assert gone.status_code == 404
    again = (await client.get(f"/v1/batches/{batch['id']}", headers=member)).json()
    assert again["output_file_id"] == done["output_file_id"]  # as OpenAI keeps it
    assert (await client.get(f"/v1/files/{done['error_file_id']}", headers=member)
            ).status_code == 200


@pytest.fixture(scope="module")
def document(app) -> dict:
    return app.openapi()


async def test_every_answer_is_as_documented(client, tenant, upstream, document):
    setup = await providers(client, tenant, upstream, "openai")
    member = setup.member()
    uploaded = await upload(client, member, line("a", ask("x")) + b"\nbad\n")
    assert_documented(document, "/v1/files", uploaded)
    file_id = uploaded.json()["id"]
    body = {"input_file_id": file_id, "endpoint": CHAT, "completion_window": "24h"}
    created = await client.post("/v1/batches", json=body, headers=member)
    assert_documented(document, "/v1/batches", created)
    batch_id = created.json()["id"]
    done = await finished(client, batch_id, member)
    answers = {
        "/v1/files": await client.get("/v1/files", headers=member),
        "/v1/files/{file_id}": await client.get(f"/v1/files/{file_id}", headers=member),
        "/v1/batches": await client.get("/v1/batches", headers=member),
        "/v1/batches/{batch_id}": await client.get(f"/v1/batches/{batch_id}", headers=member),
        "/v1/batches/{batch_id}/cancel": await client.post(f"/v1/batches/{batch_id}/cancel",
                                                          headers=member),
    }
    for path, response in answers.items():
        assert response.status_code == 200, (path, response.text)
        assert_documented(document, path, response)
    generated = await client.get(f"/v1/files/{done['error_file_id']}", headers=member)
    assert_documented(document, "/v1/files/{file_id}", generated)
    missing = await client.get("/v1/files/file-none", headers=member)
    assert_documented(document, "/v1/files/{file_id}", missing)
    bad = await client.post("/v1/batches", json={**body, "endpoint": "/v1/images"},
                            headers=member)
    assert bad.status_code == 422
    assert_documented(document, "/v1/batches", bad)
    deleted = await client.delete(f"/v1/files/{file_id}", headers=member)
    assert_documented(document, "/v1/files/{file_id}", deleted)
    content = document["paths"]["/v1/files/{file_id}/content"]["get"]["responses"]["200"]
    assert list(content["content"]) == ["application/octet-stream"]
    upload_body = document["paths"]["/v1/files"]["post"]["requestBody"]["content"]
    assert list(upload_body) == ["multipart/form-data"]
