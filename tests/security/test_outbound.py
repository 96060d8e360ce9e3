"""The outbound URL guard when a URL is saved: every spelling of a forbidden address is refused."""

from __future__ import annotations

import ipaddress

import pytest

from tests.security.resolvers import ScriptedResolver
from tests.security.ssrf_cases import ALL_LITERALS, NOT_HTTP, PUBLIC, RESOLVED_NAMES, Case
from turnout.errors import OutboundUrlBlocked, ValidationFailed
from turnout.security.addresses import classify, embedded_ipv4
from turnout.security.outbound import OutboundPolicy


def url_of(case: Case) -> str:
    return f"http://{case.host}:8000/v1"


async def refusal(policy: OutboundPolicy, url: str, mode: str) -> str | None:
    try:
        await policy.check(url, deployment_mode=mode)
    except OutboundUrlBlocked as refused:
        return str(refused.params["reason"])
    return None


@pytest.mark.parametrize("case", ALL_LITERALS, ids=lambda c: c.host)
async def test_every_spelling_is_judged_by_the_address_it_reaches(case):
    policy = OutboundPolicy()
    assert await refusal(policy, url_of(case), "cloud") == case.cloud
    assert await refusal(policy, url_of(case), "local") == case.local
    assert await refusal(policy, url_of(case), "private") == case.local


@pytest.mark.parametrize(("name", "addresses", "cloud", "local"), RESOLVED_NAMES)
async def test_a_name_is_refused_when_any_of_its_addresses_is(name, addresses, cloud, local):
    policy = OutboundPolicy(resolver=ScriptedResolver({name: addresses}))
    assert await refusal(policy, f"https://{name}/v1", "cloud") == cloud
    assert await refusal(policy, f"https://{name}/v1", "private") == local


@pytest.mark.parametrize("url", NOT_HTTP)
async def test_only_http_and_https_are_allowed(url):
    assert await refusal(OutboundPolicy(), url, "local") == "scheme"


async def test_a_name_that_does_not_resolve_yet_is_accepted_when_saved():
    # Nothing to connect to now; the connection checks the address it will resolve to then.
    resolver = ScriptedResolver()
    policy = OutboundPolicy(resolver=resolver)
    assert await refusal(policy, "https://later.example/v1", "cloud") is None
    assert resolver.asked == ["later.example"]


async def test_private_networks_are_the_operators_list():
    policy = OutboundPolicy(private_networks=["10.0.0.0/8"])
    assert await refusal(policy, "http://10.1.2.3/v1", "private") is None
    assert await refusal(policy, "http://[::ffff:10.1.2.3]/v1", "local") is None
    assert await refusal(policy, "http://127.0.0.1:11434", "local") == "private"
    assert await refusal(policy, "http://192.168.1.20/v1", "private") == "private"
    assert await refusal(policy, "http://10.1.2.3/v1", "cloud") == "private"
    # Metadata stays out of reach even inside an allowed network.
    wide = OutboundPolicy(private_networks=["169.254.0.0/16"])
    assert await refusal(wide, "http://169.254.169.254/", "private") == "metadata"
    assert await refusal(wide, "http://169.254.10.1/", "private") is None


async def test_no_private_networks_leaves_local_modes_public_only():
    policy = OutboundPolicy(private_networks=[])
    assert await refusal(policy, "http://127.0.0.1:11434", "local") == "private"
    assert await refusal(policy, "https://8.8.8.8/v1", "local") is None


async def test_allowlist_overrides_by_cidr_and_by_host():
    policy = OutboundPolicy(["127.0.0.0/8", "metadata.google.internal"])
    assert await refusal(policy, "http://127.0.0.1:9000/v1", "cloud") is None
    assert await refusal(policy, "http://metadata.google.internal/", "cloud") is None
    assert await refusal(policy, "http://10.0.0.1/", "cloud") == "private"


def test_a_mode_the_operator_did_not_enable_is_refused_on_its_field():
    policy = OutboundPolicy(tenant_modes=["cloud"])
    policy.require_mode("cloud")
    with pytest.raises(ValidationFailed) as refused:
        policy.require_mode("local")
    assert refused.value.fields == [
        {"field": "deployment_mode", "code": "validation.mode_not_enabled"}
    ]


@pytest.mark.parametrize("case", PUBLIC, ids=lambda c: c.host)
def test_embedded_public_addresses_are_public(case):
    address = ipaddress.ip_address(case.host.strip("[]"))
    assert classify(address) is None
    assert all(classify(inner) is None for inner in embedded_ipv4(address))


def test_teredo_is_judged_by_the_inverted_client_address():
    address = ipaddress.ip_address("2001:0:4136:e378:8000:63bf:80ff:fffe")
    assert embedded_ipv4(address) == (
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("65.54.227.120"),
    )
