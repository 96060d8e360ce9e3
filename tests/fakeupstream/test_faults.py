"""Fault injection as a client sees it: delays, hangs, dropped and cut connections, bad bodies."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import orjson
import pytest

from tests.fakeupstream.helpers import auth_for, chat_body, endpoint_url, ndjson, sse_data
from turnout.fakeupstream import FakeUpstream, Fault

# An upper bound for what must not hang, far above what any machine takes: never a measure.
WAIT_S = 30


async def post(http: aiohttp.ClientSession, fake: FakeUpstream, flavor: str = "openai",
               **body: object) -> tuple[int, str]:
    async with http.post(endpoint_url(fake, flavor, "chat/completions"),
                         json=chat_body(**body), headers=auth_for(flavor)) as response:
        return response.status, await response.text()


async def test_retry_after_headers_come_with_the_error(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error="rate_limit", retry_after_s=2))
    fake.enqueue(Fault(error="unavailable", retry_after_s=0.15))
    url = endpoint_url(fake, "openai", "chat/completions")
    async with http.post(url, json=chat_body(), headers=auth_for("openai")) as response:
        assert response.status == 429
        assert (response.headers["Retry-After"], response.headers["retry-after-ms"]) == (
            "2", "2000")
    async with http.post(url, json=chat_body(), headers=auth_for("openai")) as response:
        assert response.status == 503
        assert (response.headers["Retry-After"], response.headers["retry-after-ms"]) == (
            "0.15", "150")


async def test_azure_rate_limit_message_names_the_wait(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error="rate_limit", retry_after_s=6))
    _, text = await post(http, fake, "azure_openai")
    message = orjson.loads(text)["error"]["message"]
    assert "API version 2024-10-21" in message and "Please retry after 6 seconds" in message


async def test_extra_headers_reach_successful_replies_too(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(headers={"x-ratelimit-remaining-requests": "0"}))
    url = endpoint_url(fake, "openai", "chat/completions")
    async with http.post(url, json=chat_body(), headers=auth_for("openai")) as response:
        assert response.status == 200
        assert response.headers["x-ratelimit-remaining-requests"] == "0"


async def test_latency_delays_the_reply(fake: FakeUpstream, http: aiohttp.ClientSession) -> None:
    fake.enqueue(Fault(latency_s=0.2))
    started = time.monotonic()
    status, _ = await post(http, fake)
    assert status == 200
    # A lower bound on a delay the server itself sleeps: load can only lengthen it.
    assert time.monotonic() - started >= 0.2


async def test_a_hung_request_loses_its_connection_when_the_server_stops(
    http: aiohttp.ClientSession,
) -> None:
    """`stop` releases hung requests itself: the server's own grace for handlers still running
    is an hour here, so a stop that left them to it would not return within the bound."""
    fake = FakeUpstream(shutdown_timeout=3600)
    await fake.start()
    fake.set_fault(Fault(hang=True))
    url = endpoint_url(fake, "openai", "chat/completions")

    with pytest.raises(asyncio.TimeoutError):
        async with http.post(url, json=chat_body(), headers=auth_for("openai"),
                             timeout=aiohttp.ClientTimeout(total=0.2)):
            pass

    async def wait_forever() -> None:  # no client timeout: only the server can end this one
        async with http.post(url, json=chat_body(), headers=auth_for("openai"),
                             timeout=aiohttp.ClientTimeout(total=None)):
            pass

    pending = asyncio.create_task(wait_forever())
    await asyncio.wait_for(until_received(fake, 2), WAIT_S)  # hanging when the server stops
    await asyncio.wait_for(fake.stop(), WAIT_S)

    with pytest.raises(aiohttp.ClientError):
        await asyncio.wait_for(pending, WAIT_S)


async def until_received(fake: FakeUpstream, count: int) -> None:
    while len(fake.requests) < count:
        await asyncio.sleep(0.01)


async def test_drop_connection_closes_without_a_reply(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(drop_connection=True))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(http, fake)
    status, _ = await post(http, fake)  # the next request is served again
    assert status == 200


async def test_malformed_json_is_a_200_that_does_not_parse(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(malformed_json=True))
    status, text = await post(http, fake)
    assert status == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)


async def test_malformed_json_in_a_stream_breaks_one_event(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(malformed_json=True))
    _, text = await post(http, fake, stream=True)
    broken = []
    for data in sse_data(text)[:-1]:  # all but [DONE]
        try:
            orjson.loads(data)
        except orjson.JSONDecodeError:
            broken.append(data)
    assert len(broken) == 1


async def test_cut_stream_after_closes_mid_stream_without_done(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(cut_stream_after=2))
    received: list[bytes] = []
    url = endpoint_url(fake, "openai", "chat/completions")
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.post(url, json=chat_body("a b c d", stream=True),
                             headers=auth_for("openai")) as response:
            async for line in response.content:
                received.append(line)
    events = [line for line in received if line.startswith(b"data: ")]
    assert len(events) == 2
    assert b"data: [DONE]\n" not in received


@pytest.mark.parametrize(("flavor", "error"), [
    ("openai", {"error": {"message": "The server had an error while processing your request. "
                          "Sorry about that!", "type": "server_error", "param": None,
                          "code": None}}),
    ("zhipu", {"error": {"code": "500", "message": "内部错误"}}),
])
async def test_error_mid_stream_sends_the_flavours_error_event_and_ends(
    fake: FakeUpstream, http: aiohttp.ClientSession, flavor: str, error: dict
) -> None:
    fake.enqueue(Fault(error_mid_stream=True))
    status, text = await post(http, fake, flavor, stream=True, messages=[
        {"role": "user", "content": "one two three four"}])
    events = sse_data(text)
    assert status == 200
    assert [orjson.loads(e)["choices"][0]["delta"].get("content") for e in events[:3]] == [
        "", "echo:", " one"]
    assert orjson.loads(events[3]) == error
    assert len(events) == 4  # nothing after the error, no [DONE]


async def test_error_mid_stream_uses_the_preset_when_given(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error="content_filter", error_mid_stream=True))
    _, text = await post(http, fake, "qwen", stream=True)
    assert orjson.loads(sse_data(text)[-1])["error"]["code"] == "data_inspection_failed"


async def test_ollama_mid_stream_error_is_an_ndjson_line(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error_mid_stream=True))
    body = {"model": "llama3.2", "messages": [{"role": "user", "content": "a b c d"}]}
    async with http.post(fake.url_for("ollama") + "/api/chat", json=body) as response:
        assert response.status == 200
        events = ndjson(await response.text())
    assert [e.get("done") for e in events] == [False, False, None]
    assert events[-1] == {"error": "llama runner process has terminated: exit status 2"}


async def test_queued_faults_apply_in_order_then_run_out(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error="rate_limit"), times=2)
    fake.enqueue(Fault(error="server_error"))
    statuses = [(await post(http, fake))[0] for _ in range(5)]
    assert statuses == [429, 429, 500, 200, 200]


async def test_a_standing_fault_applies_until_cleared_and_yields_to_queued_ones(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.set_fault(Fault(error="unavailable"))
    fake.enqueue(Fault(error="quota"))
    statuses = [(await post(http, fake))[0] for _ in range(3)]
    fake.set_fault(None)
    statuses.append((await post(http, fake))[0])
    assert statuses == [429, 503, 503, 200]


async def test_faults_with_a_rate_hit_about_that_share_and_stack_in_order(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.set_fault(Fault(error="unavailable", rate=0.2))
    fake.add_fault(Fault(error="server_error", rate=0.25))  # of what the first one spared
    statuses = [(await post(http, fake))[0] for _ in range(400)]
    fake.set_fault(None)
    assert 50 <= statuses.count(503) <= 110  # about 80 of 400
    assert 50 <= statuses.count(500) <= 110  # about 0.25 × 320
    assert statuses.count(200) == 400 - statuses.count(503) - statuses.count(500)
    with pytest.raises(ValueError, match="rate"):
        Fault(rate=1.5)


async def test_filters_limit_a_fault_to_paths_and_flavours(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.enqueue(Fault(error="server_error", flavors=("qwen",), paths=("/chat/completions",)))
    async with http.get(endpoint_url(fake, "qwen", "models"),
                        headers=auth_for("qwen")) as response:
        assert response.status == 200  # path does not match
    assert (await post(http, fake, "openai"))[0] == 200  # flavour does not match
    assert (await post(http, fake, "qwen"))[0] == 500
    assert (await post(http, fake, "qwen"))[0] == 200  # used up


async def test_reset_forgets_faults_and_requests(
    fake: FakeUpstream, http: aiohttp.ClientSession
) -> None:
    fake.set_fault(Fault(error="server_error"))
    await post(http, fake)
    fake.reset()
    assert fake.requests == []
    assert (await post(http, fake))[0] == 200
