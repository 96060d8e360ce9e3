"""The outbound guard for httpx clients (the Label Studio SDK): same spellings, same answers."""

from __future__ import annotations

import httpx
import pytest

from tests.security.resolvers import ScriptedResolver
from tests.security.ssrf_cases import Case
from tests.security.test_outbound_connect import CONNECT_CASES, REFUSED_NAMES, server  # noqa: F401
from turnout.errors import OutboundUrlBlocked
from turnout.security.outbound import OutboundPolicy
from turnout.security.outbound_httpx import guarded_httpx_client


async def get(policy: OutboundPolicy, mode: str, url: str) -> int:
    async with guarded_httpx_client(policy.guard(mode)) as http:
        return (await http.get(url)).status_code


@pytest.mark.parametrize("case", CONNECT_CASES, ids=lambda c: c.host)
async def test_every_forbidden_spelling_is_refused_before_connecting(server, case: Case):  # noqa: F811
    # httpx itself refuses some spellings as invalid URLs (dotted octal); either way, no packet.
    with pytest.raises((OutboundUrlBlocked, httpx.InvalidURL)) as refused:
        await get(OutboundPolicy(), "cloud", f"http://{case.host}:{server.port}/v1")
    if isinstance(refused.value, OutboundUrlBlocked):
        assert refused.value.params["reason"] == case.cloud
    assert server.hits == []


@pytest.mark.parametrize(("name", "addresses", "cloud", "local"), REFUSED_NAMES)
async def test_a_name_is_judged_by_what_it_resolves_to_when_connecting(
    server, name, addresses, cloud, local  # noqa: F811
):
    policy = OutboundPolicy(resolver=ScriptedResolver({name: addresses}))
    with pytest.raises(OutboundUrlBlocked) as refused:
        await get(policy, "cloud", f"http://{name}:{server.port}/v1")
    assert refused.value.params["reason"] == cloud
    assert server.hits == []


async def test_rebinding_is_refused_at_the_next_connection(server):  # noqa: F811
    resolver = ScriptedResolver()
    resolver.then("rebind.example", ["127.0.0.1"], ["169.254.169.254"])
    policy = OutboundPolicy(resolver=resolver)
    url = f"http://rebind.example:{server.port}/v1"
    assert await get(policy, "local", url) == 200
    with pytest.raises(OutboundUrlBlocked) as refused:
        await get(policy, "local", url)
    assert refused.value.params["reason"] == "metadata"
    assert server.hits == ["/v1"]


async def test_an_allowed_destination_is_reached_by_literal_and_by_name(server):  # noqa: F811
    policy = OutboundPolicy(resolver=ScriptedResolver({"ls.example": ["127.0.0.1"]}))
    assert await get(policy, "local", f"http://127.0.0.1:{server.port}/a") == 200
    assert await get(policy, "local", f"http://ls.example:{server.port}/b") == 200
    assert server.hits == ["/a", "/b"]


async def test_redirects_are_not_followed_and_environment_proxies_not_used(server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HTTP_PROXY", "http://169.254.169.254:80")
    policy = OutboundPolicy()
    assert await get(policy, "local", f"http://127.0.0.1:{server.port}/v1/models") == 302
    assert server.hits == ["/v1/models"]
