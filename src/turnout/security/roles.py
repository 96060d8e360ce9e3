"""Roles within a tenant and who the caller is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, required: Role) -> bool:
        return self.rank >= required.rank


_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a user (session token) or an API key, always within one tenant."""

    tenant_id: str
    role: Role
    kind: str  # "user" | "api_key"
    id: str
    name: str
    rpm_limit: int | None = None

    @property
    def user_id(self) -> str | None:
        return self.id if self.kind == "user" else None

    @property
    def api_key_id(self) -> str | None:
        return self.id if self.kind == "api_key" else None
