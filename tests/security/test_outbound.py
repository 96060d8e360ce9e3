from __future__ import annotations

import pytest

from turnout.errors import OutboundUrlBlocked
from turnout.security.outbound import OutboundPolicy

BLOCKED_EVERYWHERE = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://100.100.100.200/latest/meta-data",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://169.254.10.1:8080/",
    "http://[fe80::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://0.0.0.0:11434/",
    "file:///etc/passwd",
    "gopher://127.0.0.1/",
]
INTERNAL = [
    "http://127.0.0.1:11434",
    "http://localhost:8000/v1",
    "http://10.0.0.5/v1",
    "http://192.168.1.20:8000",
    "http://[::1]:11434",
    "http://100.64.1.1/",
]


@pytest.mark.parametrize("mode", ["cloud", "local", "private"])
@pytest.mark.parametrize("url", BLOCKED_EVERYWHERE)
async def test_metadata_link_local_and_odd_schemes_are_refused_in_every_mode(url, mode):
    with pytest.raises(OutboundUrlBlocked):
        await OutboundPolicy().check(url, deployment_mode=mode)


@pytest.mark.parametrize("url", INTERNAL)
async def test_internal_addresses_only_for_local_and_private_modes(url):
    policy = OutboundPolicy()
    with pytest.raises(OutboundUrlBlocked) as refused:
        await policy.check(url, deployment_mode="cloud")
    assert refused.value.params["reason"] == "private"
    await policy.check(url, deployment_mode="local")
    await policy.check(url, deployment_mode="private")


async def test_allowlist_overrides_by_cidr_and_by_host():
    policy = OutboundPolicy(["127.0.0.0/8", "metadata.google.internal"])
    await policy.check("http://127.0.0.1:9000/v1", deployment_mode="cloud")
    await policy.check("http://metadata.google.internal/", deployment_mode="cloud")
    with pytest.raises(OutboundUrlBlocked):
        await policy.check("http://10.0.0.1/", deployment_mode="cloud")


async def test_public_hosts_pass():
    await OutboundPolicy().check("https://8.8.8.8/v1", deployment_mode="cloud")
    await OutboundPolicy().check("https://api.openai.com/v1", deployment_mode="cloud")
