"""Liveness and readiness probes (open, no tenant data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from turnout.api.deps import ServicesDep
from turnout.api.responses import FastJSONResponse
from turnout.api.schemas.probes import HealthzResponse, ReadyzChecks, ReadyzResponse

router = APIRouter(tags=["probes"])
NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": ReadyzResponse, "description": "A dependency failed its check"}
}


@router.get("/healthz", response_model=HealthzResponse)
async def healthz() -> HealthzResponse:
    return HealthzResponse(status="ok")


@router.get("/readyz", response_model=ReadyzResponse, responses=NOT_READY)
async def readyz(services: ServicesDep) -> FastJSONResponse:
    """Ready (200) when the database, and Redis when configured, answer; else 503."""
    redis = await services.state.ping() if services.state.shared else None
    checks = ReadyzChecks(database=await _database_ok(services), redis=redis)
    ready = checks.database and redis is not False
    body = ReadyzResponse(status="ready" if ready else "unavailable", checks=checks)
    return FastJSONResponse(body.model_dump(exclude_none=True), status_code=200 if ready else 503)


async def _database_ok(services: ServicesDep) -> bool:
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready", reported, never raised
        return False
    return True
