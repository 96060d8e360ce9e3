"""The OpenAI Files API, for the Batch API: upload, list, describe, download and delete files.

Uploads are JSONL files of purpose `batch`: up to 100 MiB (the body limit, limits.py) and
100,000 lines. A batch's output and error files (purpose `batch_output`) are made from its
items when read; they are described, downloaded and deleted here by the ids the batch names,
and listed under their batch rather than here.

Roles: a viewer reads the tenant's files; a member uploads, and deletes their own; an admin
deletes any of the tenant's.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from turnout.api import openai_batch_output as output
from turnout.api.attempts import audience_of
from turnout.api.deps import CurrentMember, CurrentViewer, ServicesDep
from turnout.api.openai_batch_input import KIND
from turnout.api.routes.jobs import ensure_manages
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.openai_batch import FileDeleted, FileList, FileObject
from turnout.container import Services
from turnout.errors import NotFound, ValidationFailed
from turnout.jobs import files
from turnout.jobs.system import Creator, JobView
from turnout.store.models import StoredFile

router = APIRouter(
    prefix="/v1", tags=["openai compatible"], responses=error_responses(401, 403, 422, openai=True)
)
MAX_LINES = 100_000
BINARY = "application/octet-stream"
CONTENT_RESPONSE = {
    "content": {BINARY: {"schema": {"type": "string", "format": "binary"}}},
    "description": "the file's bytes: an upload as it was sent, or a batch's JSON lines",
}
NAME_CHARS = 255  # the files table's filename column


def _public(row: StoredFile) -> FileObject:
    return FileObject(
        id=row.id,
        object="file",
        bytes=row.size,
        created_at=int(row.created_at.timestamp()),
        filename=row.filename,
        purpose="batch",
        status="processed",
        expires_at=None,
    )


@router.post("/files", response_model=FileObject, responses=error_responses(413, openai=True))
async def create_file(
    principal: CurrentMember,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="JSONL, one request per line")],
    # Read as text so that another purpose is refused with its own message.
    purpose: Annotated[str, Form(max_length=64, json_schema_extra={"enum": ["batch"]})],
) -> FileObject:
    """Upload a batch input file."""
    if purpose != "batch":
        raise ValidationFailed([{"field": "purpose", "code": "validation.batch_purpose"}])
    content = await file.read()
    _check_lines(content)
    async with services.sessions.begin() as session:
        row = await files.add_file(
            session,
            creator=Creator(principal.tenant_id, principal.user_id, principal.api_key_id),
            purpose=purpose,
            filename=_filename(file.filename),
            content=content,
        )
    return _public(row)


def _check_lines(content: bytes) -> None:
    lines = sum(1 for line in content.splitlines() if line.strip())
    if not lines:
        raise ValidationFailed([{"field": "file", "code": "validation.batch_no_lines"}])
    if lines > MAX_LINES:
        issue = {"field": "file", "code": "validation.batch_too_many_lines",
                 "params": {"max": MAX_LINES}}
        raise ValidationFailed([issue])


def _filename(sent: str | None) -> str:
    """The client's name for the file, as text a database keeps (no NUL, valid UTF-8)."""
    text = (sent or "").encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    return text[-NAME_CHARS:] or "upload.jsonl"


@router.get("/files", response_model=FileList, responses=error_responses(404, openai=True))
async def list_files(
    principal: CurrentViewer,
    services: ServicesDep,
    after: Annotated[str | None, Query(max_length=64, description="a file id")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 10_000,
    order: Literal["asc", "desc"] = "desc",
    purpose: Annotated[str | None, Query(max_length=64)] = None,
) -> FileList:
    """The tenant's uploaded files by creation time, newest first unless `order=asc`."""
    async with services.sessions() as session:
        rows = await files.list_files(
            session, tenant_id=principal.tenant_id, purpose=purpose, after=after,
            limit=limit + 1, ascending=order == "asc",
        )
    data = [_public(row) for row in rows[:limit]]
    return FileList(
        object="list",
        data=data,
        first_id=data[0].id if data else None,
        last_id=data[-1].id if data else None,
        has_more=len(rows) > limit,
    )


@router.get(
    "/files/{file_id}", response_model=FileObject, responses=error_responses(404, openai=True)
)
async def retrieve_file(
    file_id: str, request: Request, principal: CurrentViewer, services: ServicesDep
) -> FileObject:
    """One file's description; a batch output's size is counted as its lines are made."""
    generated = await _generated(services, file_id, principal.tenant_id)
    if generated is not None:
        view, part = generated
        return await output.file_object(services.sessions, view, part, audience_of(request))
    async with services.sessions() as session:
        return _public(await files.file_info(session, file_id, tenant_id=principal.tenant_id))


@router.get(
    "/files/{file_id}/content",
    response_class=StreamingResponse,
    responses={200: CONTENT_RESPONSE, **error_responses(404, openai=True)},
)
async def download_file(
    file_id: str, request: Request, principal: CurrentViewer, services: ServicesDep
) -> Response:
    """A file's bytes; a batch's output and error lines are made as they are sent."""
    generated = await _generated(services, file_id, principal.tenant_id)
    if generated is not None:
        view, part = generated
        lines = output.file_lines(services.sessions, view.job, part, audience_of(request))
        return StreamingResponse(lines, media_type=BINARY)
    async with services.sessions() as session:
        content = await files.file_content(session, file_id, tenant_id=principal.tenant_id)
    return Response(content, media_type=BINARY)


@router.delete(
    "/files/{file_id}", response_model=FileDeleted, responses=error_responses(404, openai=True)
)
async def delete_file(file_id: str, principal: CurrentMember, services: ServicesDep) -> FileDeleted:
    """Delete a file; deleting a batch's output or error file leaves the batch as it is."""
    generated = await _generated(services, file_id, principal.tenant_id)
    async with services.sessions.begin() as session:
        if generated is not None:
            view, part = generated
            ensure_manages(principal, view.job.created_by_user_id, view.job.created_by_key_id)
            await files.forget_generated(session, view.job.id, part, tenant_id=principal.tenant_id)
        else:
            row = await files.file_info(session, file_id, tenant_id=principal.tenant_id)
            ensure_manages(
                principal, row.created_by_user_id, row.created_by_key_id, reason="not_your_file"
            )
            await files.delete_file(session, row)
    return FileDeleted(id=file_id, object="file", deleted=True)


async def _generated(
    services: Services, file_id: str, tenant_id: str
) -> tuple[JobView, str] | None:
    """(batch, part) when `file_id` names a generated file; NotFound when it names none."""
    named = output.generated_part(file_id)
    if named is None:
        return None
    part, job_id = named
    try:
        view = await services.jobs.view(job_id, tenant_id=tenant_id)
    except NotFound:
        view = None
    if view is None or view.job.kind != KIND or part not in output.parts(view):
        raise NotFound(resource="file", details={"resource": "file", "id": file_id})
    return view, part
