"""The OpenAI Batch API over any provider, on Turnout's job system.

A batch is a job of kind `openai_batch` whose id is the batch id without its `batch_` prefix;
its lines run through the gateway like requests to the batch's endpoint (the tenant's routing,
failover, limits and usage), also on providers that have no batch API of their own.

Roles: a viewer reads the tenant's batches; a member creates them, and cancels their own; an
admin cancels any of the tenant's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from turnout.api import openai_batch_output as output
from turnout.api.deps import CurrentMember, CurrentViewer, ServicesDep
from turnout.api.openai_batch_input import KIND, submit_batch
from turnout.api.routes.jobs import ensure_manages
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.openai_batch import BatchBody, BatchList, BatchObject
from turnout.container import Services
from turnout.errors import NotFound
from turnout.jobs.system import JobView

router = APIRouter(
    prefix="/v1", tags=["openai compatible"], responses=error_responses(401, 403, 422, openai=True)
)
NOT_FOUND = error_responses(404, openai=True)


@router.post("/batches", response_model=BatchObject, responses=NOT_FOUND)
async def create_openai_batch(
    body: BatchBody, principal: CurrentMember, services: ServicesDep
) -> BatchObject:
    """Run every line of an uploaded file as a request to `endpoint`."""
    view = await submit_batch(services, principal=principal, body=body)
    return output.batch_object(view)


@router.get("/batches", response_model=BatchList, responses=NOT_FOUND)
async def list_openai_batches(
    principal: CurrentViewer,
    services: ServicesDep,
    after: Annotated[str | None, Query(max_length=64, description="a batch id")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> BatchList:
    """The tenant's batches, newest first."""
    before = None
    if after:
        before = (await _batch(services, after, principal.tenant_id)).job.created_at
    views = await services.jobs.list(
        tenant_id=principal.tenant_id, status=None, kind=KIND, limit=limit + 1, before=before
    )
    data = [output.batch_object(view) for view in views[:limit]]
    return BatchList(
        object="list",
        data=data,
        first_id=data[0].id if data else None,
        last_id=data[-1].id if data else None,
        has_more=len(views) > limit,
    )


@router.get("/batches/{batch_id}", response_model=BatchObject, responses=NOT_FOUND)
async def retrieve_openai_batch(
    batch_id: str, principal: CurrentViewer, services: ServicesDep
) -> BatchObject:
    """Status, counts and, once finished, the output and error file ids of one batch."""
    return output.batch_object(await _batch(services, batch_id, principal.tenant_id))


@router.post("/batches/{batch_id}/cancel", response_model=BatchObject, responses=NOT_FOUND)
async def cancel_openai_batch(
    batch_id: str, principal: CurrentMember, services: ServicesDep
) -> BatchObject:
    """Stop the batch: finished lines keep their answers, the rest end in the error file."""
    job = (await _batch(services, batch_id, principal.tenant_id)).job
    ensure_manages(principal, job.created_by_user_id, job.created_by_key_id)
    view = await services.jobs.cancel(job.id, tenant_id=principal.tenant_id)
    return output.batch_object(view)


async def _batch(services: Services, batch_id: str, tenant_id: str) -> JobView:
    """The tenant's batch of this id; NotFound for anything else (another tenant's, or a job
    of another kind)."""
    missing = NotFound(resource="batch", details={"resource": "batch", "id": batch_id})
    if not batch_id.startswith(output.BATCH_PREFIX):
        raise missing
    try:
        view = await services.jobs.view(batch_id.removeprefix(output.BATCH_PREFIX),
                                        tenant_id=tenant_id)
    except NotFound:
        raise missing from None
    if view.job.kind != KIND:
        raise missing
    return view
