"""The outbound URL guard: user-configured URLs may not reach metadata or internal addresses.

Cloud-mode providers may reach only public addresses. Local and private modes may also reach
loopback and private ranges (an Ollama on the same host, a vLLM in the VPC). Link-local and cloud
metadata endpoints are refused in every mode. `TURNOUT_OUTBOUND_ALLOWLIST` entries (host names,
IP addresses or CIDRs) override all of this for the hosts they name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from turnout.errors import OutboundUrlBlocked

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Metadata services of AWS/GCP/Azure/OpenStack (169.254.169.254, AWS IPv6), Alibaba Cloud and
# Tencent Cloud (100.100.100.200 and metadata.tencentyun.com → 169.254.0.23).
_METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("169.254.0.23"),
}
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "metadata.tencentyun.com"}
LOCAL_MODES = frozenset({"local", "private"})


class OutboundPolicy:
    """Checks URLs against the deployment mode and the operator's allow-list."""

    def __init__(self, allowlist: Sequence[str] = ()) -> None:
        self._hosts: set[str] = set()
        self._networks: list[Network] = []
        for entry in allowlist:
            try:
                self._networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self._hosts.add(entry.lower().rstrip("."))

    async def check(self, url: str, *, deployment_mode: str) -> None:
        """Raise OutboundUrlBlocked unless `url` may be called in `deployment_mode`."""
        host = _host_of(url)
        if host in self._hosts:
            return
        if host in _METADATA_HOSTS:
            raise OutboundUrlBlocked(url=url, reason="metadata", details={"host": host})
        for address in await _addresses(host):
            if any(address in network for network in self._networks):
                continue
            reason = classify(address, local_allowed=deployment_mode in LOCAL_MODES)
            if reason:
                raise OutboundUrlBlocked(url=url, reason=reason, details={"host": host})


def classify(address: IPAddress, *, local_allowed: bool) -> str | None:
    """Why `address` is refused, or None when it may be called."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in _METADATA_ADDRESSES:
        return "metadata"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast or address.is_unspecified:
        return "reserved"
    if address.is_loopback or address.is_private or _is_shared(address):
        return None if local_allowed else "private"
    return "reserved" if address.is_reserved else None


def _is_shared(address: IPAddress) -> bool:
    # 100.64.0.0/10 (carrier-grade NAT) is neither global nor private in the stdlib's view.
    return isinstance(address, ipaddress.IPv4Address) and address in _SHARED_SPACE


_SHARED_SPACE = ipaddress.ip_network("100.64.0.0/10")


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundUrlBlocked(url=url, reason="scheme", details={"scheme": parts.scheme})
    return parts.hostname.lower().rstrip(".")


async def _addresses(host: str) -> Iterable[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return [ipaddress.ip_address("127.0.0.1")]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        # Unresolvable now: nothing to connect to. It is checked again whenever it is saved.
        return []
    return {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
