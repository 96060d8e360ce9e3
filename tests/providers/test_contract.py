"""Every catalog type's adapter against the in-repo fake upstream (real HTTP, documented bodies)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from turnout import errors as e
from turnout.fakeupstream import PRESETS, FakeUpstream, Fault
from turnout.providers import (
    CATALOG,
    ChatRequest,
    ConnectionOptions,
    ProviderConnection,
    build_provider,
)
from turnout.providers.base import LLMProvider, StreamEvent

TYPES = list(CATALOG)
EMBEDDING_TYPES = [t for t in TYPES if CATALOG[t].capabilities.embed]
HELLO = ChatRequest(messages=[{"role": "user", "content": "hello there world"}])
ECHO = "echo: hello there world"

# What the configuration needs beyond base URL and key, per type.
SETTINGS: dict[str, dict[str, Any]] = {
    "azure_openai": {
        "extra": {"deployment": "gpt-4o-mini", "embedding_deployment": "text-embedding-3-small"}
    },
    "openai_compatible": {"models": {"chat": "Qwen/Qwen3-8B", "embedding": "BAAI/bge-m3"}},
}

EXPECTED: dict[str, type[e.ProviderError]] = {
    "rate_limit": e.UpstreamRateLimited,
    "quota": e.QuotaExceeded,
    "auth": e.UpstreamAuthError,
    "content_filter": e.ContentFiltered,
    "context_length": e.ContextLengthExceeded,
    "invalid_request": e.UpstreamInvalidRequest,
    "model_not_found": e.ModelNotFound,
    "server_error": e.UpstreamServerError,
    "unavailable": e.UpstreamServerError,
}


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        yield server


@pytest.fixture
async def connect(fake: FakeUpstream) -> AsyncIterator[Any]:
    fake.reset()
    made: list[ProviderConnection] = []

    def make(
        provider_type: str, *, timeout_s: float = 5.0, key: str = "sk-good-key"
    ) -> LLMProvider:
        conn = ProviderConnection(
            CATALOG[provider_type],
            name=f"fake-{provider_type}",
            base_url=fake.url_for(provider_type),
            api_key=lambda: key,
            options=ConnectionOptions(timeout_s=timeout_s),
            **SETTINGS.get(provider_type, {}),
        )
        made.append(conn)
        return build_provider(conn)

    yield make
    fake.reset()
    for conn in made:
        await conn.close()


async def stream(provider: LLMProvider, req: ChatRequest = HELLO) -> list[StreamEvent]:
    async with aclosing(provider.stream_generate(req)) as events:
        return [event async for event in events]


@pytest.mark.parametrize("provider_type", TYPES)
async def test_generate(connect: Any, provider_type: str) -> None:
    result = await connect(provider_type).generate(HELLO)
    assert result.content == ECHO
    assert result.finish_reason == "stop"
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0


@pytest.mark.parametrize("provider_type", TYPES)
async def test_stream(connect: Any, provider_type: str) -> None:
    events = await stream(connect(provider_type))
    assert "".join(ev.delta for ev in events) == ECHO
    final = events[-1]
    assert final.done and final.finish_reason == "stop"
    assert final.usage is not None and final.usage.total_tokens > 0
    assert sum(ev.done for ev in events) == 1


@pytest.mark.parametrize("provider_type", EMBEDDING_TYPES)
async def test_embed(connect: Any, provider_type: str) -> None:
    result = await connect(provider_type).embed(["a", "b c", "d"])
    assert len(result.embeddings) == 3
    assert result.dimensions > 0 and all(len(v) == result.dimensions for v in result.embeddings)


@pytest.mark.parametrize("provider_type", TYPES)
async def test_health_check_and_list_models(connect: Any, provider_type: str) -> None:
    provider = connect(provider_type)
    health = await provider.health_check()
    assert health.ok, health.error
    assert await provider.list_models()


# A local Ollama checks no key.
@pytest.mark.parametrize("provider_type", [t for t in TYPES if CATALOG[t].dialect != "ollama"])
async def test_a_rejected_key_is_an_auth_error(connect: Any, provider_type: str) -> None:
    with pytest.raises(e.UpstreamAuthError):
        await connect(provider_type, key="bad-key").generate(HELLO)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("provider_type", TYPES)
async def test_error_presets_map_to_our_errors(
    fake: FakeUpstream, connect: Any, provider_type: str, preset: str
) -> None:
    fake.enqueue(Fault(error=preset))
    with pytest.raises(EXPECTED[preset]) as caught:
        await connect(provider_type).generate(HELLO)
    assert caught.value.provider == f"fake-{provider_type}"
    assert caught.value.upstream_status is not None


# Mid-stream there is no HTTP status, so a generic invalid-request body cannot be told from a
# server fault; every preset whose body names its cause must map as it does over HTTP.
MID_STREAM = [p for p in PRESETS if p not in ("invalid_request", "unavailable")]


@pytest.mark.parametrize("preset", MID_STREAM)
@pytest.mark.parametrize("provider_type", TYPES)
async def test_errors_mid_stream_map_the_same_way(
    fake: FakeUpstream, connect: Any, provider_type: str, preset: str
) -> None:
    fake.enqueue(Fault(error=preset, error_mid_stream=True))
    with pytest.raises(EXPECTED[preset]):
        await stream(connect(provider_type))


@pytest.mark.parametrize("provider_type", TYPES)
async def test_retry_after_is_carried(fake: FakeUpstream, connect: Any, provider_type: str) -> None:
    fake.enqueue(Fault(error="rate_limit", retry_after_s=3))
    with pytest.raises(e.UpstreamRateLimited) as caught:
        await connect(provider_type).generate(HELLO)
    assert caught.value.retry_after_s == pytest.approx(3)


@pytest.mark.parametrize("provider_type", TYPES)
async def test_a_filtered_finish_keeps_the_partial_answer(
    fake: FakeUpstream, connect: Any, provider_type: str
) -> None:
    fake.enqueue(Fault(error="content_filter_finish"), times=2)
    provider = connect(provider_type)
    result = await provider.generate(HELLO)
    assert result.finish_reason == "content_filter" and ECHO.startswith(result.content)
    events = await stream(provider)
    assert events[-1].finish_reason == "content_filter"


@pytest.mark.parametrize("provider_type", TYPES)
async def test_transport_faults(fake: FakeUpstream, connect: Any, provider_type: str) -> None:
    provider = connect(provider_type, timeout_s=0.3)
    fake.enqueue(Fault(hang=True))
    with pytest.raises(e.UpstreamTimeout):
        await provider.generate(HELLO)
    fake.enqueue(Fault(drop_connection=True))
    with pytest.raises(e.UpstreamConnectionError):
        await provider.generate(HELLO)
    fake.enqueue(Fault(malformed_json=True))
    with pytest.raises(e.MalformedResponse):
        await provider.generate(HELLO)
    fake.enqueue(Fault(cut_stream_after=2))
    with pytest.raises(e.UpstreamConnectionError):
        await stream(provider)
    fake.enqueue(Fault(malformed_json=True))
    with pytest.raises(e.MalformedResponse):
        await stream(provider)
    fake.enqueue(Fault(hang=True))
    with pytest.raises(e.UpstreamTimeout):
        await stream(provider)


@pytest.mark.parametrize("provider_type", TYPES)
async def test_requests_follow_the_documented_wire_format(
    fake: FakeUpstream, connect: Any, provider_type: str
) -> None:
    await connect(provider_type).generate(ChatRequest(HELLO.messages, max_tokens=20, temperature=0))
    sent = fake.requests[-1].json
    assert isinstance(sent, dict)
    entry = CATALOG[provider_type]
    if entry.dialect == "ollama":
        assert sent["options"] == {"temperature": 0, "num_predict": 20}
        assert sent["stream"] is False
    else:
        assert sent[entry.wire.max_tokens_field] == 20
