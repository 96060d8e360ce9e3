"""The outbound guard for httpx clients (the Label Studio SDK talks httpx, not aiohttp).

httpx resolves and connects inside httpcore's network backend, so the guard sits there: a
backend that resolves the name itself, checks every address with the same `ConnectGuard` as
the aiohttp connector (`outbound_connect.py`), and connects to an approved address. TLS still
verifies and sends the name (httpcore starts TLS with the request's host), so certificates keep
working. Proxies from the environment are not used: a proxy would make the connection on our
behalf, past the guard.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from turnout.errors import OutboundUrlBlocked
from turnout.security.addresses import IPAddress, literal_address
from turnout.security.outbound import AddressRefused, ConnectGuard


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the guard allows, resolving names itself."""

    def __init__(self, guard: ConnectGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's own signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._approved(host, port)
        except AddressRefused as refused:
            raise OutboundUrlBlocked(
                url=f"{host}:{port}", reason=refused.reason, details={"host": refused.host}
            ) from None
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} resolved to no address")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not outbound destinations")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def _approved(self, host: str, port: int) -> list[IPAddress]:
        exempt = self._guard.check_host(host)
        literal = literal_address(host)
        if literal is not None:
            if not exempt:
                self._guard.check_address(host, literal)
            return [literal]
        try:
            answers = await self._guard.policy.resolver.resolve(host, port, socket.AF_UNSPEC)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [a for a in (literal_address(r["host"]) for r in answers) if a is not None]
        if not exempt:
            for address in addresses:
                self._guard.check_address(host, address)
        return addresses


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over a guarded connection pool."""

    def __init__(self, guard: ConnectGuard, **pool: Any) -> None:
        super().__init__()
        # httpx takes no network backend, so the pool it built is replaced by an equivalent one
        # over the guarded backend (same TLS context, HTTP/1.1).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=GuardedNetworkBackend(guard),
            **pool,
        )


def guarded_httpx_client(guard: ConnectGuard, *, timeout_s: float = 30.0) -> httpx.AsyncClient:
    """An httpx client whose every connection goes only where `guard` allows."""
    return httpx.AsyncClient(
        transport=GuardedTransport(guard), timeout=timeout_s, trust_env=False,
        follow_redirects=False,
    )
