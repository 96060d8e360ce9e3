"""Slow password hashing (Argon2id), kept off the event loop.

One hash or verification costs about a tenth of a second of CPU and 64 MiB. Run on the event
loop, 32 concurrent logins held `/healthz` for over a second, so the async functions here run it
on a small thread pool instead: argon2's C code releases the GIL, and the pool's size bounds the
CPU and memory that hashing may take at once (the rest wait their turn in its queue). On Linux
the pool's threads also run at a lower priority, so when logins keep every core busy, requests
are still served first and the logins wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")
HASHING_THREADS = min(4, os.cpu_count() or 1)
HASHING_NICENESS = 10

_hasher = PasswordHasher()
_pool: ThreadPoolExecutor | None = None


@functools.cache
def _dummy_hash() -> str:
    """Verified against when a username is unknown, so both paths cost the same time."""
    return _hasher.hash("turnout-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; an unknown user still pays for one verification."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def verify_each(password: str, password_hashes: Sequence[str]) -> list[bool]:
    """Whether `password` matches each hash: one verification apiece, or one against a dummy
    hash when there are none, so an unknown username costs what a wrong password does."""
    if not password_hashes:
        verify_password(password, None)
        return []
    return [verify_password(password, stored) for stored in password_hashes]


async def hash_password_in_thread(password: str) -> str:
    return await _in_thread(hash_password, password)


async def verify_each_in_thread(password: str, password_hashes: Sequence[str]) -> list[bool]:
    """`verify_each` on the hashing pool: the event loop keeps serving meanwhile."""
    return await _in_thread(verify_each, password, tuple(password_hashes))


async def _in_thread(work: Callable[..., T], *args: object) -> T:
    global _pool
    if _pool is None:  # created on first use, not at import; threads start as work arrives
        _pool = ThreadPoolExecutor(
            HASHING_THREADS, thread_name_prefix="turnout-hash", initializer=_lower_priority
        )
    return await asyncio.get_running_loop().run_in_executor(_pool, work, *args)


def _lower_priority() -> None:
    """Run this pool thread, and the threads argon2 starts from it, below request handling."""
    # Niceness is per thread only on Linux; elsewhere it would slow the whole process.
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
