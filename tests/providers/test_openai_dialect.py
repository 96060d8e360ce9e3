from __future__ import annotations

import orjson
import pytest

from tests.providers.conftest import API_KEY, ProviderFactory
from tests.providers.stub import Reply, Stub, sse
from tests.providers.wire import HELLO, chunk, collect, completion
from turnout import errors as e
from turnout.providers import ChatRequest


async def test_generate_sends_the_openai_body_and_reads_the_answer(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/v1/chat/completions", Reply(json=completion("hi there")))
    provider = provider_for("openai", prefix="/v1")
    req = ChatRequest(
        messages=[{"role": "user", "content": "hello"}],
        temperature=0,
        max_tokens=50,
        top_p=0.9,
        stop=["\n"],
        extra={"seed": 7},
    )
    result = await provider.generate(req)
    assert (result.content, result.finish_reason, result.raw_id) == (
        "hi there",
        "stop",
        "chatcmpl-1",
    )
    assert (result.usage.prompt_tokens, result.usage.total_tokens) == (5, 7)
    sent = stub.requests[0]
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent.json == {
        "messages": [{"role": "user", "content": "hello"}],
        "model": "gpt-4.1-mini",
        "temperature": 0,
        "top_p": 0.9,
        "max_completion_tokens": 50,
        "stop": ["\n"],
        "seed": 7,
    }


async def test_other_vendors_get_max_tokens_and_their_default_model(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json=completion()))
    await provider_for("deepseek").generate(ChatRequest(HELLO.messages, max_tokens=3))
    assert stub.requests[0].json["max_tokens"] == 3
    assert stub.requests[0].json["model"] == "deepseek-chat"


