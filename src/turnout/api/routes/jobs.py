"""Durable batch jobs: submit, follow (JSON or Server-Sent Events), read results, cancel, delete.

Roles: a viewer reads the tenant's jobs; a member submits, and cancels or deletes their own; an
admin manages every job of the tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from turnout.api.batch_lines import batch_items, jsonl_items
from turnout.api.deps import CurrentMember, CurrentViewer, ServicesDep
from turnout.api.routes.llm import SSE_HEADERS, SSE_RESPONSE
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.jobs import BatchCreate, JobList, JobPublic, JobUsage
from turnout.errors import PermissionDenied
from turnout.jobs.store import ItemStatus, JobStatus
from turnout.jobs.system import Creator, JobView
from turnout.security.roles import Principal, Role
from turnout.store.models import JobItem

router = APIRouter(tags=["jobs"], responses=error_responses(401, 403, 422))
PAGE = 1000
EVENTS_POLL_S = 0.5
KEEPALIVE_S = 15.0
JSONL = "application/x-ndjson"


def job_public(view: JobView) -> JobPublic:
    job, progress = view.job, view.progress
    total = progress.total
    return JobPublic(
        id=job.id,
        kind=job.kind,
        status=job.status,
        total=total,
        completed=progress.of(ItemStatus.COMPLETED),
        failed=progress.of(ItemStatus.FAILED),
        cancelled=progress.of(ItemStatus.CANCELLED),
        running=progress.of(ItemStatus.RUNNING),
        pending=progress.of(ItemStatus.PENDING),
        progress=round(progress.done / total, 4) if total else 1.0,
        eta_s=view.eta_s,
        usage=JobUsage(
            prompt_tokens=progress.prompt_tokens,
            completion_tokens=progress.completion_tokens,
            total_tokens=progress.total_tokens,
        ),
        cost=progress.cost,
        client_key=job.client_key,
        pause_reason=job.pause_reason,
        resume_at=job.resume_at,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _creator(principal: Principal) -> Creator:
    return Creator(principal.tenant_id, principal.user_id, principal.api_key_id)


@router.post(
    "/api/v1/llm/batch",
    response_model=JobPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": JobPublic, "description": "the job already sent with client_key"}},
)
async def create_batch(
    body: BatchCreate, principal: CurrentMember, services: ServicesDep, response: Response
) -> JobPublic:
    """Many generate requests as one durable job (up to 100,000)."""
    view, created = await services.jobs.submit(
        creator=_creator(principal),
        kind="batch",
        items=batch_items(body, principal),
        params={},
        client_key=body.client_key,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return job_public(view)


@router.post(
    "/api/v1/llm/batch/jsonl",
    response_model=JobPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": JobPublic, "description": "the job already sent with client_key"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        JSONL: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def create_batch_jsonl(
    request: Request,
    principal: CurrentMember,
    services: ServicesDep,
    response: Response,
    provider_id: Annotated[str | None, Query(max_length=36)] = None,
    model: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    client_key: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> JobPublic:
    """A JSONL upload as one job: each line like a generate body, with an optional custom_id."""
    defaults = {k: v for k, v in (("provider_id", provider_id), ("model", model)) if v}
    view, created = await services.jobs.submit(
        creator=_creator(principal),
        kind="batch",
        items=jsonl_items(await request.body(), defaults, principal),
        params={},
        client_key=client_key,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return job_public(view)


@router.get("/api/v1/jobs", response_model=JobList)
async def list_jobs(
    principal: CurrentViewer,
    services: ServicesDep,
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: datetime | None = None,
) -> JobList:
    """The tenant's jobs, newest first."""
    views = await services.jobs.list(
        tenant_id=principal.tenant_id, status=status_, kind=kind, limit=limit, before=before
    )
    data = [job_public(view) for view in views]
    cursor = data[-1].created_at.isoformat() if len(data) == limit else None
    return JobList(data=data, next_cursor=cursor)


@router.get("/api/v1/jobs/{job_id}", response_model=JobPublic, responses=error_responses(404))
async def get_job(job_id: str, principal: CurrentViewer, services: ServicesDep) -> JobPublic:
    """Status, progress, ETA, usage and cost of one job."""
    return job_public(await services.jobs.view(job_id, tenant_id=principal.tenant_id))


