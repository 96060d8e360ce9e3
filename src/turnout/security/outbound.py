"""The outbound URL guard: tenant-configured URLs may not reach metadata or internal addresses.

Cloud-mode providers and alert webhooks may reach only public addresses. Local and private modes
may also reach the operator's private networks (`TURNOUT_PRIVATE_NETWORKS`: an Ollama on the same
host, a vLLM in the VPC), and only the modes the operator allows tenants to pick
(`TURNOUT_TENANT_DEPLOYMENT_MODES`). Link-local and cloud metadata endpoints are refused in every
mode. `TURNOUT_OUTBOUND_ALLOWLIST` entries (host names, IP addresses or CIDRs) override all of
this for the hosts they name.

A URL is checked when it is saved, for early feedback, and the address is checked again at every
connection (`outbound_connect.py`): a name may resolve elsewhere later (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from turnout.errors import OutboundUrlBlocked, ValidationFailed
from turnout.security.addresses import (
    METADATA_HOSTS,
    IPAddress,
    Network,
    classify,
    literal_address,
    parse_networks,
)

__all__ = ["LOCAL_MODES", "ConnectGuard", "OutboundPolicy", "SystemResolver", "classify"]

DEPLOYMENT_MODES = ("cloud", "local", "private")
LOCAL_MODES = frozenset({"local", "private"})
# Enough for a fresh single-host install to reach its own Ollama or vLLM.
DEFAULT_PRIVATE_NETWORKS = ("127.0.0.0/8", "::1/128")


class SystemResolver(AbstractResolver):
    """The operating system's resolver (getaddrinfo in a thread) of whichever loop is running."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return await ThreadedResolver(asyncio.get_running_loop()).resolve(host, port, family)

    async def close(self) -> None:
        return None


class OutboundPolicy:
    """Where tenants' URLs may lead: checked when saved (`check`) and at connect (`guard`)."""

    def __init__(
        self,
        allowlist: Sequence[str] = (),
        *,
        private_networks: Sequence[str] = DEFAULT_PRIVATE_NETWORKS,
        tenant_modes: Sequence[str] = DEPLOYMENT_MODES,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self._hosts: set[str] = set()
        self._exempt: list[Network] = []
        for entry in allowlist:
            try:
                self._exempt.extend(parse_networks([entry]))
            except ValueError:
                self._hosts.add(entry.lower().rstrip("."))
        self._private = parse_networks(private_networks)
        self.tenant_modes = frozenset(tenant_modes)
        self.resolver: AbstractResolver = resolver or SystemResolver()

    def require_mode(self, deployment_mode: str) -> None:
        """Refuse (422 on the field) a deployment mode the operator does not let tenants pick."""
        if deployment_mode not in self.tenant_modes:
            issue = {"field": "deployment_mode", "code": "validation.mode_not_enabled"}
            raise ValidationFailed([issue])

    async def check(self, url: str, *, deployment_mode: str) -> None:
        """Raise OutboundUrlBlocked unless `url` may be called in `deployment_mode` now."""
        host = host_of(url)
        if self.host_exempt(host):
            return
        if host in METADATA_HOSTS:
            raise OutboundUrlBlocked(url=url, reason="metadata", details={"host": host})
        for address in await self._addresses(host):
            reason = self.refusal(address, deployment_mode=deployment_mode)
            if reason:
                raise OutboundUrlBlocked(url=url, reason=reason, details={"host": host})

    def guard(self, deployment_mode: str, *, tenant_mode: bool = True) -> ConnectGuard:
        """What a connection in `deployment_mode` may reach; `tenant_mode`: the operator's
        allowed modes apply (provider configs), not for alert webhooks (always cloud)."""
        refused = tenant_mode and deployment_mode not in self.tenant_modes
        return ConnectGuard(self, deployment_mode, mode_refused=refused)

    def host_exempt(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._hosts

    def refusal(self, address: IPAddress, *, deployment_mode: str) -> str | None:
        """Why `address` may not be called in `deployment_mode`, or None."""
        if any(address in network for network in self._exempt):
            return None
        reachable = self._private if deployment_mode in LOCAL_MODES else ()
        return classify(address, reachable=reachable)

    async def _addresses(self, host: str) -> list[IPAddress]:
        literal = literal_address(host)
        if literal is not None:
            return [literal]
        if host == "localhost" or host.endswith(".localhost"):
            return [ipaddress.IPv4Address("127.0.0.1")]
        try:
            found = await self.resolver.resolve(host, 0, family=socket.AF_UNSPEC)
        except (OSError, UnicodeError):
            # Unresolvable now (UnicodeError: no IDNA form, e.g. a label over 63 characters):
            # nothing to connect to. Every connection checks the address it resolves to.
            return []
        return [a for a in (literal_address(r["host"]) for r in found) if a is not None]


@dataclass(frozen=True, slots=True)
class ConnectGuard:
    """The policy for one kind of connection; raises AddressRefused, never talks HTTP."""

    policy: OutboundPolicy
    deployment_mode: str
    mode_refused: bool = False

    def check_host(self, host: str) -> bool:
        """Refuse a host by its name; True when the allowlist exempts it from address checks."""
        if self.mode_refused:
            raise AddressRefused(host, None, "mode")
        if self.policy.host_exempt(host):
            return True
        if host.lower().rstrip(".") in METADATA_HOSTS:
            raise AddressRefused(host, None, "metadata")
        return False

    def check_address(self, host: str, address: IPAddress) -> None:
        reason = self.policy.refusal(address, deployment_mode=self.deployment_mode)
        if reason:
            raise AddressRefused(host, address, reason)


class AddressRefused(Exception):
    """A connection the guard refused; the connector turns it into OutboundUrlBlocked."""

    def __init__(self, host: str, address: IPAddress | None, reason: str) -> None:
        super().__init__(f"{host} ({address}): {reason}")
        self.host = host
        self.address = address
        self.reason = reason


def host_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundUrlBlocked(url=url, reason="scheme", details={"scheme": parts.scheme})
    return parts.hostname.lower().rstrip(".")