async def test_reasoning_content_is_not_the_answer_and_missing_usage_is_zero(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    body = completion("42")
    body["choices"][0]["message"]["reasoning_content"] = "let me think"
    del body["usage"]
    stub.on("/chat/completions", Reply(json=body))
    result = await provider_for("deepseek").generate(HELLO)
    assert result.content == "42"
    assert result.usage.total_tokens == 0


async def test_deepseek_blank_lines_before_a_body_are_tolerated(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(body=b"\n\n\n" + orjson.dumps(completion("ok"))))
    assert (await provider_for("deepseek").generate(HELLO)).content == "ok"


async def test_usage_variants_are_understood(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on(
        "/chat/completions", Reply(json=completion(usage={"input_tokens": 3, "output_tokens": 4}))
    )
    usage = (await provider_for("qwen").generate(HELLO)).usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (3, 4, 7)


async def test_logprobs_are_requested_and_parsed_where_supported(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    body = completion("A")
    body["choices"][0]["logprobs"] = {
        "content": [
            {
                "token": "A",
                "logprob": -0.1,
                "bytes": [65],
                "top_logprobs": [{"token": "A", "logprob": -0.1}, {"token": "B", "logprob": -2.5}],
            }
        ]
    }
    stub.on("/v1/chat/completions", Reply(json=body))
    req = ChatRequest(HELLO.messages, logprobs=True, top_logprobs=2)
    result = await provider_for("openai", prefix="/v1").generate(req)
    assert stub.requests[0].json["logprobs"] is True and stub.requests[0].json["top_logprobs"] == 2
    assert result.logprobs is not None
    assert result.logprobs[0].top == (("A", -0.1), ("B", -2.5))


async def test_unsupported_features_degrade_instead_of_failing(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json=completion("{}")))
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    await provider_for("zhipu").generate(
        ChatRequest(HELLO.messages, response_format=schema, logprobs=True)
    )
    await provider_for("hunyuan").generate(ChatRequest(HELLO.messages, response_format=schema))
    zhipu, hunyuan = stub.requests[0].json, stub.requests[1].json
    assert zhipu["response_format"] == {"type": "json_object"} and "logprobs" not in zhipu
    assert "response_format" not in hunyuan


@pytest.mark.parametrize("finish", ["content_filter", "sensitive"])
async def test_a_filtered_answer_without_content_raises(
    stub: Stub, provider_for: ProviderFactory, finish: str
) -> None:
    stub.on("/chat/completions", Reply(json=completion("", finish)))
    with pytest.raises(e.ContentFiltered) as caught:
        await provider_for("zhipu").generate(HELLO)
    assert caught.value.provider == "test-zhipu"


async def test_a_filtered_answer_with_content_is_returned_and_marked(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json=completion("partial", "sensitive")))
    result = await provider_for("hunyuan").generate(HELLO)
    assert (result.content, result.finish_reason) == ("partial", "content_filter")


async def test_stream_yields_deltas_then_one_final_event_with_usage(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    usage_chunk = {
        "id": "c",
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6},
    }
    stub.on(
        "/chat/completions",
        Reply(
            content_type="text/event-stream",
            chunks=[
                b": keep-alive\n\n",
                b"\n",
                *sse(
                    chunk("", role="assistant"),
                    chunk(reasoning_content="hmm"),
                    chunk("Hel"),
                    chunk("lo"),
                    chunk(finish="stop"),
                    usage_chunk,
                ),
            ],
        ),
    )
    events = await collect(provider_for("deepseek"))
    assert [ev.delta for ev in events[:-1]] == ["Hel", "lo"]
    final = events[-1]
    assert final.done and final.finish_reason == "stop" and final.usage.total_tokens == 6  # type: ignore[union-attr]
    body = stub.requests[0].json
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_stream_chunks_split_mid_line_are_reassembled(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    raw = b"".join(sse(chunk("你好"), chunk("!", "stop")))
    stub.on(
        "/chat/completions",
        Reply(
            content_type="text/event-stream", chunks=[raw[i : i + 5] for i in range(0, len(raw), 5)]
        ),
    )
    events = await collect(provider_for("qwen"))
    assert "".join(ev.delta for ev in events) == "你好!"


async def test_stream_without_done_marker_but_with_finish_is_complete(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(
            content_type="text/event-stream",
            chunks=sse(chunk("a"), chunk(finish="stop"), done=False),
        ),
    )
    assert (await collect(provider_for("qwen")))[-1].finish_reason == "stop"


async def test_a_stream_cut_before_finishing_is_a_connection_error(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(content_type="text/event-stream", chunks=sse(chunk("a"), done=False)),
    )
    with pytest.raises(e.UpstreamConnectionError):
        await collect(provider_for("qwen"))


async def test_an_error_mid_stream_is_mapped(stub: Stub, provider_for: ProviderFactory) -> None:
    error = {"error": {"code": "1301", "message": "unsafe"}}
    stub.on(
        "/chat/completions", Reply(content_type="text/event-stream", chunks=sse(chunk("a"), error))
    )
    with pytest.raises(e.ContentFiltered):
        await collect(provider_for("zhipu"))


async def test_an_error_event_mid_stream_is_mapped(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(
            content_type="text/event-stream",
            chunks=[b'event: error\ndata: {"message": "overloaded", "code": "server_error"}\n\n'],
        ),
    )
    with pytest.raises(e.UpstreamServerError):
        await collect(provider_for("openai_compatible", models={"chat": "m"}))


async def test_stream_filtered_without_content_raises(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(content_type="text/event-stream", chunks=sse(chunk(finish="content_filter"))),
    )
    with pytest.raises(e.ContentFiltered):
        await collect(provider_for("deepseek"))


async def test_stream_filtered_after_content_ends_marked(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(
            content_type="text/event-stream", chunks=sse(chunk("part"), chunk(finish="sensitive"))
        ),
    )
    events = await collect(provider_for("hunyuan"))
    assert events[0].delta == "part" and events[-1].finish_reason == "content_filter"


async def test_a_json_error_answer_to_a_stream_request_is_mapped(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json={"error_code": 18, "error_msg": "qps limit"}))
    with pytest.raises(e.UpstreamRateLimited):
        await collect(provider_for("baidu"))


async def test_http_errors_carry_status_and_retry_after(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(
            status=429,
            headers={"Retry-After": "2"},
            json={
                "error": {
                    "message": "Rate limit reached",
                    "type": "requests",
                    "code": "rate_limit_exceeded",
                }
            },
        ),
    )
    with pytest.raises(e.UpstreamRateLimited) as caught:
        await provider_for("qwen").generate(HELLO)
    assert (caught.value.upstream_status, caught.value.retry_after_s) == (429, 2.0)
    with pytest.raises(e.UpstreamRateLimited):
        await collect(provider_for("qwen"))


async def test_embeddings_are_batched_and_reassembled_in_order(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    def answer(n: int, offset: int) -> Reply:
        data = [
            {"object": "embedding", "index": i, "embedding": [float(offset + i), 0.5]}
            for i in reversed(range(n))
        ]
        return Reply(
            json={
                "data": data,
                "model": "text-embedding-v4",
                "usage": {"prompt_tokens": n, "total_tokens": n},
            }
        )

    stub.on("/embeddings", answer(10, 0), answer(2, 10))
    result = await provider_for("qwen").embed([f"t{i}" for i in range(12)])
    assert [v[0] for v in result.embeddings] == [float(i) for i in range(12)]
    assert (result.dimensions, result.usage.prompt_tokens, result.model) == (
        2,
        12,
        "text-embedding-v4",
    )
    assert [len(r.json["input"]) for r in stub.requests] == [10, 2]


async def test_no_texts_need_no_call(stub: Stub, provider_for: ProviderFactory) -> None:
    result = await provider_for("qwen").embed([])
    assert (result.embeddings, result.dimensions, stub.requests) == ([], 0, [])


async def test_embeddings_on_deepseek_are_unsupported(provider_for: ProviderFactory) -> None:
    with pytest.raises(e.CapabilityUnsupported):
        await provider_for("deepseek").embed(["x"])


async def test_embedding_count_mismatch_is_malformed(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/v1/embeddings", Reply(json={"data": []}))
    with pytest.raises(e.MalformedResponse):
        await provider_for("openai", prefix="/v1").embed(["x"])


async def test_list_models_and_health_use_the_models_endpoint(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/models", Reply(json={"object": "list", "data": [{"id": "b"}, {"id": "a"}]}))
    provider = provider_for("zhipu")
    assert await provider.list_models() == ["a", "b"]
    health = await provider.health_check()
    assert health.ok and health.models == ["a", "b"] and health.latency_ms >= 0


async def test_health_reports_failures_instead_of_raising(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/models", Reply(status=401, json={"error": {"message": "bad key"}}))
    health = await provider_for("baidu").health_check()
    assert not health.ok and isinstance(health.error, e.UpstreamAuthError)


async def test_openai_compatible_sends_no_key_when_none_is_configured(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/v1/chat/completions", Reply(json=completion()))
    provider = provider_for("openai_compatible", prefix="/v1", key=None, models={"chat": "qwen3"})
    await provider.generate(HELLO)
    assert "Authorization" not in stub.requests[0].headers
    assert stub.requests[0].json["model"] == "qwen3"


async def test_a_missing_required_key_fails_before_any_call(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    with pytest.raises(e.UpstreamAuthError):
        await provider_for("openai", key=None).generate(HELLO)
    assert stub.requests == []


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"choices": []}',
        b'{"choices": [{"x": 1}]}',
        b"[1, 2]",
        b'{"choices": [{"message": {"content": 5}}]}',
    ],
)
async def test_unexpected_bodies_are_malformed(
    stub: Stub, provider_for: ProviderFactory, raw: bytes
) -> None:
    stub.on("/chat/completions", Reply(body=raw))
    with pytest.raises(e.MalformedResponse):
        await provider_for("deepseek").generate(HELLO)


async def test_an_error_document_with_status_200_is_mapped(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json={"error": {"code": "1113", "message": "欠费"}}))
    with pytest.raises(e.QuotaExceeded):
        await provider_for("zhipu").generate(HELLO)
