"""Which IP addresses an outbound call may reach, and why an address is refused.

An IPv6 address that carries an IPv4 address is judged by that IPv4 address, since that is where
the packets end up: IPv4-mapped `::ffff:a.b.c.d` and IPv4-compatible `::a.b.c.d` (RFC 4291),
6to4 `2002:AABB:CCDD::/48` (RFC 3056), NAT64 `64:ff9b::a.b.c.d` (RFC 6052) and Teredo
`2001:0::/32` (RFC 4380: the server's address in bits 32–63, the client's inverted in the last
32 bits).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Metadata services of AWS/GCP/Azure/OpenStack (169.254.169.254, AWS IPv6), Alibaba Cloud and
# Tencent Cloud (100.100.100.200 and metadata.tencentyun.com → 169.254.0.23).
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
        ipaddress.ip_address("169.254.0.23"),
    }
)
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "metadata.tencentyun.com"})

_SHARED_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# Not public, though Python 3.11's tables call them global: deprecated site-local (RFC 3879)
# and local-use NAT64 (RFC 8215, whose embedding depends on the operator's prefix length).
_NOT_PUBLIC_V6 = (ipaddress.ip_network("fec0::/10"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address leads to; empty when it carries none."""
    if isinstance(address, ipaddress.IPv4Address):
        return ()
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        server, client = address.teredo
        return (client, server)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64:
        return (low32,)
    if address in _IPV4_COMPATIBLE and int(address) > 1:  # `::` and `::1` are themselves
        return (low32,)
    return ()


def classify(address: IPAddress, *, reachable: Sequence[Network] = ()) -> str | None:
    """Why `address` is refused, or None when it may be called.

    Public addresses may always be called; other addresses only inside `reachable` (the
    operator's private networks). Metadata, multicast and unspecified addresses never.
    """
    inner = embedded_ipv4(address)
    if inner:
        return next((r for a in inner if (r := classify(a, reachable=reachable))), None)
    if address in METADATA_ADDRESSES:
        return "metadata"
    if address.is_multicast or address.is_unspecified:
        return "reserved"
    if is_public(address) or any(address in network for network in reachable):
        return None
    if address.is_link_local:
        return "link_local"
    if address.is_loopback or address.is_private or _is_local(address):
        return "private"
    return "reserved"


def is_public(address: IPAddress) -> bool:
    """Globally routable, and not one of the ranges Python's tables miss."""
    if embedded := embedded_ipv4(address):
        return all(is_public(inner) for inner in embedded)
    return (
        address.is_global
        and not address.is_reserved
        and not address.is_multicast
        and not _is_local(address)
    )


def _is_local(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv4Address):
        return address in _SHARED_SPACE
    return any(address in network for network in _NOT_PUBLIC_V6)


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP literal stands for, else None (a name).

    Legacy IPv4 spellings (`2130706433`, `0x7f.1`, `017700000001`, `127.1`) are read the way
    the C library's `inet_aton` reads them, as `getaddrinfo` and so every HTTP client would.
    """
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def parse_networks(entries: Sequence[str]) -> list[Network]:
    """CIDRs (a bare address is a /32 or /128); raises ValueError for anything else."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]
