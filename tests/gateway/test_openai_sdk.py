"""The official `openai` SDK, unchanged, against Turnout's /v1 over real HTTP."""

from __future__ import annotations

import openai
import pytest
from tests.gateway.helpers import providers

from turnout.fakeupstream import Fault
from turnout.providers import CATALOG


@pytest.fixture
async def sdk(client, tenant, upstream, live_url):
    setup = await providers(client, tenant, upstream, "openai", "zhipu")
    key = setup.member()["Authorization"].removeprefix("Bearer ")
    async with openai.AsyncOpenAI(base_url=f"{live_url}/v1", api_key=key, max_retries=0) as api:
        yield api, setup


async def test_chat_completion(sdk):
    api, _ = sdk
    completion = await api.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "classify this"}], temperature=0.2
    )
    assert completion.choices[0].message.content == "echo: classify this"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens > 0
    assert completion.object == "chat.completion"


async def test_provider_slash_model_and_provider_name(sdk, upstream):
    api, _ = sdk
    named = await api.chat.completions.create(
        model="zhipu/glm-4.6", messages=[{"role": "user", "content": "hi"}]
    )
    assert named.model == "glm-4.6"
    assert [r for r in upstream.requests if r.flavor == "zhipu"][-1].json["model"] == "glm-4.6"
    by_name = await api.chat.completions.create(
        model="zhipu", messages=[{"role": "user", "content": "hi"}]
    )
    assert by_name.choices[0].message.content == "echo: hi"


async def test_streaming_with_usage(sdk):
    api, _ = sdk
    chunks = []
    stream = await api.chat.completions.create(
        model="auto",
        messages=[{"role": "user", "content": "stream these words"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    async for chunk in stream:
        chunks.append(chunk)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream these words"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


async def test_embeddings_and_models(sdk):
    api, _ = sdk
    result = await api.embeddings.create(model="auto", input=["one", "two"])
    assert len(result.data) == 2 and result.data[1].index == 1
    ids = [m.id for m in (await api.models.list()).data]
    zhipu_chat = CATALOG["zhipu"].default_chat_model
    assert {"auto", "openai", "zhipu", f"zhipu/{zhipu_chat}"} <= set(ids)


async def test_errors_use_openai_shape(sdk, upstream):
    api, _ = sdk
    upstream.set_fault(Fault(error="auth"))
    with pytest.raises(openai.APIStatusError) as raised:
        await api.chat.completions.create(model="auto", messages=[{"role": "user", "content": "x"}])
    assert raised.value.status_code == 503
    assert raised.value.body["code"] == "all_providers_failed"
    bad = openai.AsyncOpenAI(base_url=api.base_url, api_key="tk-not-a-real-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        await bad.models.list()
    await bad.close()
