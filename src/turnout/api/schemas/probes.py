"""Bodies of the liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthzResponse(BaseModel):
    status: Literal["ok"]


class ReadyzChecks(BaseModel):
    database: bool
    redis: bool | None = Field(default=None, description="present only when Redis is configured")


class ReadyzResponse(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: ReadyzChecks
