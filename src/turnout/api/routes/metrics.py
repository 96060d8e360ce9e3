"""Prometheus metrics (open, like the probes: no tenant data, bounded labels)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from turnout.api.deps import ServicesDep
from turnout.metrics import CONTENT_TYPE

router = APIRouter(tags=["probes"])
EXPOSITION: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The Prometheus text exposition format",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


@router.get("/metrics", response_class=Response, responses=EXPOSITION)
async def metrics(services: ServicesDep) -> Response:
    """Every `turnout_*` metric in the Prometheus text format."""
    if (jobs := await services.jobs.stats.read()) is not None:
        services.metrics.show_jobs(jobs)
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)
