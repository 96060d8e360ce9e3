from __future__ import annotations

import pytest

from tests.providers.conftest import API_KEY, ProviderFactory
from tests.providers.stub import Reply, Stub, sse
from tests.providers.wire import HELLO, chunk, collect, completion
from turnout import errors as e
from turnout.providers import CATALOG, ChatRequest, ProviderConnection

DEPLOYMENT = {"deployment": "gpt4o-prod", "embedding_deployment": "emb-small"}


async def test_classic_api_puts_the_deployment_in_the_path_and_the_version_in_the_query(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/openai/deployments/gpt4o-prod/chat/completions", Reply(json=completion("hi")))
    provider = provider_for("azure_openai", extra=DEPLOYMENT)
    result = await provider.generate(ChatRequest(HELLO.messages, max_tokens=9))
    assert result.content == "hi"
    sent = stub.requests[0]
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.headers["api-key"] == API_KEY and "Authorization" not in sent.headers
    assert "model" not in sent.json and sent.json["max_completion_tokens"] == 9


async def test_v1_api_sends_the_deployment_as_model_without_a_version(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on("/openai/v1/chat/completions", Reply(json=completion()))
    provider = provider_for("azure_openai", extra=DEPLOYMENT | {"use_v1_api": True})
    await provider.generate(HELLO)
    assert stub.requests[0].query == {}
    assert stub.requests[0].json["model"] == "gpt4o-prod"


async def test_a_configured_api_version_is_used(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on("/openai/deployments/gpt4o-prod/chat/completions", Reply(json=completion()))
    await provider_for(
        "azure_openai", extra=DEPLOYMENT | {"api_version": "2025-04-01-preview"}
    ).generate(HELLO)
    assert stub.requests[0].query == {"api-version": "2025-04-01-preview"}


async def test_embeddings_go_to_the_embedding_deployment(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/openai/deployments/emb-small/embeddings",
        Reply(
            json={
                "data": [{"index": 0, "embedding": [0.1, 0.2, 0.3]}],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        ),
    )
    result = await provider_for("azure_openai", extra=DEPLOYMENT).embed(["x"])
    assert result.dimensions == 3 and result.model == "emb-small"


async def test_a_filtered_prompt_is_content_filtered(
    stub: Stub, provider_for: ProviderFactory
) -> None:
    stub.on(
        "/openai/deployments/gpt4o-prod/chat/completions",
        Reply(
            status=400,
            json={
                "error": {
                    "message": "The response was filtered",
                    "type": None,
                    "param": "prompt",
                    "code": "content_filter",
                    "status": 400,
                    "innererror": {
                        "code": "ResponsibleAIPolicyViolation",
                        "content_filter_result": {"hate": {"filtered": True}},
                    },
                }
            },
        ),
    )
    with pytest.raises(e.ContentFiltered):
        await provider_for("azure_openai", extra=DEPLOYMENT).generate(HELLO)


async def test_streams_skip_the_prompt_filter_chunk(
    stub: Stub, provider_for: ProviderFactory
) -> None:

    filter_chunk = {"id": "", "choices": [], "prompt_filter_results": [{"prompt_index": 0}]}
    stub.on(
        "/openai/deployments/gpt4o-prod/chat/completions",
        Reply(
            content_type="text/event-stream",
            chunks=sse(filter_chunk, chunk("ok"), chunk(finish="stop")),
        ),
    )
    events = await collect(provider_for("azure_openai", extra=DEPLOYMENT))
    assert [ev.delta for ev in events] == ["ok", ""] and events[-1].done


async def test_health_is_a_one_token_chat(stub: Stub, provider_for: ProviderFactory) -> None:
    stub.on(
        "/openai/deployments/gpt4o-prod/chat/completions", Reply(json=completion("p", "length"))
    )
    health = await provider_for("azure_openai", extra=DEPLOYMENT).health_check()
    assert health.ok
    assert stub.requests[0].json["max_completion_tokens"] == 1


async def test_list_models_names_the_configured_deployments(provider_for: ProviderFactory) -> None:
    provider = provider_for("azure_openai", extra=DEPLOYMENT)
    assert await provider.list_models() == ["emb-small", "gpt4o-prod"]


async def test_the_default_endpoint_is_built_from_the_resource_name() -> None:
    conn = ProviderConnection(CATALOG["azure_openai"], extra={"resource": "contoso"})
    assert conn.base_url == "https://contoso.openai.azure.com"
    with pytest.raises(e.ValidationFailed):
        _ = ProviderConnection(CATALOG["azure_openai"]).base_url
