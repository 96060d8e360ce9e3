"""The outbound guard at connect time: the address checked is the address connected to."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from tests.security.resolvers import ScriptedResolver
from tests.security.ssrf_cases import REFUSED_IN_CLOUD, RESOLVED_NAMES, Case
from turnout.errors import OutboundUrlBlocked, UpstreamInvalidRequest
from turnout.health import HealthState, ProviderRef, Transition
from turnout.health.alerts import AlertDispatcher
from turnout.i18n import load_catalogs
from turnout.providers import CATALOG, ProviderConnection, build_provider
from turnout.security.outbound import AddressRefused, OutboundPolicy
from turnout.security.outbound_connect import GuardedConnector, GuardedResolver, guarded_connectors

# Names below `.localhost` resolve only where the system resolver says so; the save-time check
# treats them as loopback, the connection checks whatever they really resolve to.
CONNECT_CASES = [c for c in REFUSED_IN_CLOUD if not c.host.endswith(".localhost")]
REFUSED_NAMES = [row for row in RESOLVED_NAMES if row[2] is not None]


class Server:
    """An HTTP server on 127.0.0.1 that counts what reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(request.path)
        if request.path == "/v1/models":
            raise web.HTTPFound("/secret")
        return web.json_response({"object": "list", "data": [{"id": "m"}]})


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    counted = Server()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", counted.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    counted.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield counted
    await runner.cleanup()


async def fetch(policy: OutboundPolicy, mode: str, url: str, **connector: object) -> int:
    guard = policy.guard(mode)
    connection = GuardedConnector(guard, **connector)
    async with (
        aiohttp.ClientSession(connector=connection) as http,
        http.get(url, allow_redirects=False) as response,
    ):
        return response.status


@pytest.mark.parametrize("case", CONNECT_CASES, ids=lambda c: c.host)
async def test_every_forbidden_spelling_is_refused_before_connecting(server, case: Case, caplog):
    url = f"http://{case.host}:{server.port}/v1"
    with caplog.at_level(logging.WARNING, logger="turnout.outbound"), pytest.raises(
        OutboundUrlBlocked
    ) as refused:
        await fetch(OutboundPolicy(), "cloud", url)
    assert refused.value.params["reason"] == case.cloud
    assert server.hits == []
    assert any("outbound connection refused" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("name", "addresses", "cloud", "local"), REFUSED_NAMES)
async def test_a_name_is_judged_by_what_it_resolves_to_when_connecting(
    server, name, addresses, cloud, local
):
    policy = OutboundPolicy(resolver=ScriptedResolver({name: addresses}))
    with pytest.raises(OutboundUrlBlocked) as refused:
        await fetch(policy, "cloud", f"http://{name}:{server.port}/v1")
    assert refused.value.params["reason"] == cloud
    assert refused.value.params["url"] == f"http://{name}:{server.port}"
    assert server.hits == []


async def test_a_name_that_resolves_to_loopback_only_later_is_refused_then(server):
    resolver = ScriptedResolver()
    policy = OutboundPolicy(resolver=resolver)
    url = f"http://later.example:{server.port}/v1"
    await policy.check(url, deployment_mode="cloud")  # saved: it did not resolve
    resolver.answer("later.example", "127.0.0.1")
    with pytest.raises(OutboundUrlBlocked):
        await fetch(policy, "cloud", url)
    assert server.hits == []


async def test_dns_rebinding_is_refused_at_the_connection_it_would_redirect(server):
    # First an address the mode may reach, then one it may not: each new connection resolves
    # again (no cache, no reuse) and is checked again.
    resolver = ScriptedResolver()
    resolver.then("rebind.example", ["127.0.0.1"], ["169.254.169.254"], ["10.0.0.1"])
    policy = OutboundPolicy(resolver=resolver)
    guard = policy.guard("local")
    connector = GuardedConnector(guard, use_dns_cache=False, force_close=True)
    url = f"http://rebind.example:{server.port}/v1"
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.get(url) as first:
            assert first.status == 200
        for reason in ("metadata", "private"):
            with pytest.raises(OutboundUrlBlocked) as refused:
                await http.get(url)
            assert refused.value.params["reason"] == reason
    assert server.hits == ["/v1"]


async def test_rebinding_from_public_to_loopback_is_refused_by_the_resolver():
    resolver = ScriptedResolver()
    resolver.then("vendor.example", ["8.8.8.8"], ["127.0.0.1"])
    guarded = GuardedResolver(OutboundPolicy(resolver=resolver).guard("cloud"), resolver)
    [first] = await guarded.resolve("vendor.example", 443)
    assert first["host"] == "8.8.8.8"
    with pytest.raises(AddressRefused) as refused:
        await guarded.resolve("vendor.example", 443)
    assert (refused.value.reason, str(refused.value.address)) == ("private", "127.0.0.1")


