"""What tests of the fake upstream share: keys, request bodies, the URL shapes per flavour."""

from __future__ import annotations

from typing import Any

import orjson

from turnout.fakeupstream import PROVIDER_TYPES, FakeUpstream

KEY = "sk-test-0000abcd"
AZURE_QUERY = "?api-version=2024-10-21"
ALL_FLAVORS = PROVIDER_TYPES


def chat_body(text: str = "hello big world", **extra: Any) -> dict[str, Any]:
    return {"model": "test-model", "messages": [{"role": "user", "content": text}], **extra}


def endpoint_url(fake: FakeUpstream, flavor: str, endpoint: str) -> str:
    """Where a client configured with `fake.url_for(flavor)` sends `endpoint` (OpenAI dialect)."""
    base = fake.url_for(flavor)
    if flavor == "azure_openai":
        if endpoint == "models":
            return f"{base}/openai/v1/models"
        return f"{base}/openai/deployments/test-model/{endpoint}{AZURE_QUERY}"
    if flavor == "ollama":
        return f"{base}/v1/{endpoint}"
    return f"{base}/{endpoint}"


def auth_for(flavor: str, key: str = KEY) -> dict[str, str]:
    return {"api-key": key} if flavor == "azure_openai" else {"Authorization": f"Bearer {key}"}


def sse_data(text: str) -> list[str]:
    """The `data:` payloads of an SSE body, in order."""
    return [line[len("data: "):] for line in text.split("\n") if line.startswith("data: ")]


def sse_json(text: str) -> list[Any]:
    """The JSON events of an SSE body, without the `[DONE]` terminator."""
    return [orjson.loads(data) for data in sse_data(text) if data != "[DONE]"]


def ndjson(text: str) -> list[Any]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]
