"""Several worker processes, each with its own listening socket (SO_REUSEPORT).

uvicorn's supervisor binds one socket and hands it to every worker; the workers then race to
accept from it, and a burst of connections opened at once (a load balancer's pool, a load
generator) can land mostly on one worker: the benchmark saw 36 % against 75 % of a CPU. With a
socket per worker bound with SO_REUSEPORT, the kernel spreads new connections evenly over them.

The supervisor (start, restart, health pings, signals) stays uvicorn's. Only what it hands to
each worker changes: a `PerWorkerSocket` is sent to a spawned worker as the recipe for a socket,
so every worker — a restarted one too — binds its own. The supervisor's socket is bound (so a
busy port fails at once) but never listens, so the kernel gives it no connections.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bind_reuse_port(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) that other such sockets may share."""
    sock = PerWorkerSocket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class PerWorkerSocket(socket.socket):
    """Pickled (for a spawned worker) as the instruction to bind a fresh socket like it."""

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (bind_reuse_port, (host, port))


def ensure_port_free(host: str, port: int) -> None:
    """Refuse a port that anything holds, another Turnout's shared sockets included.

    Sockets bound with SO_REUSEPORT would otherwise share the port with a second instance
    started by mistake, splitting its traffic silently; a plain bind fails instead.
    """
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def serve_workers(config: uvicorn.Config) -> None:
    """Run `config.workers` worker processes, one listening socket each."""
    ensure_port_free(config.host, config.port)
    sock = bind_reuse_port(config.host, config.port)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
