"""Turns a bearer credential (session JWT or `tk-` API key) into a Principal.

Verified principals are cached for a few seconds so the request path makes no database round
trip; a revoked key, a deactivated user or a session ended by raising the user's session epoch
(password change, deactivation, demotion) stops working within `cache_ttl_s` everywhere, and at
once on the replica that made the change. A busy credential is re-read in the background shortly
before its entry expires, and concurrent misses share one database read, so a steady stream of
requests never waits on the database. API keys' last-used times are buffered here and written
in one batch by `flush_last_used` (called periodically and at shutdown).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.accounts.api_keys import find_active_key, touch_last_used
from turnout.errors import InvalidCredentials, NotAuthenticated, TokenExpired, TurnoutError
from turnout.security.roles import Principal, Role
from turnout.security.tokens import API_KEY_PREFIX, SessionTokens, hash_api_key
from turnout.store.models import User
from turnout.store.types import utcnow

log = logging.getLogger("turnout.auth")
REFRESH_AHEAD = 0.8  # re-read an entry in the background once 80 % of its lifetime has passed
MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    refresh_at: float
    expires_at: float


class Authenticator:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tokens: SessionTokens,
        *,
        cache_ttl_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._tokens = tokens
        self._ttl = cache_ttl_s
        self._clock = clock
        self._cache: dict[str, _Entry] = {}
        self._loading: dict[str, asyncio.Task[Principal]] = {}
        self._generation = 0  # bumped by `forget`: a read begun before it is not cached
        self._last_used: dict[str, datetime] = {}

    async def authenticate(self, credential: str) -> Principal:
        """The principal behind `credential`, or NotAuthenticated / InvalidCredentials."""
        if not credential:
            raise NotAuthenticated()
        is_key = credential.startswith(API_KEY_PREFIX)
        cache_key = hash_api_key(credential) if is_key else credential
        entry = self._cache.get(cache_key)
        now = self._clock()
        if entry is not None and entry.expires_at > now:
            if now >= entry.refresh_at:
                self._load_once(cache_key, credential, is_key)  # in the background
            principal = entry.principal
        else:
            # shield: a caller that goes away must not cancel the read others are waiting on
            principal = await asyncio.shield(self._load_once(cache_key, credential, is_key))
        if is_key:
            self._last_used[principal.id] = utcnow()
        return principal

    def forget(self, *, principal_id: str) -> None:
        """Drop cached entries of a key or user that was just revoked, changed or deleted."""
        self._generation += 1
        stale = [k for k, entry in self._cache.items() if entry.principal.id == principal_id]
        for key in stale:
            del self._cache[key]

    def _load_once(self, cache_key: str, credential: str, is_key: bool) -> asyncio.Task[Principal]:
        """The read of this credential in flight, started now if there is none."""
        task = self._loading.get(cache_key)
        if task is None:
            task = asyncio.ensure_future(self._load_and_cache(cache_key, credential, is_key))
            self._loading[cache_key] = task
            task.add_done_callback(lambda done: self._loaded(cache_key, done))
        return task

    async def _load_and_cache(self, cache_key: str, credential: str, is_key: bool) -> Principal:
        generation = self._generation
        try:
            principal = await (
                self._load_key(credential) if is_key else self._load_user(credential)
            )
        except TurnoutError:
            self._cache.pop(cache_key, None)  # revoked, deactivated or expired since cached
            raise
        if generation == self._generation:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            now = self._clock()
            self._cache[cache_key] = _Entry(
                principal, refresh_at=now + self._ttl * REFRESH_AHEAD, expires_at=now + self._ttl
            )
        return principal

    def _loaded(self, cache_key: str, task: asyncio.Task[Principal]) -> None:
        if self._loading.get(cache_key) is task:
            del self._loading[cache_key]
        if task.cancelled():
            return
        error = task.exception()  # retrieved here, so a background read never logs "unhandled"
        if error is not None and not isinstance(error, TurnoutError):
            log.warning("reading a credential failed: %s", type(error).__name__)

    async def flush_last_used(self) -> None:
        if not self._last_used:
            return
        pending, self._last_used = self._last_used, {}
        async with self._sessions() as session:
            await touch_last_used(session, used=pending)
            await session.commit()

    async def _load_key(self, credential: str) -> Principal:
        async with self._sessions() as session:
            row = await find_active_key(session, credential)
        if row is None:
            raise InvalidCredentials()
        return Principal(row.tenant_id, Role(row.role), "api_key", row.id, row.name, row.rpm_limit)

    async def _load_user(self, credential: str) -> Principal:
        claims = self._tokens.verify(credential)
        async with self._sessions() as session:
            user = (
                await session.execute(
                    select(User).where(
                        User.id == claims.user_id, User.tenant_id == claims.tenant_id
                    )
                )
            ).scalar_one_or_none()
        if user is None or not user.is_active:
            raise InvalidCredentials()
        if claims.epoch < user.session_epoch:
            raise TokenExpired("session ended")
        # The role is read from the row, so a demotion applies before the token expires.
        return Principal(user.tenant_id, Role(user.role), "user", user.id, user.username)
