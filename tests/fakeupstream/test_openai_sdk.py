"""The official `openai` client, unmodified, works against the fake: the wire format is real."""

from __future__ import annotations

import openai
import pytest

from tests.fakeupstream.helpers import KEY
from turnout.fakeupstream import FakeUpstream, Fault


def client(fake: FakeUpstream, flavor: str = "openai", max_retries: int = 0) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=fake.url_for(flavor), api_key=KEY, max_retries=max_retries)


@pytest.mark.parametrize("flavor", ["openai", "qwen", "zhipu", "baidu", "deepseek", "ollama"])
async def test_chat_and_stream(fake: FakeUpstream, flavor: str) -> None:
    base_url = fake.url_for(flavor) + ("/v1" if flavor == "ollama" else "")
    async with openai.AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0) as sdk:
        reply = await sdk.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi there"}])
        stream = await sdk.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi there"}], stream=True,
            stream_options={"include_usage": True})
        pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]

    assert reply.choices[0].message.content == "echo: hi there"
    assert reply.usage is not None and reply.usage.completion_tokens == 3
    assert "".join(pieces) == "echo: hi there"


async def test_embeddings_and_models(fake: FakeUpstream) -> None:
    async with client(fake) as sdk:
        vectors = await sdk.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
        models = [m.id async for m in sdk.models.list()]
    assert [len(item.embedding) for item in vectors.data] == [8, 8]
    assert "gpt-4o-mini" in models


async def test_azure_client(fake: FakeUpstream) -> None:
    async with openai.AsyncAzureOpenAI(azure_endpoint=fake.url_for("azure_openai"),
                                       api_version="2024-10-21", api_key="k",
                                       max_retries=0) as sdk:
        reply = await sdk.chat.completions.create(
            model="prod-4o", messages=[{"role": "user", "content": "hi"}])
    assert (reply.model, reply.choices[0].message.content) == ("prod-4o", "echo: hi")


@pytest.mark.parametrize(("preset", "error_type", "code"), [
    ("rate_limit", openai.RateLimitError, "rate_limit_exceeded"),
    ("quota", openai.RateLimitError, "insufficient_quota"),
    ("context_length", openai.BadRequestError, "context_length_exceeded"),
    ("model_not_found", openai.NotFoundError, "model_not_found"),
    ("server_error", openai.InternalServerError, None),
])
async def test_presets_raise_the_sdks_errors(fake: FakeUpstream, preset: str,
                                             error_type: type[openai.APIStatusError],
                                             code: str | None) -> None:
    fake.enqueue(Fault(error=preset))
    async with client(fake) as sdk:
        with pytest.raises(error_type) as raised:
            await sdk.chat.completions.create(model="m", messages=[])
    assert raised.value.code == code


async def test_bad_key_raises_authentication_error(fake: FakeUpstream) -> None:
    async with openai.AsyncOpenAI(base_url=fake.url_for("openai"), api_key="bad-key",
                                  max_retries=0) as sdk:
        with pytest.raises(openai.AuthenticationError):
            await sdk.models.list()


async def test_sdk_retries_honour_retry_after(fake: FakeUpstream) -> None:
    fake.enqueue(Fault(error="rate_limit", retry_after_s=0.05))
    async with client(fake, max_retries=1) as sdk:
        reply = await sdk.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "again"}])
    assert reply.choices[0].message.content == "echo: again"
    assert len(fake.requests) == 2
