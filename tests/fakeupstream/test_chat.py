"""Chat completions in every flavour: the echo reply, usage, streaming and the vendors' extras."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from tests.fakeupstream.helpers import (
    ALL_FLAVORS,
    AZURE_QUERY,
    auth_for,
    chat_body,
    endpoint_url,
    ndjson,
    sse_data,
    sse_json,
)
from turnout.fakeupstream import FakeUpstream, Fault


async def post_chat(http: aiohttp.ClientSession, fake: FakeUpstream, flavor: str,
                    body: dict) -> tuple[int, str]:
    async with http.post(endpoint_url(fake, flavor, "chat/completions"), json=body,
                         headers=auth_for(flavor)) as response:
        return response.status, await response.text()


@pytest.mark.parametrize("flavor", ALL_FLAVORS)
async def test_chat_echoes_the_last_user_message_with_word_count_usage(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str
) -> None:
    body = chat_body("hello big world")
    body["messages"].insert(0, {"role": "system", "content": "be brief"})
    status, text = await post_chat(http, fake, flavor, body)

    reply = orjson.loads(text)
    assert status == 200
    assert reply["model"] == "test-model"
    assert reply["choices"][0]["message"] == {"role": "assistant",
                                              "content": "echo: hello big world"}
    assert reply["choices"][0]["finish_reason"] == "stop"
    usage = reply["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"]) == (5, 4, 9)
    assert reply["id"] and isinstance(reply["created"], int)


@pytest.mark.parametrize(
    ("flavor", "object_field", "fingerprint", "id_prefix"),
    [
        ("openai", True, "fp_fake0001", "chatcmpl-"),
        ("zhipu", False, None, ""),
        ("baidu", True, None, "as-"),
        ("deepseek", True, "fp_fake_ds01", "chatcmpl-"),
        ("ollama", True, "fp_ollama", "chatcmpl-"),
    ],
)
async def test_reply_envelope_follows_the_vendor(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, object_field: bool,
    fingerprint: str | None, id_prefix: str,
) -> None:
    _, text = await post_chat(http, fake, flavor, chat_body())
    reply = orjson.loads(text)
    assert ("object" in reply) is object_field
    assert reply.get("system_fingerprint") == fingerprint
    assert reply["id"].startswith(id_prefix)


async def test_zhipu_repeats_the_id_as_request_id(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await post_chat(http, fake, "zhipu", chat_body())
    reply = orjson.loads(text)
    assert reply["request_id"] == reply["id"]


async def test_deepseek_usage_splits_the_prompt_into_cache_hits_and_misses(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await post_chat(http, fake, "deepseek", chat_body("one two three"))
    usage = orjson.loads(text)["usage"]
    assert usage["prompt_cache_hit_tokens"] == 0
    assert usage["prompt_cache_miss_tokens"] == 3
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0}


async def test_azure_annotates_prompt_and_choices_with_filter_results(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await post_chat(http, fake, "azure_openai", chat_body())
    reply = orjson.loads(text)
    assert reply["prompt_filter_results"][0]["prompt_index"] == 0
    assert reply["choices"][0]["content_filter_results"]["hate"] == {
        "filtered": False, "severity": "safe"}


async def test_azure_v1_api_takes_the_model_from_the_body(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    url = fake.url_for("azure_openai") + "/openai/v1/chat/completions"
    async with http.post(url, json=chat_body(model="my-deployment"),
                         headers={"Authorization": "Bearer entra-token"}) as response:
        assert response.status == 200
        assert (await response.json())["model"] == "my-deployment"


async def test_azure_deployment_path_names_the_model(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    url = fake.url_for("azure_openai") + "/openai/deployments/prod-4o/chat/completions"
    async with http.post(url + AZURE_QUERY, json={"messages": [{"role": "user", "content": "x"}]},
                         headers={"api-key": "k"}) as response:
        assert (await response.json())["model"] == "prod-4o"


async def test_azure_without_api_version_is_resource_not_found(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    url = fake.url_for("azure_openai") + "/openai/deployments/prod-4o/chat/completions"
    async with http.post(url, json=chat_body(), headers={"api-key": "k"}) as response:
        assert response.status == 404
        assert await response.json() == {"error": {"code": "404", "message": "Resource not found"}}


async def test_deepseek_answers_with_and_without_v1(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    for path in ("/chat/completions", "/v1/chat/completions"):
        async with http.post(fake.url_for("deepseek") + path, json=chat_body(),
                             headers=auth_for("deepseek")) as response:
            assert response.status == 200


async def test_unprefixed_paths_are_openai(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    async with http.post(fake.url + "/v1/chat/completions", json=chat_body(),
                         headers=auth_for("openai")) as response:
        assert (await response.json())["system_fingerprint"] == "fp_fake0001"
    assert fake.requests[-1].flavor == "openai"


async def test_content_parts_are_joined(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    parts = [{"type": "text", "text": "look at"}, {"type": "image_url", "image_url": {"url": "x"}},
             {"type": "text", "text": "this"}]
    body = {"model": "m", "messages": [{"role": "user", "content": parts}]}
    _, text = await post_chat(http, fake, "openai", body)
    assert orjson.loads(text)["choices"][0]["message"]["content"] == "echo: look at this"


@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
async def test_json_response_format_replies_with_a_json_object(
    fake: FakeUpstream, http: aiohttp.ClientSession, kind: str
) -> None:
    _, text = await post_chat(http, fake, "qwen",
                              chat_body("label this", response_format={"type": kind}))
    content = orjson.loads(text)["choices"][0]["message"]["content"]
    assert orjson.loads(content) == {"echo": "label this"}


async def test_max_tokens_cuts_the_reply_with_finish_length(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await post_chat(http, fake, "openai", chat_body("a b c d e", max_tokens=3))
    reply = orjson.loads(text)
    assert reply["choices"][0]["message"]["content"] == "echo: a b"
    assert reply["choices"][0]["finish_reason"] == "length"
    assert reply["usage"]["completion_tokens"] == 3


async def test_logprobs_are_per_word_and_inside_minus_one_and_zero(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = chat_body("yes", logprobs=True, top_logprobs=3)
    _, first = await post_chat(http, fake, "openai", body)
    _, second = await post_chat(http, fake, "openai", body)

    items = orjson.loads(first)["choices"][0]["logprobs"]["content"]
    assert [item["token"] for item in items] == ["echo:", " yes"]
    assert all(-1 < item["logprob"] < 0 for item in items)
    assert all(len(item["top_logprobs"]) == 3 for item in items)
    assert items == orjson.loads(second)["choices"][0]["logprobs"]["content"]


@pytest.mark.parametrize("flavor", ALL_FLAVORS)
async def test_stream_sends_role_words_finish_then_done(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str
) -> None:
    status, text = await post_chat(http, fake, flavor, chat_body("hi there", stream=True))

    assert status == 200
    assert sse_data(text)[-1] == "[DONE]"
    chunks = [c for c in sse_json(text) if c["choices"]]  # Azure opens with a filter-only chunk
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    words = [c["choices"][0]["delta"].get("content", "") for c in chunks[1:-1]]
    assert words == ["echo:", " hi", " there"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all("usage" not in c for c in chunks)


async def test_stream_usage_chunk_comes_last_when_asked(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = chat_body("hi there", stream=True, stream_options={"include_usage": True})
    _, text = await post_chat(http, fake, "openai", body)
    chunks = sse_json(text)
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 3
    assert all(c["usage"] is None for c in chunks[:-1])


async def test_deepseek_stream_carries_keep_alive_comments(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await post_chat(http, fake, "deepseek", chat_body(stream=True))
    assert text.startswith(": keep-alive\n\n")
    assert text.count(": keep-alive") == len(sse_data(text)) - 1  # not before [DONE]


async def test_azure_stream_opens_with_the_prompt_filter_chunk(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await post_chat(http, fake, "azure_openai", chat_body(stream=True))
    first = sse_json(text)[0]
    assert first["choices"] == [] and first["prompt_filter_results"]


@pytest.mark.parametrize(("flavor", "finish"), [
    ("openai", "content_filter"), ("azure_openai", "content_filter"),
    ("deepseek", "content_filter"), ("zhipu", "sensitive"), ("hunyuan", "sensitive"),
])
async def test_content_filter_finish_stops_the_reply_early(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, finish: str
) -> None:
    fake.enqueue(Fault(error="content_filter_finish"), times=2)
    _, text = await post_chat(http, fake, flavor, chat_body("one two three four"))
    choice = orjson.loads(text)["choices"][0]
    assert (choice["message"]["content"], choice["finish_reason"]) == ("echo: one", finish)

    _, streamed = await post_chat(http, fake, flavor, chat_body("one two three", stream=True))
    finishes = [c["choices"][0]["finish_reason"] for c in sse_json(streamed) if c["choices"]]
    assert finishes[-1] == finish


async def test_ollama_native_chat_streams_ndjson_by_default(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hi there"}]}
    async with http.post(fake.url_for("ollama") + "/api/chat", json=body) as response:
        assert response.headers["Content-Type"].startswith("application/x-ndjson")
        events = ndjson(await response.text())

    assert [e["message"]["content"] for e in events[:-1]] == ["echo:", " hi", " there"]
    assert not any(e["done"] for e in events[:-1])
    final = events[-1]
    assert final["done"] is True and final["done_reason"] == "stop"
    assert (final["prompt_eval_count"], final["eval_count"]) == (2, 3)
    assert final["total_duration"] == final["load_duration"] + final["prompt_eval_duration"] + \
        final["eval_duration"]


async def test_ollama_native_chat_without_streaming(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = {"model": "llama3.2", "stream": False, "format": "json",
            "options": {"num_predict": 50},
            "messages": [{"role": "user", "content": "hi there"}]}
    async with http.post(fake.url_for("ollama") + "/api/chat", json=body) as response:
        reply = await response.json()
    assert reply["done"] is True
    assert orjson.loads(reply["message"]["content"]) == {"echo": "hi there"}


async def test_ollama_num_predict_cuts_with_done_reason_length(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    body = {"model": "llama3.2", "stream": False, "options": {"num_predict": 2},
            "messages": [{"role": "user", "content": "a b c"}]}
    async with http.post(fake.url_for("ollama") + "/api/chat", json=body) as response:
        reply = await response.json()
    assert (reply["message"]["content"], reply["done_reason"]) == ("echo: a", "length")


async def test_chat_without_messages_is_an_invalid_request(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    status, text = await post_chat(http, fake, "openai", {"model": "m"})
    assert status == 400
    assert orjson.loads(text)["error"]["type"] == "invalid_request_error"


async def test_streamed_words_carry_their_logprobs(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    _, text = await post_chat(http, fake, "openai", chat_body("yes", stream=True, logprobs=True))
    content_chunks = [c for c in sse_json(text) if c["choices"][0]["delta"].get("content")]
    tokens = [c["choices"][0]["logprobs"]["content"][0]["token"] for c in content_chunks]
    assert tokens == ["echo:", " yes"]


async def test_ollama_native_logprobs(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    body = {"model": "llama3.2", "stream": False, "logprobs": True, "top_logprobs": 2,
            "messages": [{"role": "user", "content": "yes"}]}
    async with http.post(fake.url_for("ollama") + "/api/chat", json=body) as response:
        logprobs = (await response.json())["logprobs"]
    assert [item["token"] for item in logprobs] == ["echo:", " yes"]
    assert all(-1 < item["logprob"] < 0 and len(item["top_logprobs"]) == 2 for item in logprobs)
