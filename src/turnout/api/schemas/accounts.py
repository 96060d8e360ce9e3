"""Bodies for login, users, API keys and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from turnout.security.roles import Role

Username = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    tenant: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="tenant name; needed only when the username and password fit several tenants",
    )


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    username: str
    role: Role
    tenant_id: str
    is_active: bool = True
    created_at: datetime | None = None


class LoginResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int
    user: UserPublic


class MeResponse(BaseModel):
    id: str
    kind: str
    name: str
    role: Role
    tenant_id: str


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Username
    password: str = Field(min_length=8, max_length=1024)
    role: Role = Role.MEMBER


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    role: Role = Role.MEMBER
    rpm_limit: int | None = Field(default=None, ge=1, le=1_000_000)


class ApiKeyCreated(BaseModel):
    id: str
    name: str
    role: Role
    prefix: str
    key: str


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    role: Role
    prefix: str
    rpm_limit: int | None = None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    action: str
    target_type: str
    target_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    diff: dict[str, Any]
    request_id: str | None
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    total: int
