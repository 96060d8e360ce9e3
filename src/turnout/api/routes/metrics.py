"""Prometheus metrics (open, like the probes: no tenant data, bounded labels)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from turnout.api.deps import ServicesDep
from turnout.metrics import CONTENT_TYPE

router = APIRouter(tags=["probes"])


@router.get("/metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    """Every `turnout_*` metric in the Prometheus text format."""
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)
