"""A resolver seam: names answer what the test says, and the answer can change between calls."""

from __future__ import annotations

import socket
from collections.abc import Sequence

from aiohttp.abc import AbstractResolver, ResolveResult


class ScriptedResolver(AbstractResolver):
    """Each name answers its current addresses; a queued answer is used once, first."""

    def __init__(self, table: dict[str, Sequence[str]] | None = None) -> None:
        self.table: dict[str, list[str]] = {k: list(v) for k, v in (table or {}).items()}
        self.queued: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def answer(self, name: str, *addresses: str) -> None:
        """From now on `name` resolves to `addresses` (none: it does not resolve)."""
        self.table[name] = list(addresses)

    def then(self, name: str, *answers: Sequence[str]) -> None:
        """The next lookups of `name` answer these, in turn, before the table's answer."""
        self.queued.setdefault(name, []).extend(list(a) for a in answers)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        queued = self.queued.get(host)
        addresses = queued.pop(0) if queued else self.table.get(host, [])
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_result(host, address, port) for address in addresses]

    async def close(self) -> None:
        return None


def _result(host: str, address: str, port: int) -> ResolveResult:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return ResolveResult(
        hostname=host, host=address, port=port, family=family, proto=0,
        flags=socket.AI_NUMERICHOST,
    )
