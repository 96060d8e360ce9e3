"""Oversized inputs are refused before they are buffered: bodies per route, heads per request.

Bodies: 8 MiB on the LLM routes, 64 KiB elsewhere (413, unread when the length is declared,
counted as they stream in otherwise). Heads: 32 KiB and 100 fields (431, from the HTTP
protocol, before any route runs). Fields: lists and strings have their own bounds (422).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from tests.gateway.helpers import providers
from tests.security.hostile import Case, assert_refused_in_both_locales
from turnout.api.limits import LLM_BODY, SMALL_BODY
from turnout.security.roles import Role
from turnout.serving_protocol import MAX_HEAD_BYTES, MAX_HEADER_COUNT, BoundedHttpToolsProtocol

M = Role.MEMBER
SMALL, LLM = SMALL_BODY.limit, LLM_BODY.limit
# An upper bound for what must not hang, far above what any machine takes: never a measure.
WAIT_S = 30


def padded(value: dict, size: int, key: str = "pad") -> bytes:
    """`value` as JSON of exactly `size` bytes, grown by a string under `key`."""
    bare = json.dumps({**value, key: ""}).encode()
    return json.dumps({**value, key: "x" * (size - len(bare))}).encode()


def too_large(case_id: str, method: str, path: str, raw: bytes, role: Role = Role.ADMIN) -> Case:
    return Case(case_id, method, path, raw, 413, "PAYLOAD_TOO_LARGE", role=role)


def invalid(case_id: str, method: str, path: str, value: dict, field: str,
            role: Role = Role.ADMIN) -> Case:
    raw = json.dumps(value).encode()
    return Case(case_id, method, path, raw, 422, "VALIDATION_FAILED", field, role)


CHAT = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
OVERSIZED = [
    too_large("login over 64 KiB", "POST", "/api/v1/auth/login",
              padded({"username": "a"}, SMALL + 1, "password")),
    too_large("API key over 64 KiB", "POST", "/api/v1/keys", padded({}, SMALL + 1, "name")),
    too_large("provider config over 64 KiB", "POST", "/admin/config/llm",
              padded({"provider_type": "openai"}, SMALL + 1, "name")),
    too_large("generate over 8 MiB", "POST", "/api/v1/llm/generate",
              padded({}, LLM + 1, "prompt"), M),
    too_large("chat completions over 8 MiB", "POST", "/v1/chat/completions",
              padded(CHAT, LLM + 1, "user"), M),
    invalid("five stop sequences", "POST", "/api/v1/llm/generate",
            {"prompt": "hi", "options": {"stop": ["a", "b", "c", "d", "e"]}}, "options.stop", M),
    invalid("a 65-character provider id", "POST", "/api/v1/llm/generate",
            {"prompt": "hi", "provider_id": "p" * 65}, "provider_id", M),
    invalid("33 fallbacks", "PUT", "/api/v1/llm/routing",
            {"fallback_provider_ids": [f"p{i}" for i in range(33)]}, "fallback_provider_ids"),
    invalid("33 capabilities", "POST", "/api/v1/llm/models",
            {"provider_type": "openai", "model": "m",
             "capabilities": {f"c{i}": True for i in range(33)}}, "capabilities"),
]


@pytest.mark.parametrize("case", OVERSIZED, ids=lambda c: c.id)
async def test_an_oversized_input_is_refused(client, tenant, case):
    await assert_refused_in_both_locales(client, tenant, case)


async def test_a_declared_oversized_body_is_refused_unread_and_the_connection_closed(client):
    response = await client.post(
        "/api/v1/auth/login",
        content=padded({"username": "a"}, SMALL + 1, "password"),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["connection"] == "close"
    assert response.json()["error"]["details"] == {"limit_bytes": SMALL}
    assert response.json()["error"]["message"].endswith("(64 KiB).")


async def test_a_streamed_body_is_counted_as_it_arrives_and_cut_off_early(client, tenant):
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"name": "'
        while sent < 100 * 1024 * 1024:
            sent += 16 * 1024
            yield b"x" * (16 * 1024)

    response = await client.post(
        "/api/v1/keys", content=endless(),
        headers=tenant.headers() | {"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "content-length" not in response.request.headers
    assert sent <= SMALL + 2 * 16 * 1024  # read up to the first chunk over the limit


async def test_the_llm_routes_take_chat_sized_bodies(client, tenant, upstream):
    setup = await providers(client, tenant, upstream, "openai")
    prompt = "y" * (SMALL * 4)
    response = await client.post(
        "/api/v1/llm/generate", json={"prompt": prompt}, headers=setup.member()
    )
    assert response.status_code == 200, response.text[:300]
    assert response.json()["content"] == f"echo: {prompt}"


# The request head, bounded by the HTTP protocol: a real server on a real socket.


@pytest.fixture
async def bounded_server(app) -> AsyncIterator[tuple[str, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_config=None,
        http=BoundedHttpToolsProtocol,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield "127.0.0.1", port
    server.should_exit = True
    await task


async def raw_request(address: tuple[str, int], head: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(*address)
    writer.write(head)
    with contextlib.suppress(ConnectionError):  # refused mid-head: the answer is still there
        await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    return answer


def head(*headers: bytes) -> bytes:
    fields = b"".join(h + b"\r\n" for h in headers)
    return b"GET /healthz HTTP/1.1\r\nhost: t\r\n" + fields + b"\r\n"


async def test_a_head_over_its_size_is_answered_431(bounded_server):
    answer = await raw_request(bounded_server, head(b"x-big: " + b"a" * MAX_HEAD_BYTES))
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 431 ")
    assert b"connection: close" in status
    assert json.loads(body)["error"]["code"] == "HEADERS_TOO_LARGE"


async def test_a_head_over_its_field_count_is_answered_431(bounded_server):
    fields = [b"x-f%d: v" % i for i in range(MAX_HEADER_COUNT + 1)]
    assert (await raw_request(bounded_server, head(*fields))).startswith(b"HTTP/1.1 431 ")


async def test_a_head_within_bounds_is_served(bounded_server):
    fields = [b"x-f%d: %s" % (i, b"v" * 200) for i in range(MAX_HEADER_COUNT - 2)]
    answer = await raw_request(bounded_server, head(*fields, b"connection: close"))
    assert answer.startswith(b"HTTP/1.1 200 ")


async def test_a_huge_header_is_cut_off_at_the_bound_while_others_are_served(bounded_server):
    """A 50 MiB header is refused once its head passes MAX_HEAD_BYTES, so the server never takes
    in the rest (the sender's stream is cut short), and other requests are answered meanwhile."""
    host, port = bounded_server
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /healthz HTTP/1.1\r\nhost: t\r\nx-huge: ")
    chunks = 50
    sent = 0

    async def stream_header() -> None:
        nonlocal sent
        chunk = b"a" * (1024 * 1024)
        with contextlib.suppress(ConnectionError):
            for _ in range(chunks):
                writer.write(chunk)
                await writer.drain()
                sent += 1

    streaming = asyncio.create_task(stream_header())
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as http:
        for _ in range(5):
            assert (await http.get("/healthz")).status_code == 200
    await asyncio.wait_for(streaming, WAIT_S)
    assert sent < chunks  # the server closed the connection instead of reading on
    try:
        answer = await asyncio.wait_for(reader.read(), timeout=WAIT_S)
    except ConnectionResetError:
        answer = b""  # the server closed with our bytes unread: the kernel reset the connection
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 ")
    writer.close()


async def test_a_model_name_as_long_as_the_api_takes_is_still_recorded(
    client, tenant, upstream, services
):
    setup = await providers(client, tenant, upstream, "openai")
    model = "m" * 200  # generate takes 200 characters; the usage column holds 128
    answer = await client.post(
        "/api/v1/llm/generate", json={"prompt": "hi", "model": model}, headers=setup.member()
    )
    assert answer.status_code == 200, answer.text
    await services.usage.flush()  # PostgreSQL refused the row, and every other row with it
    usage = await client.get("/api/v1/llm/usage", headers=tenant.headers(Role.VIEWER))
    assert usage.json()["totals"]["requests"] == 1
    assert [group["key"] for group in usage.json()["by_model"]] == [model[:128]]
