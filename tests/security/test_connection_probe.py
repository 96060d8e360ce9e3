"""A tenant admin cannot map the network with connection tests.

A local or private config reaches internal addresses, so whatever sits behind a port — nothing,
a web page, an SSH banner, a silent service, an LLM refusing the key — the failed test answers
the same body. Only the guard's refusal differs, and it is decided before any packet is sent.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from tests.security.apps import config_at, guarded_client

UNIFORM = {
    "en-US": "The provider could not be reached.",
    "zh-CN": "无法连接到提供商。",
}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]


async def serve_tcp(on_connect: Behaviour) -> asyncio.Server:
    async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await on_connect(writer)

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def banner(writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
    await writer.drain()
    writer.close()


async def silence(writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)
    writer.close()


@pytest.fixture
async def services_on_ports() -> AsyncIterator[dict[str, int]]:
    """Ports of a web page, an SSH-like banner and a silent service on 127.0.0.1."""
    async def page(_request: web.Request) -> web.Response:
        html = "<html><body>Grafana</body></html>"
        return web.Response(status=404, text=html, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    servers = [await serve_tcp(banner), await serve_tcp(silence)]
    ports = {
        "web page": site._server.sockets[0].getsockname()[1],  # type: ignore[union-attr]
        "ssh banner": servers[0].sockets[0].getsockname()[1],
        "silent": servers[1].sockets[0].getsockname()[1],
    }
    yield ports
    for server in servers:
        server.close()
    await runner.cleanup()


async def outcome_of(client, tenant, body: dict, locale: str) -> dict:
    created = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
    assert created.status_code == 201, created.text
    answer = await client.post(
        f"/admin/config/llm/{created.json()['id']}/test",
        headers=tenant.headers() | {"Accept-Language": locale},
    )
    assert answer.status_code == 200
    return dict(answer.json())


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
async def test_closed_ports_and_non_llm_services_answer_alike(
    app, settings, tenant, upstream, services_on_ports, locale, caplog
):
    targets = {name: f"http://127.0.0.1:{port}/v1" for name, port in services_on_ports.items()}
    targets["closed port"] = f"http://127.0.0.1:{closed_port()}/v1"
    answers = {}
    async with guarded_client(app, settings) as client:
        with caplog.at_level(logging.INFO, logger="turnout.configs"):
            for name, url in targets.items():
                body = config_at(upstream, "openai_compatible", base_url=url)
                body["options"] = {"timeout_s": 1, "max_retries": 0}
                answers[name] = await outcome_of(client, tenant, body, locale)
            wrong_key = config_at(upstream, "openai_compatible", api_key="bad-key-0123456789")
            answers["LLM refusing the key"] = await outcome_of(client, tenant, wrong_key, locale)
    expected = {
        "ok": False, "latency_ms": 0.0, "error_code": "CONNECTION_ERROR",
        "message": UNIFORM[locale], "models": None,
    }
    assert answers == dict.fromkeys(answers, expected)
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "turnout.configs")
    for code in ("CONNECTION_ERROR", "TIMEOUT", "INVALID_API_KEY"):
        assert code in logged  # the operator still learns the real cause


async def test_the_guards_refusal_is_the_same_for_open_and_closed_ports(
    app, settings, client, tenant, upstream
):
    # Saved while loopback was a private network, tested after the operator narrowed the list.
    open_url = config_at(upstream, "openai_compatible")["base_url"]
    port = open_url.split(":")[2].split("/")[0]
    closed_url = open_url.replace(port, str(closed_port()))
    bodies = [config_at(upstream, "openai_compatible", base_url=u) for u in (open_url, closed_url)]
    ids = []
    for body in bodies:
        created = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    async with guarded_client(app, settings, private_networks=["10.0.0.0/8"]) as narrowed:
        answers = [
            (await narrowed.post(f"/admin/config/llm/{i}/test", headers=tenant.headers())).json()
            for i in ids
        ]
    assert [a["error_code"] for a in answers] == ["OUTBOUND_URL_BLOCKED"] * 2
    assert answers[0]["message"].replace(port, "P") == answers[1]["message"].replace(
        closed_url.split(":")[2].split("/")[0], "P"
    )
    assert not [r for r in upstream.requests if bodies[0]["api_key"] in str(r.headers)]
