"""Hashing runs off the event loop; an unknown user costs what a wrong password does."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from argon2 import Parameters, PasswordHasher, extract_parameters

from turnout.security import passwords
from turnout.security.passwords import (
    hash_password,
    hash_password_in_thread,
    verify_each,
    verify_each_in_thread,
    verify_password,
)

# An upper bound for what must not hang, far above what any machine takes: never a measure.
WAIT_S = 30


async def test_hashes_made_in_a_thread_verify():
    stored = await hash_password_in_thread("pa55word-long")
    assert stored.startswith("$argon2id$") and verify_password("pa55word-long", stored)
    other = hash_password("another-one")
    assert await verify_each_in_thread("pa55word-long", [other, stored]) == [False, True]
    assert await verify_each_in_thread("pa55word-long", []) == []


async def test_the_event_loop_keeps_running_while_passwords_hash(monkeypatch):
    """Each hash starts, then waits for the event loop to run a step before it goes on: on the
    loop's own thread that step could never come, and the hash would give up."""
    loop_ran = threading.Event()
    threads: list[str] = []
    real_hash = passwords.hash_password

    def hash_once_the_loop_has_run(password: str) -> str:
        threads.append(threading.current_thread().name)
        if not loop_ran.wait(WAIT_S):
            raise AssertionError("the event loop stood still while a password hashed")
        return real_hash(password)

    monkeypatch.setattr(passwords, "hash_password", hash_once_the_loop_has_run)
    hashing = asyncio.gather(*(hash_password_in_thread(f"pw-{n}") for n in range(8)))
    await asyncio.wait_for(until(lambda: bool(threads)), WAIT_S)  # a hash is under way
    loop_ran.set()
    hashes = await asyncio.wait_for(hashing, WAIT_S)
    assert [verify_password(f"pw-{n}", stored) for n, stored in enumerate(hashes)] == [True] * 8
    assert len(threads) == 8
    assert all(name.startswith("turnout-hash") for name in threads), set(threads)


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


def verifications(monkeypatch) -> list[Parameters]:
    """The Argon2 parameters of every verification made from now on (what each one costs)."""
    made: list[Parameters] = []
    real_verify = PasswordHasher.verify

    def counted(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        made.append(extract_parameters(hash if isinstance(hash, str) else hash.decode()))
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return made


def test_an_unknown_user_costs_as_much_as_a_wrong_password(monkeypatch):
    """One Argon2 verification each, with the parameters of a real hash: the same work."""
    stored = hash_password("the-right-one")
    made = verifications(monkeypatch)
    assert verify_each("wrong-one", [stored]) == [False]
    assert made == [extract_parameters(stored)]
    made.clear()
    assert verify_each("wrong-one", []) == []
    assert made == [extract_parameters(stored)]
