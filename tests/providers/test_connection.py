from __future__ import annotations

import socket

import pytest

from tests.providers.conftest import ProviderFactory
from tests.providers.stub import Reply, Stub, sse
from tests.providers.wire import HELLO, chunk, collect, completion
from turnout import errors as e
from turnout.providers import (
    CATALOG,
    ChatRequest,
    ConnectionOptions,
    ProviderConnection,
    build_provider,
)


async def test_one_pooled_session_serves_every_call_until_closed() -> None:
    conn = ProviderConnection(CATALOG["openai"])
    first = conn.session()
    assert conn.session() is first
    assert first.connector is not None and first.connector.limit == 100
    await conn.close()
    assert first.closed
    second = conn.session()
    assert second is not first
    await conn.close()


def test_no_session_is_created_outside_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        ProviderConnection(CATALOG["openai"]).session()


async def test_the_key_is_read_at_every_call(stub: Stub) -> None:
    stub.on("/chat/completions", Reply(json=completion()))
    keys = iter(["key-1", "key-2"])
    conn = ProviderConnection(CATALOG["deepseek"], base_url=stub.url, api_key=lambda: next(keys))
    provider = build_provider(conn)
    await provider.generate(HELLO)
    await provider.generate(HELLO)
    await conn.close()
    assert [r.headers["Authorization"] for r in stub.requests] == ["Bearer key-1", "Bearer key-2"]


def test_from_config_reads_the_admin_payload() -> None:
    config = {
        "name": "prod",
        "provider_type": "qwen",
        "base_url": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/",
        "models": {"chat": "qwen-flash"},
        "options": {"timeout_s": 12, "rpm": 5},
        "deployment_mode": "cloud",
    }
    conn = ProviderConnection.from_config(CATALOG["qwen"], config, api_key=lambda: "k")
    assert conn.base_url == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    assert (conn.chat_model, conn.embedding_model) == ("qwen-flash", "text-embedding-v4")
    assert conn.options == ConnectionOptions(timeout_s=12, rpm=5)
    assert "api_key" not in conn.as_settings()


async def test_a_hanging_upstream_times_out(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on("/chat/completions", Reply(json=completion(), delay_s=2))
    with pytest.raises(e.UpstreamTimeout) as caught:
        await provider_for("deepseek", timeout_s=0.2).generate(HELLO)
    assert caught.value.retryable


async def test_a_request_timeout_overrides_the_connection_one(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(json=completion(), delay_s=2))
    with pytest.raises(e.UpstreamTimeout):
        await provider_for("deepseek", timeout_s=30).generate(
            ChatRequest(HELLO.messages, timeout_s=0.2)
        )


async def test_a_stream_that_goes_silent_times_out(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(content_type="text/event-stream", delay_s=2, chunks=sse(chunk("a", "stop"))),
    )
    with pytest.raises(e.UpstreamTimeout):
        await collect(provider_for("deepseek", timeout_s=0.2))


async def test_a_dropped_connection_is_a_connection_error(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(drop=True))
    with pytest.raises(e.UpstreamConnectionError) as caught:
        await provider_for("deepseek").generate(HELLO)
    assert caught.value.__cause__ is not None


async def test_a_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = ProviderConnection(CATALOG["ollama"], base_url=f"http://127.0.0.1:{port}")
    health = await build_provider(conn).health_check()
    await conn.close()
    assert isinstance(health.error, e.UpstreamConnectionError)


async def test_redirects_are_not_followed(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on("/models", Reply(status=302, headers={"Location": "http://169.254.169.254/"}, body=b""))
    with pytest.raises(e.UpstreamInvalidRequest):
        await provider_for("qwen").list_models()
    assert len(stub.requests) == 1


async def test_malformed_json_is_malformed_response(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/chat/completions", Reply(body=b'{"choices": [', content_type="application/json"))
    with pytest.raises(e.MalformedResponse):
        await provider_for("deepseek").generate(HELLO)


async def test_malformed_stream_chunk_is_malformed_response(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions", Reply(content_type="text/event-stream", chunks=[b"data: {nope\n\n"])
    )
    with pytest.raises(e.MalformedResponse):
        await collect(provider_for("deepseek"))


async def test_closing_a_stream_early_releases_it(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/chat/completions",
        Reply(
            content_type="text/event-stream",
            chunks=sse(*(chunk(str(i)) for i in range(50)), chunk(finish="stop")),
        ),
    )
    provider = provider_for("deepseek")
    stream = provider.stream_generate(HELLO)
    first = await anext(stream)
    await stream.aclose()
    assert first.delta == "0"
    async with provider.connection.session().get(stub.url + "/unknown") as resp:
        assert resp.status == 404  # the shared pool is still usable
