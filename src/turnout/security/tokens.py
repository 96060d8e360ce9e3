"""Session JWTs (HS256) and `tk-` API keys."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from turnout.errors import NotAuthenticated, TokenExpired

API_KEY_PREFIX = "tk-"
_ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class SessionClaims:
    user_id: str
    tenant_id: str
    role: str
    # The user's session epoch at issue; a token older than the user's current one is refused.
    epoch: int = 0


class SessionTokens:
    """Issues and verifies session tokens; verifies under every configured key for rotation."""

    def __init__(self, signing_keys: Sequence[bytes], ttl_s: int) -> None:
        self._keys = list(signing_keys)
        self.ttl_s = ttl_s

    def issue(self, claims: SessionClaims) -> str:
        now = int(time.time())
        payload = {
            "sub": claims.user_id,
            "tid": claims.tenant_id,
            "role": claims.role,
            "epoch": claims.epoch,
            "iat": now,
            "exp": now + self.ttl_s,
            "typ": "session",
        }
        return jwt.encode(payload, self._keys[0], algorithm=_ALGORITHM)

    def verify(self, token: str) -> SessionClaims:
        for key in self._keys:
            try:
                payload = jwt.decode(
                    token, key, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "tid"]}
                )
            except jwt.ExpiredSignatureError as exc:
                raise TokenExpired() from exc
            except jwt.InvalidTokenError:
                continue
            if payload.get("typ") == "session":
                return _claims(payload)
        raise NotAuthenticated("invalid session token")


def _claims(payload: dict[str, Any]) -> SessionClaims:
    # Tokens issued before epochs existed carry none: epoch 0. A malformed one (-1) never passes.
    epoch = payload.get("epoch", 0)
    return SessionClaims(
        payload["sub"],
        payload["tid"],
        payload.get("role", "viewer"),
        epoch if isinstance(epoch, int) else -1,
    )


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """API keys carry 256 random bits, so one SHA-256 is enough (and keeps the hot path fast)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_key_prefix(key: str) -> str:
    return key[:10]
