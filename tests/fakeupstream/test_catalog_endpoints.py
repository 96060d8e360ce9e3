"""Embeddings, model lists and the vendors' cheap health endpoints."""

from __future__ import annotations

import base64
import math
import struct

import aiohttp
import pytest

from tests.fakeupstream.helpers import ALL_FLAVORS, auth_for, endpoint_url
from turnout.fakeupstream import FakeUpstream

EMBEDDING_FLAVORS = [f for f in ALL_FLAVORS if f != "deepseek"]


async def embed(http: aiohttp.ClientSession, fake: FakeUpstream, flavor: str,
                **body: object) -> dict:
    async with http.post(endpoint_url(fake, flavor, "embeddings"),
                         json={"model": "test-model", **body},
                         headers=auth_for(flavor)) as response:
        assert response.status == 200
        return await response.json()


@pytest.mark.parametrize("flavor", EMBEDDING_FLAVORS)
async def test_embeddings_return_one_unit_vector_per_input(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str
) -> None:
    reply = await embed(http, fake, flavor, input=["first text", "second one here"])

    assert reply["object"] == "list"
    assert reply["model"] == "test-model"
    assert [item["index"] for item in reply["data"]] == [0, 1]
    assert all(item["object"] == "embedding" for item in reply["data"])
    for item in reply["data"]:
        assert len(item["embedding"]) == 8
        assert math.isclose(math.fsum(v * v for v in item["embedding"]), 1.0)
    assert reply["usage"] == {"prompt_tokens": 5, "total_tokens": 5}


async def test_embeddings_are_deterministic_per_text(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    one = await embed(http, fake, "openai", input="same text")
    two = await embed(http, fake, "qwen", input=["other", "same text"])
    assert one["data"][0]["embedding"] == two["data"][1]["embedding"]
    assert two["data"][0]["embedding"] != two["data"][1]["embedding"]


async def test_embeddings_honour_dimensions_and_base64(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    floats = await embed(http, fake, "openai", input="x", dimensions=16)
    packed = await embed(http, fake, "openai", input="x", dimensions=16, encoding_format="base64")

    vector = floats["data"][0]["embedding"]
    decoded = struct.unpack("<16f", base64.b64decode(packed["data"][0]["embedding"]))
    assert len(vector) == 16
    assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(vector, decoded, strict=True))


async def test_deepseek_has_no_embeddings(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    async with http.post(fake.url_for("deepseek") + "/embeddings", json={"input": "x"},
                         headers=auth_for("deepseek")) as response:
        assert response.status == 404
        assert set((await response.json())["error"]) == {"message", "type", "param", "code"}


async def test_ollama_native_embed(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    body = {"model": "embeddinggemma", "input": ["a b", "c"], "dimensions": 4}
    async with http.post(fake.url_for("ollama") + "/api/embed", json=body) as response:
        reply = await response.json()
    assert reply["model"] == "embeddinggemma"
    assert [len(v) for v in reply["embeddings"]] == [4, 4]
    assert reply["prompt_eval_count"] == 3


@pytest.mark.parametrize(("flavor", "expected_id"), [
    ("openai", "gpt-4o-mini"), ("azure_openai", "gpt-4o-mini"), ("qwen", "qwen-plus"),
    ("zhipu", "glm-4.6"), ("baidu", "ernie-4.0-turbo-8k"), ("hunyuan", "hunyuan-turbos-latest"),
    ("deepseek", "deepseek-chat"), ("openai_compatible", "Qwen/Qwen3-8B"),
    ("ollama", "llama3.2:latest"),
])
async def test_models_list_the_vendors_ids(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, expected_id: str
) -> None:
    async with http.get(endpoint_url(fake, flavor, "models"),
                        headers=auth_for(flavor)) as response:
        reply = await response.json()
    assert reply["object"] == "list"
    assert expected_id in [m["id"] for m in reply["data"]]
    assert all(set(m) == {"id", "object", "created", "owned_by"} for m in reply["data"])


async def test_one_model_by_id(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    async with http.get(fake.url_for("openai") + "/models/gpt-4o-mini",
                        headers=auth_for("openai")) as response:
        assert (await response.json())["id"] == "gpt-4o-mini"
    async with http.get(fake.url_for("openai") + "/models/nope",
                        headers=auth_for("openai")) as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "model_not_found"


async def test_ollama_tags_version_and_root(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    base = fake.url_for("ollama")
    async with http.get(base + "/api/tags") as response:
        models = (await response.json())["models"]
    async with http.get(base + "/api/version") as response:
        version = await response.json()
    async with http.get(base + "/") as response:
        root = await response.text()

    assert {"name", "model", "modified_at", "size", "digest", "details"} <= set(models[0])
    assert models[0]["details"]["format"] == "gguf"
    assert version == {"version": "0.12.11"}
    assert root == "Ollama is running"


async def test_deepseek_balance(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    async with http.get(fake.url_for("deepseek") + "/user/balance",
                        headers=auth_for("deepseek")) as response:
        reply = await response.json()
    assert reply["is_available"] is True
    assert reply["balance_infos"][0]["currency"] == "CNY"


async def test_openai_compatible_health_needs_no_key(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    async with http.get(fake.url + "/openai_compatible/health") as response:
        assert response.status == 200


async def test_unknown_paths_answer_404_in_the_flavours_shape(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    async with http.get(fake.url_for("openai") + "/nope", headers=auth_for("openai")) as response:
        assert response.status == 404
        assert (await response.json())["error"]["message"] == "Invalid URL (GET /openai/v1/nope)"
    async with http.get(fake.url_for("ollama") + "/api/nope") as response:
        assert (response.status, await response.text()) == (404, "404 page not found")
