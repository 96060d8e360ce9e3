from __future__ import annotations

import pytest

from tests.providers.conftest import ProviderFactory
from tests.providers.stub import Reply, Stub, ndjson
from tests.providers.wire import HELLO, collect
from turnout import errors as e
from turnout.providers import ChatRequest


def line(content: str, done: bool = False, **extra: object) -> dict:
    return {
        "model": "llama3.2",
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content},
        "done": done,
    } | extra


FINAL = line(
    "", True, done_reason="stop", prompt_eval_count=26, eval_count=3, total_duration=1_000_000
)


async def test_generate_maps_options_and_asks_for_no_stream(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/api/chat",
        Reply(json=line("Hi!", True, done_reason="stop", prompt_eval_count=5, eval_count=2)),
    )
    req = ChatRequest(
        HELLO.messages,
        temperature=0.2,
        max_tokens=64,
        top_p=0.5,
        stop=["###"],
        response_format={"type": "json_object"},
    )
    result = await provider_for("ollama", key=None).generate(req)
    assert (result.content, result.finish_reason, result.usage.total_tokens) == ("Hi!", "stop", 7)
    body = stub.requests[0].json
    assert body["stream"] is False and body["model"] == "llama3.2" and body["format"] == "json"
    assert body["options"] == {"temperature": 0.2, "top_p": 0.5, "num_predict": 64, "stop": ["###"]}
    assert "Authorization" not in stub.requests[0].headers


async def test_a_json_schema_is_sent_as_the_format(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/api/chat", Reply(json=line("{}", True)))
    schema = {"type": "object", "properties": {"label": {"type": "string"}}}
    rf = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    await provider_for("ollama").generate(ChatRequest(HELLO.messages, response_format=rf))
    assert stub.requests[0].json["format"] == schema


async def test_native_logprobs_are_parsed(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on(
        "/api/chat",
        Reply(
            json=line(
                "Yes",
                True,
                logprobs=[
                    {
                        "token": "Yes",
                        "logprob": -0.01,
                        "top_logprobs": [{"token": "No", "logprob": -4.6}],
                    }
                ],
            )
        ),
    )
    result = await provider_for("ollama").generate(
        ChatRequest(HELLO.messages, logprobs=True, top_logprobs=1)
    )
    assert result.logprobs is not None and result.logprobs[0].top == (("No", -4.6),)
    assert stub.requests[0].json["top_logprobs"] == 1


async def test_stream_reads_ndjson_lines_across_chunks(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    raw = b"".join(ndjson(line("Hel"), line("lo"), FINAL))
    stub.on(
        "/api/chat",
        Reply(
            content_type="application/x-ndjson",
            chunks=[raw[i : i + 7] for i in range(0, len(raw), 7)],
        ),
    )
    events = await collect(provider_for("ollama"))
    assert [ev.delta for ev in events[:-1]] == ["Hel", "lo"]
    assert events[-1].usage.prompt_tokens == 26 and events[-1].finish_reason == "stop"  # type: ignore[union-attr]
    assert stub.requests[0].json["stream"] is True


async def test_an_error_line_mid_stream_is_mapped(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/api/chat",
        Reply(
            content_type="application/x-ndjson",
            chunks=ndjson(line("a"), {"error": "model 'llama3.2' not found"}),
        ),
    )
    with pytest.raises(e.ModelNotFound):
        await collect(provider_for("ollama"))


async def test_a_stream_without_done_is_cut(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on("/api/chat", Reply(content_type="application/x-ndjson", chunks=ndjson(line("a"))))
    with pytest.raises(e.UpstreamConnectionError):
        await collect(provider_for("ollama"))


async def test_missing_model_is_model_not_found(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on(
        "/api/chat", Reply(status=404, json={"error": 'model "x" not found, try pulling it first'})
    )
    with pytest.raises(e.ModelNotFound):
        await provider_for("ollama").generate(ChatRequest(HELLO.messages, model="x"))


async def test_embed_uses_api_embed(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on(
        "/api/embed",
        Reply(
            json={
                "model": "embeddinggemma",
                "embeddings": [[0.1, 0.2], [0.3, 0.4]],
                "prompt_eval_count": 8,
            }
        ),
    )
    result = await provider_for("ollama").embed(["a", "b"])
    assert result.embeddings == [[0.1, 0.2], [0.3, 0.4]] and result.usage.prompt_tokens == 8
    assert stub.requests[0].json == {"model": "embeddinggemma", "input": ["a", "b"]}


async def test_list_models_reads_tags_and_health_reads_version(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/api/tags",
        Reply(
            json={
                "models": [{"name": "qwen3:8b", "model": "qwen3:8b"}, {"name": "llama3.2:latest"}]
            }
        ),
    )
    stub.on("/api/version", Reply(json={"version": "0.13.0"}))
    provider = provider_for("ollama")
    assert await provider.list_models() == ["llama3.2:latest", "qwen3:8b"]
    health = await provider.health_check()
    assert health.ok and health.models is None
    assert stub.requests[-1].path == "/api/version"


async def test_a_key_is_sent_when_one_is_configured(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/api/version", Reply(json={"version": "0.13.0"}))
    await provider_for("ollama", key="ollama-cloud-key").health_check()
    assert stub.requests[0].headers["Authorization"] == "Bearer ollama-cloud-key"
