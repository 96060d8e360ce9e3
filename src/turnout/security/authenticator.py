"""Turns a bearer credential (session JWT or `tk-` API key) into a Principal.

Verified principals are cached for a few seconds so the request path makes no database round
trip; a revoked key or a deactivated user stops working within `cache_ttl_s` everywhere, and at
once on the replica that made the change. API keys' last-used times are buffered here and
written in one batch by `flush_last_used` (called periodically and at shutdown).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.accounts.api_keys import find_active_key, touch_last_used
from turnout.errors import InvalidCredentials, NotAuthenticated
from turnout.security.roles import Principal, Role
from turnout.security.tokens import API_KEY_PREFIX, SessionTokens, hash_api_key
from turnout.store.models import User
from turnout.store.types import utcnow


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
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._last_used: dict[str, datetime] = {}

    async def authenticate(self, credential: str) -> Principal:
        """The principal behind `credential`, or NotAuthenticated / InvalidCredentials."""
        if not credential:
            raise NotAuthenticated()
        is_key = credential.startswith(API_KEY_PREFIX)
        cache_key = hash_api_key(credential) if is_key else credential
        cached = self._cache.get(cache_key)
        now = self._clock()
        if cached is not None and cached[0] > now:
            principal = cached[1]
        else:
            principal = await (
                self._load_key(credential) if is_key else self._load_user(credential)
            )
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[cache_key] = (now + self._ttl, principal)
        if is_key:
            self._last_used[principal.id] = utcnow()
        return principal

    def forget(self, *, principal_id: str) -> None:
        """Drop cached entries of a key or user that was just revoked, changed or deleted."""
        stale = [k for k, (_, p) in self._cache.items() if p.id == principal_id]
        for key in stale:
            del self._cache[key]

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
        # The role is read from the row, so a demotion applies before the token expires.
        return Principal(user.tenant_id, Role(user.role), "user", user.id, user.username)
