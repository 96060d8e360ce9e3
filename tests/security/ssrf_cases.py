"""Outbound URL guard cases as data: one table per class of spelling, read by the tests.

A host is written as it appears in a URL (IPv6 in brackets). `cloud` is the reason a cloud-mode
config is refused, `local` the reason a local/private-mode config is refused with the default
private networks (loopback only), None where it may be called.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    host: str
    cloud: str | None
    local: str | None


# 127.0.0.1 spelled the ways inet_aton (and so getaddrinfo and every HTTP client) reads it.
NUMERIC_IPV4 = [
    Case("2130706433", "private", None),  # decimal
    Case("017700000001", "private", None),  # octal
    Case("0177.0.0.1", "private", None),  # octal dotted
    Case("0x7f000001", "private", None),  # hex
    Case("0x7f.1", "private", None),  # hex, short form
    Case("127.1", "private", None),  # short form
]

# IPv6 addresses that embed an IPv4 address are judged by the IPv4 address.
EMBEDDED_IPV4 = [
    Case("[::ffff:127.0.0.1]", "private", None),  # IPv4-mapped
    Case("[::ffff:7f00:1]", "private", None),
    Case("[::ffff:169.254.169.254]", "metadata", "metadata"),
    Case("[::127.0.0.1]", "private", None),  # IPv4-compatible (deprecated)
    Case("[2002:7f00:1::]", "private", None),  # 6to4 of 127.0.0.1
    Case("[2002:a9fe:a9fe::]", "metadata", "metadata"),  # 6to4 of 169.254.169.254
    Case("[2002:a00:1::]", "private", "private"),  # 6to4 of 10.0.0.1
    Case("[64:ff9b::7f00:1]", "private", None),  # NAT64 of 127.0.0.1
    Case("[64:ff9b::a9fe:a9fe]", "metadata", "metadata"),  # NAT64 of 169.254.169.254
    Case("[2001:0:4136:e378:8000:63bf:80ff:fffe]", "private", None),  # Teredo, client 127.0.0.1
    Case("[2001:0:4136:e378:8000:63bf:5601:5601]", "metadata", "metadata"),  # client = metadata
]

# Unspecified, link-local, multicast and cloud metadata: refused in every mode.
RESERVED_AND_METADATA = [
    Case("0.0.0.0", "reserved", "reserved"),
    Case("[::]", "reserved", "reserved"),
    Case("224.0.0.1", "reserved", "reserved"),
    Case("169.254.10.1", "link_local", "link_local"),
    Case("[fe80::1]", "link_local", "link_local"),
    Case("169.254.169.254", "metadata", "metadata"),
    Case("[fd00:ec2::254]", "metadata", "metadata"),
    Case("100.100.100.200", "metadata", "metadata"),
    Case("metadata.google.internal", "metadata", "metadata"),
    Case("metadata", "metadata", "metadata"),
    Case("metadata.tencentyun.com", "metadata", "metadata"),
]

# Internal networks: only local/private modes, and only inside TURNOUT_PRIVATE_NETWORKS.
INTERNAL = [
    Case("127.0.0.1", "private", None),
    Case("[::1]", "private", None),
    Case("localhost", "private", None),
    Case("ollama.localhost", "private", None),
    Case("10.0.0.5", "private", "private"),
    Case("192.168.1.20", "private", "private"),
    Case("172.16.3.4", "private", "private"),
    Case("100.64.1.1", "private", "private"),  # carrier-grade NAT
    Case("[fc00::1]", "private", "private"),  # unique local
    Case("[fec0::1]", "private", "private"),  # site-local (deprecated)
]

# Public addresses, also when embedded: every mode may call them.
PUBLIC = [
    Case("8.8.8.8", None, None),
    Case("[2606:4700:4700::1111]", None, None),
    Case("[::ffff:8.8.8.8]", None, None),
    Case("[2002:808:808::]", None, None),  # 6to4 of 8.8.8.8
    Case("[64:ff9b::808:808]", None, None),  # NAT64 of 8.8.8.8 (DNS64 networks)
    Case("[2001:0:4136:e378:8000:63bf:f7f7:f7f7]", None, None),  # Teredo, client 8.8.8.8
]

LITERAL_TABLES = [NUMERIC_IPV4, EMBEDDED_IPV4, RESERVED_AND_METADATA, INTERNAL, PUBLIC]
ALL_LITERALS = [case for table in LITERAL_TABLES for case in table]
# Hosts the guard must refuse without any DNS (literals and reserved names).
REFUSED_IN_CLOUD = [case for case in ALL_LITERALS if case.cloud is not None]

# Names and what the resolver answers for them: a name is refused when any answer is.
RESOLVED_NAMES = [
    ("loopback.example", ["127.0.0.1"], "private", None),
    ("mixed.example", ["8.8.8.8", "10.0.0.1"], "private", "private"),
    ("mapped.example", ["::ffff:127.0.0.1"], "private", None),
    ("meta.example", ["169.254.169.254"], "metadata", "metadata"),
    ("sixtofour.example", ["2002:a9fe:a9fe::"], "metadata", "metadata"),
    ("public.example", ["8.8.8.8", "2606:4700:4700::1111"], None, None),
]

NOT_HTTP = ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://8.8.8.8/", "http:///nohost"]
