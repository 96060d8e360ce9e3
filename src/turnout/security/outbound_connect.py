"""The outbound guard at connect time: the address checked is the address connected to.

Every aiohttp session Turnout opens towards a tenant's URL (provider calls, health checks,
connection tests, alert webhooks) uses a `GuardedConnector`. Names go through `GuardedResolver`,
which refuses the whole answer when any address in it is forbidden, so a name that resolves to a
public address when saved and to 127.0.0.1 later (DNS rebinding) is refused before any packet is
sent; aiohttp's DNS cache only ever holds approved answers. aiohttp never asks the resolver about
IP literals (`TCPConnector._resolve_host`), so the connector checks those itself.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace

from turnout.errors import OutboundUrlBlocked
from turnout.security.addresses import IPAddress, literal_address
from turnout.security.outbound import AddressRefused, ConnectGuard

log = logging.getLogger("turnout.outbound")


class GuardedResolver(AbstractResolver):
    """Resolves through `inner`, then refuses names and answers the guard forbids."""

    def __init__(self, guard: ConnectGuard, inner: AbstractResolver) -> None:
        self._guard = guard
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        exempt = self._guard.check_host(host)
        answers = await self._inner.resolve(host, port, family)
        if not exempt:
            for answer in answers:
                self._guard.check_address(host, _address_of(answer))
        return answers

    async def close(self) -> None:
        return None  # the inner resolver is shared; its owner closes it


class GuardedConnector(aiohttp.TCPConnector):
    """A pooled TCP connector whose every new connection goes only where the guard allows."""

    def __init__(self, guard: ConnectGuard, **options: Any) -> None:
        resolver = GuardedResolver(guard, guard.policy.resolver)
        super().__init__(resolver=resolver, **options)
        self._guard = guard

    async def connect(
        self,
        req: ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's own signature
    ) -> Connection:
        try:
            self._check_literal(req.url.raw_host or "")
            return await super().connect(req, traces, timeout)
        except AddressRefused as refused:
            raise self._blocked(req, refused) from None

    def _check_literal(self, host: str) -> None:
        address = _literal(host)
        if address is not None and not self._guard.check_host(host):
            self._guard.check_address(host, address)

    def _blocked(self, req: ClientRequest, refused: AddressRefused) -> OutboundUrlBlocked:
        log.warning(
            "outbound connection refused host=%s address=%s deployment_mode=%s reason=%s",
            refused.host,
            refused.address,
            self._guard.deployment_mode,
            refused.reason,
        )
        origin = str(req.url.origin())
        return OutboundUrlBlocked(url=origin, reason=refused.reason, details={"host": refused.host})


def guarded_connectors(guard: ConnectGuard) -> Callable[..., aiohttp.BaseConnector]:
    """A connector factory for `ProviderConnection`: pool options in, a guarded connector out."""
    return functools.partial(GuardedConnector, guard)


@functools.lru_cache(maxsize=1024)
def _literal(host: str) -> IPAddress | None:
    return literal_address(host)


def _address_of(answer: ResolveResult) -> IPAddress:
    address = literal_address(answer["host"])
    if address is None:  # a resolver answers addresses; anything else is not connectable here
        raise AddressRefused(answer["hostname"], None, "reserved")
    return address
