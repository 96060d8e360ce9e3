"""The HTTP control API and the record of received requests."""

from __future__ import annotations

import aiohttp
import pytest

from tests.fakeupstream.helpers import auth_for, chat_body, endpoint_url
from turnout.fakeupstream import FakeUpstream, Fault, RecordedRequest
from turnout.fakeupstream.recording import MAX_RECORDED, Recorder


async def chat_status(http: aiohttp.ClientSession, fake: FakeUpstream,
                      flavor: str = "openai") -> int:
    async with http.post(endpoint_url(fake, flavor, "chat/completions"), json=chat_body(),
                         headers=auth_for(flavor)) as response:
        return response.status


async def test_enqueue_over_http(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    payload = {"mode": "enqueue", "times": 2,
               "fault": {"error": "rate_limit", "retry_after_s": 1, "flavors": ["deepseek"]}}
    async with http.post(fake.url + "/_fake/faults", json=payload) as response:
        assert response.status == 200
        assert (await response.json())["queue"][0]["remaining"] == 2

    assert [await chat_status(http, fake, "deepseek") for _ in range(3)] == [429, 429, 200]


async def test_set_and_clear_over_http(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    payload = {"mode": "set", "fault": {"status": 503}}
    async with http.post(fake.url + "/_fake/faults", json=payload):
        pass
    assert [await chat_status(http, fake) for _ in range(2)] == [503, 503]

    async with http.delete(fake.url + "/_fake/faults") as response:
        assert response.status == 200
    assert await chat_status(http, fake) == 200


@pytest.mark.parametrize("payload", [
    {"mode": "enqueue", "fault": {"error": "nope"}},
    {"mode": "enqueue", "fault": {"latency": 1}},
    {"mode": "sometimes", "fault": {}},
    {"mode": "enqueue", "times": 0, "fault": {"error": "quota"}},
    ["not", "an", "object"],
])
async def test_bad_fault_requests_are_refused(
    fake: FakeUpstream, http: aiohttp.ClientSession, payload: object
) -> None:
    async with http.post(fake.url + "/_fake/faults", json=payload) as response:
        assert response.status == 400
        assert "error" in await response.json()


async def test_requests_are_listed_and_cleared_over_http(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    await chat_status(http, fake, "zhipu")
    async with http.get(fake.url + "/_fake/requests") as response:
        recorded = (await response.json())["requests"]
    assert [(r["method"], r["path"], r["flavor"]) for r in recorded] == [
        ("POST", "/zhipu/api/paas/v4/chat/completions", "zhipu")]

    async with http.delete(fake.url + "/_fake/requests"):
        pass
    assert fake.requests == []


async def test_health_and_reset(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    fake.set_fault(Fault(status=500))
    assert await chat_status(http, fake) == 500
    async with http.get(fake.url + "/_fake/health") as response:
        assert await response.json() == {"status": "ok"}
    async with http.post(fake.url + "/_fake/reset"):
        pass
    assert await chat_status(http, fake) == 200


async def test_each_request_is_recorded_as_received(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    url = fake.url_for("azure_openai") + "/openai/deployments/d1/embeddings?api-version=2024-10-21"
    async with http.post(url, json={"input": "x"}, headers={"api-key": "k", "X-Trace": "t1"}):
        pass
    async with http.get(fake.url_for("ollama") + "/api/tags"):
        pass

    first, second = fake.requests
    assert first == RecordedRequest(
        method="POST",
        path="/azure_openai/openai/deployments/d1/embeddings",
        query={"api-version": "2024-10-21"},
        headers=first.headers,
        json={"input": "x"},
        flavor="azure_openai",
    )
    assert first.headers["api-key"] == "k" and first.headers["x-trace"] == "t1"
    assert (second.method, second.json, second.flavor) == ("GET", None, "ollama")


async def test_control_calls_are_not_recorded(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    async with http.get(fake.url + "/_fake/health"):
        pass
    assert fake.requests == []


def test_only_the_newest_requests_are_kept() -> None:
    recorder = Recorder(limit=3)
    for index in range(5):
        recorder.add(RecordedRequest("GET", f"/{index}", {}, {}, None, "openai"))
    assert [item.path for item in recorder.all()] == ["/2", "/3", "/4"]
    assert MAX_RECORDED == 10_000


async def test_url_for_gives_each_providers_default_style_base(fake: FakeUpstream) -> None:
    bases = {t: fake.url_for(t)[len(fake.url):] for t in (
        "openai", "azure_openai", "qwen", "zhipu", "baidu", "hunyuan", "deepseek",
        "openai_compatible", "ollama")}
    assert bases == {
        "openai": "/openai/v1",
        "azure_openai": "/azure_openai",
        "qwen": "/qwen/compatible-mode/v1",
        "zhipu": "/zhipu/api/paas/v4",
        "baidu": "/baidu/v2",
        "hunyuan": "/hunyuan/v1",
        "deepseek": "/deepseek",
        "openai_compatible": "/openai_compatible/v1",
        "ollama": "/ollama",
    }
    with pytest.raises(ValueError):
        fake.url_for("gemini")


def test_url_needs_a_started_server() -> None:
    with pytest.raises(RuntimeError):
        _ = FakeUpstream().url
