"""Liveness and readiness probes (open, no tenant data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from turnout.api.deps import ServicesDep
from turnout.api.responses import FastJSONResponse

router = APIRouter(tags=["probes"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(services: ServicesDep) -> FastJSONResponse:
    checks: dict[str, Any] = {"database": await _database_ok(services)}
    if services.state.shared:
        checks["redis"] = await services.state.ping()
    ready = all(checks.values())
    return FastJSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


async def _database_ok(services: ServicesDep) -> bool:
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready", reported, never raised
        return False
    return True
