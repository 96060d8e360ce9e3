"""The authenticator's cache: one database read per credential at a time, refreshed ahead of
expiry in the background, and never caching what a revocation made stale."""

from __future__ import annotations

import asyncio

import pytest

from turnout.errors import InvalidCredentials
from turnout.security.authenticator import Authenticator
from turnout.security.roles import Principal, Role

KEY = "tk-test-key-0123456789"
TTL = 5.0


class ScriptedAuthenticator(Authenticator):
    """Reads API keys from a dict instead of the database, counting reads; `gate` holds them."""

    def __init__(self) -> None:
        self.now = 100.0
        super().__init__(sessions=None, tokens=None, cache_ttl_s=TTL, clock=lambda: self.now)  # type: ignore[arg-type]
        self.keys = {KEY: Principal("tenant-1", Role.MEMBER, "api_key", "key-1", "k")}
        self.reads = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def _load_key(self, credential: str) -> Principal:
        self.reads += 1
        await self.gate.wait()
        principal = self.keys.get(credential)
        if principal is None:
            raise InvalidCredentials()
        return principal


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_concurrent_misses_share_one_read() -> None:
    auth = ScriptedAuthenticator()
    auth.gate.clear()
    waiting = [asyncio.create_task(auth.authenticate(KEY)) for _ in range(50)]
    await settle()
    auth.gate.set()
    principals = await asyncio.gather(*waiting)
    assert auth.reads == 1
    assert {p.id for p in principals} == {"key-1"}


async def test_a_fresh_entry_is_served_without_a_read() -> None:
    auth = ScriptedAuthenticator()
    await auth.authenticate(KEY)
    auth.now += TTL * 0.5
    await auth.authenticate(KEY)
    await settle()
    assert auth.reads == 1


async def test_an_entry_near_expiry_is_served_at_once_and_refreshed_in_the_background() -> None:
    auth = ScriptedAuthenticator()
    await auth.authenticate(KEY)
    auth.gate.clear()  # the refresh will not finish until we say so
    auth.now += TTL * 0.9
    served = await asyncio.wait_for(auth.authenticate(KEY), timeout=30)
    await auth.authenticate(KEY)  # a second caller does not start a second refresh
    assert served.id == "key-1"
    assert auth.reads == 2
    auth.gate.set()
    await settle()
    auth.now += TTL * 0.5  # past the old expiry, inside the refreshed one
    await auth.authenticate(KEY)
    await settle()
    assert auth.reads == 2


async def test_a_key_revoked_meanwhile_is_dropped_by_the_background_refresh() -> None:
    auth = ScriptedAuthenticator()
    await auth.authenticate(KEY)
    del auth.keys[KEY]
    auth.now += TTL * 0.9
    await auth.authenticate(KEY)  # still inside its lifetime: served, and re-read
    await settle()
    with pytest.raises(InvalidCredentials):
        await auth.authenticate(KEY)


async def test_a_read_begun_before_forget_is_not_cached() -> None:
    auth = ScriptedAuthenticator()
    auth.gate.clear()
    pending = asyncio.create_task(auth.authenticate(KEY))
    await settle()
    auth.forget(principal_id="key-1")  # revoked while the read was in flight
    auth.gate.set()
    await pending
    await auth.authenticate(KEY)
    assert auth.reads == 2


async def test_a_caller_that_goes_away_does_not_cancel_the_shared_read() -> None:
    auth = ScriptedAuthenticator()
    auth.gate.clear()
    leaving = asyncio.create_task(auth.authenticate(KEY))
    staying = asyncio.create_task(auth.authenticate(KEY))
    await settle()
    leaving.cancel()
    auth.gate.set()
    assert (await staying).id == "key-1"
    assert auth.reads == 1