@router.get(
    "/api/v1/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: SSE_RESPONSE, **error_responses(404)},
)
async def job_events(
    job_id: str, principal: CurrentViewer, services: ServicesDep
) -> StreamingResponse:
    """Server-Sent Events: `progress` whenever the counts move (never backwards), then `done`."""
    first = await services.jobs.view(job_id, tenant_id=principal.tenant_id)
    return StreamingResponse(
        _events(services, first, principal.tenant_id), media_type="text/event-stream",
        headers=SSE_HEADERS,
    )


async def _events(services: ServicesDep, view: JobView, tenant_id: str) -> AsyncIterator[bytes]:
    last: JobPublic | None = None
    quiet = 0.0
    while True:
        public = job_public(view)
        if last is None or public.model_dump(exclude={"eta_s"}) != last.model_dump(
            exclude={"eta_s"}
        ):
            yield _sse("progress", public)
            last, quiet = public, 0.0
        if JobStatus(view.job.status).finished:
            yield _sse("done", public)
            return
        await asyncio.sleep(EVENTS_POLL_S)
        quiet += EVENTS_POLL_S
        if quiet >= KEEPALIVE_S:
            yield b": keep-alive\n\n"
            quiet = 0.0
        view = await services.jobs.view(view.job.id, tenant_id=tenant_id)


def _sse(event: str, job: JobPublic) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + job.model_dump_json().encode() + b"\n\n"


@router.get(
    "/api/v1/jobs/{job_id}/results",
    response_class=StreamingResponse,
    responses={
        200: {"content": {JSONL: {"schema": {"type": "string"}}},
              "description": "one JSON object per item, by position; X-Next-Cursor for more"},
        **error_responses(404),
    },
)
async def job_results(
    job_id: str,
    principal: CurrentViewer,
    services: ServicesDep,
    cursor: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = PAGE,
) -> StreamingResponse:
    """Finished items from position `cursor` on, as JSON lines (results or errors)."""
    await services.jobs.view(job_id, tenant_id=principal.tenant_id)  # 404 for another tenant
    async with services.sessions() as session:
        rows = (await session.execute(
            select(JobItem.position, JobItem.custom_id, JobItem.status, JobItem.result,
                   JobItem.error)
            .where(JobItem.job_id == job_id, JobItem.position >= cursor)
            .order_by(JobItem.position)
            .limit(limit + 1)
        )).all()
    more = len(rows) > limit
    rows = rows[:limit]
    headers = {"X-Next-Cursor": str(rows[-1].position + 1)} if more else {}

    async def lines() -> AsyncIterator[bytes]:
        for row in rows:
            line = {"position": row.position, "custom_id": row.custom_id, "status": row.status}
            if row.result is not None:
                line["result"] = row.result
            if row.error is not None:
                line["error"] = row.error
            yield orjson.dumps(line) + b"\n"

    return StreamingResponse(lines(), media_type=JSONL, headers=headers)


@router.post(
    "/api/v1/jobs/{job_id}/cancel", response_model=JobPublic, responses=error_responses(404)
)
async def cancel_job(job_id: str, principal: CurrentMember, services: ServicesDep) -> JobPublic:
    """Stop the job: finished items are kept, the rest cancelled (running ones finish)."""
    await _may_manage(services, job_id, principal)
    return job_public(await services.jobs.cancel(job_id, tenant_id=principal.tenant_id))


@router.delete(
    "/api/v1/jobs/{job_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409),
)
async def delete_job(job_id: str, principal: CurrentMember, services: ServicesDep) -> Response:
    """Remove a finished job and its results."""
    await _may_manage(services, job_id, principal)
    await services.jobs.delete(job_id, tenant_id=principal.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _may_manage(services: ServicesDep, job_id: str, principal: Principal) -> None:
    job = (await services.jobs.view(job_id, tenant_id=principal.tenant_id)).job
    ensure_manages(principal, job.created_by_user_id, job.created_by_key_id)


def ensure_manages(
    principal: Principal, *creators: str | None, reason: str = "not_your_job"
) -> None:
    """Admins manage every job (and file) of the tenant; members what they created."""
    if principal.role is not Role.ADMIN and principal.id not in creators:
        raise PermissionDenied(details={"reason": reason})

