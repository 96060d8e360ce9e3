"""The official `openai` SDK's batch workflow, unchanged, against Turnout over real HTTP, on
providers that have no batch API of their own: upload, create, poll, read the output (and the
error file), cancel, list."""

from __future__ import annotations

import asyncio
import io

import openai
import orjson
import pytest
from openai.types import Batch, CreateEmbeddingResponse
from openai.types.chat import ChatCompletion

from tests.gateway.helpers import providers
from turnout.fakeupstream import Fault

FINISHED = {"completed", "failed", "expired", "cancelled"}


@pytest.fixture
async def connect(client, tenant, upstream, live_url):
    """An SDK client over HTTP for a member key, with the given provider types configured."""
    clients: list[openai.AsyncOpenAI] = []

    async def connected(*types: str) -> openai.AsyncOpenAI:
        setup = await providers(client, tenant, upstream, *types)
        key = setup.member()["Authorization"].removeprefix("Bearer ")
        api = openai.AsyncOpenAI(base_url=f"{live_url}/v1", api_key=key, max_retries=0)
        clients.append(api)
        return api

    yield connected
    for api in clients:
        await api.close()


def jsonl(requests: list[tuple[str, str, dict]]) -> io.BytesIO:
    lines = [orjson.dumps({"custom_id": cid, "method": "POST", "url": url, "body": body})
             for cid, url, body in requests]
    return io.BytesIO(b"\n".join(lines) + b"\n")


async def run(api: openai.AsyncOpenAI, endpoint: str, requests: list) -> Batch:
    uploaded = await api.files.create(file=("batch.jsonl", jsonl(requests)), purpose="batch")
    assert (uploaded.object, uploaded.purpose, uploaded.status) == ("file", "batch", "processed")
    batch = await api.batches.create(
        input_file_id=uploaded.id, endpoint=endpoint, completion_window="24h"
    )
    return await poll(api, batch.id)


async def poll(api: openai.AsyncOpenAI, batch_id: str, timeout_s: float = 30.0) -> Batch:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (batch := await api.batches.retrieve(batch_id)).status not in FINISHED:
        assert asyncio.get_running_loop().time() < deadline, batch
        await asyncio.sleep(0.1)
    return batch


async def lines(api: openai.AsyncOpenAI, file_id: str | None) -> list[dict]:
    assert file_id is not None
    content = await api.files.content(file_id)
    return [orjson.loads(text) for text in content.text.splitlines()]


def chat(text: str, model: str = "auto") -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}]}


@pytest.mark.parametrize("provider_type", ["zhipu", "qwen", "hunyuan", "ollama"])
async def test_chat_completions_batch(connect, provider_type):
    api = await connect(provider_type)
    requests = [(f"task-{i}", "/v1/chat/completions", chat(f"label {i}")) for i in range(5)]
    requests.append(("named", "/v1/chat/completions", chat("named", model=provider_type)))
    batch = await run(api, "/v1/chat/completions", requests)
    assert batch.status == "completed" and batch.error_file_id is None
    assert (batch.request_counts.total, batch.request_counts.completed) == (6, 6)
    output = await lines(api, batch.output_file_id)
    assert [entry["custom_id"] for entry in output] == [cid for cid, _, _ in requests]
    for entry, (_, _, body) in zip(output, requests, strict=True):
        completion = ChatCompletion.model_validate(entry["response"]["body"])
        text = body["messages"][0]["content"]
        assert completion.choices[0].message.content == f"echo: {text}"
        assert entry["response"]["status_code"] == 200 and entry["error"] is None


@pytest.mark.parametrize("provider_type", ["zhipu", "qwen", "hunyuan", "ollama"])
async def test_embeddings_batch(connect, provider_type):
    api = await connect(provider_type)
    requests = [("one", "/v1/embeddings", {"model": "auto", "input": "a text"}),
                ("two", "/v1/embeddings", {"model": "auto", "input": ["x", "y", "z"]})]
    batch = await run(api, "/v1/embeddings", requests)
    assert batch.status == "completed", batch
    output = await lines(api, batch.output_file_id)
    vectors = [CreateEmbeddingResponse.model_validate(e["response"]["body"]) for e in output]
    assert [len(v.data) for v in vectors] == [1, 3]
    assert all(item.embedding for v in vectors for item in v.data)


async def test_a_bad_line_lands_in_the_error_file(connect):
    api = await connect("zhipu")
    requests = [("fine", "/v1/chat/completions", chat("fine")),
                ("wrong-endpoint", "/v1/embeddings", {"model": "auto", "input": "x"}),
                ("fine", "/v1/chat/completions", chat("repeated id"))]
    batch = await run(api, "/v1/chat/completions", requests)
    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 2)
    assert [e["custom_id"] for e in await lines(api, batch.output_file_id)] == ["fine"]
    errors = await lines(api, batch.error_file_id)
    assert [(e["custom_id"], e["error"]["line"]) for e in errors] == [
        ("wrong-endpoint", 2), ("fine", 3)]
    assert all(e["error"]["code"] == "validation_failed" for e in errors)


async def test_cancel_and_list(connect, upstream):
    api = await connect("qwen")
    upstream.set_fault(Fault(latency_s=0.2))
    requests = [(f"c{i}", "/v1/chat/completions", chat(f"item {i}")) for i in range(80)]
    uploaded = await api.files.create(file=("batch.jsonl", jsonl(requests)), purpose="batch")
    batch = await api.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h",
        metadata={"purpose": "test"},
    )
    cancelling = await api.batches.cancel(batch.id)
    assert cancelling.status in ("cancelling", "cancelled")
    done = await poll(api, batch.id)
    upstream.set_fault(None)
    assert done.status == "cancelled" and done.metadata == {"purpose": "test"}
    errors = await lines(api, done.error_file_id)
    assert any(e["error"]["code"] == "batch_cancelled" for e in errors)
    listed = [b.id async for b in api.batches.list(limit=1)]
    assert listed == [batch.id]
    files = [f.id async for f in api.files.list()]
    assert files == [uploaded.id]
    assert (await api.files.delete(uploaded.id)).deleted is True