async def test_local_mode_reaches_loopback_by_literal_and_by_name(server):
    policy = OutboundPolicy(resolver=ScriptedResolver({"ollama.internal": ["127.0.0.1"]}))
    assert await fetch(policy, "local", f"http://127.0.0.1:{server.port}/v1") == 200
    assert await fetch(policy, "private", f"http://ollama.internal:{server.port}/v1") == 200
    assert await fetch(policy, "local", f"http://[::ffff:127.0.0.1]:{server.port}/v1") == 200
    assert len(server.hits) == 3


async def test_private_networks_outside_the_list_are_refused_at_connect(server):
    resolver = ScriptedResolver({"vllm.internal": ["127.0.0.1"]})
    policy = OutboundPolicy(private_networks=["10.0.0.0/8"], resolver=resolver)
    for url in (f"http://127.0.0.1:{server.port}/v1", f"http://vllm.internal:{server.port}/v1"):
        with pytest.raises(OutboundUrlBlocked):
            await fetch(policy, "private", url)
    assert server.hits == []


async def test_a_mode_the_operator_disabled_connects_nowhere(server):
    policy = OutboundPolicy(tenant_modes=["cloud"])
    with pytest.raises(OutboundUrlBlocked) as refused:
        await fetch(policy, "local", f"http://127.0.0.1:{server.port}/v1")
    assert refused.value.params["reason"] == "mode"
    # Alert webhooks are not a tenant's deployment mode: cloud rules, whatever the operator set.
    operator = OutboundPolicy(["127.0.0.1"], tenant_modes=["local"])
    webhook = GuardedConnector(operator.guard("cloud", tenant_mode=False))
    async with (
        aiohttp.ClientSession(connector=webhook) as http,
        http.get(f"http://127.0.0.1:{server.port}/hook") as response,
    ):
        assert response.status == 200


async def test_the_allowlist_exempts_hosts_at_connect_too(server):
    resolver = ScriptedResolver({"fake.vendor": ["127.0.0.1"]})
    by_name = OutboundPolicy(["fake.vendor"], resolver=resolver)
    by_address = OutboundPolicy(["127.0.0.1/32"], resolver=resolver)
    assert await fetch(by_name, "cloud", f"http://fake.vendor:{server.port}/v1") == 200
    assert await fetch(by_address, "cloud", f"http://fake.vendor:{server.port}/v1") == 200
    assert await fetch(by_address, "cloud", f"http://127.0.0.1:{server.port}/v1") == 200


async def test_a_provider_connection_uses_the_guard_and_follows_no_redirect(server):
    policy = OutboundPolicy()
    entry = CATALOG["openai_compatible"]
    base = f"http://127.0.0.1:{server.port}/v1"
    for mode, expected in (("cloud", OutboundUrlBlocked), ("private", UpstreamInvalidRequest)):
        connection = ProviderConnection(
            entry, base_url=base, deployment_mode=mode,
            connector_factory=guarded_connectors(policy.guard(mode)),
        )
        try:
            result = await build_provider(connection).health_check()
        finally:
            await connection.close()
        assert isinstance(result.error, expected), result.error
    assert server.hits == ["/v1/models"]  # private mode reached it; the redirect was not followed


async def test_an_alert_webhook_whose_name_turns_to_loopback_is_not_posted(server, caplog):
    resolver = ScriptedResolver({"hooks.example": ["127.0.0.1"]})
    resolver.then("hooks.example", ["8.8.8.8"])  # the send-time early check: public
    url = f"http://hooks.example:{server.port}/hook"

    async def lookup(_tenant_id: str) -> str:
        return url

    alerts = AlertDispatcher(
        webhook_url=lookup, outbound=OutboundPolicy(resolver=resolver), catalogs=load_catalogs()
    )
    await alerts.start()
    ref = ProviderRef("p-1", "t-1", "primary", "openai")
    with caplog.at_level(logging.WARNING):
        before, after = HealthState(status="healthy"), HealthState(status="degraded")
        alerts.emit(Transition(ref, before, after, "3 consecutive failures"))
        await alerts.close()
    assert server.hits == []
    assert any("alert webhook of tenant t-1 is blocked" in r.getMessage() for r in caplog.records)
    assert any(r.name == "turnout.outbound" for r in caplog.records)
