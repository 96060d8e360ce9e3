"""A job of kind `openai_batch` as OpenAI shows it: the Batch object, and its output and error
files.

The files are made from the items whenever they are read, never stored: an output line carries
the body /v1/chat/completions or /v1/embeddings would have answered (made by the same
functions), an error line OpenAI's error object with Turnout's message in the reader's
language. A file exists once the job has finished and holds at least one line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.api.attempts import Audience
from turnout.api.errors import field_summary, openai_error_type
from turnout.api.messages import catalog_message
from turnout.api.openai_chat import completion_body
from turnout.api.routes.openai_compat import embedding_list
from turnout.api.schemas.openai_batch import (
    CHAT_ENDPOINT,
    BatchErrorItem,
    BatchErrors,
    BatchObject,
    BatchRequestCounts,
    BatchUsage,
    FileObject,
    InputTokensDetails,
    OutputTokensDetails,
)
from turnout.gateway.outcomes import GatewayResult, decoded_logprobs
from turnout.jobs.files import DELETED_FILES
from turnout.jobs.store import ItemStatus, JobStatus
from turnout.jobs.system import JobView
from turnout.providers import EmbedResult, Usage
from turnout.providers.base import Choice, ToolCall
from turnout.store.models import Job, JobItem

BATCH_PREFIX = "batch_"
OUTPUT, ERRORS = "output", "errors"
# Generated file ids: a prefix and the job's id (uploads are `file-` and 32 hex digits).
_FILE_PREFIXES = {OUTPUT: "file-batch-output-", ERRORS: "file-batch-errors-"}
_PART_STATUSES = {
    OUTPUT: (ItemStatus.COMPLETED.value,),
    ERRORS: (ItemStatus.FAILED.value, ItemStatus.CANCELLED.value),
}
PAGE = 1000
_STATUSES = {
    # Waiting for a worker: OpenAI's state before a batch runs.
    JobStatus.QUEUED: "validating",
    JobStatus.RUNNING: "in_progress",
    JobStatus.PAUSED: "in_progress",  # its provider is down; it resumes by itself
    JobStatus.CANCELLING: "cancelling",
    JobStatus.CANCELLED: "cancelled",
    JobStatus.COMPLETED: "completed",
    JobStatus.FAILED: "failed",
}
# Items a cancel kept from running have no error of their own.
_NOT_RUN = {"code": "BATCH_CANCELLED", "key": "batches.cancelled"}


def file_id(job_id: str, part: str) -> str:
    return _FILE_PREFIXES[part] + job_id


def generated_part(file_id: str) -> tuple[str, str] | None:
    """(part, job id) when `file_id` names a batch's output or error file."""
    for part, prefix in _FILE_PREFIXES.items():
        if file_id.startswith(prefix):
            return part, file_id.removeprefix(prefix)
    return None


def parts(view: JobView, *, deleted_too: bool = False) -> set[str]:
    """The generated files the batch has: none before it finishes."""
    progress = view.progress
    if not JobStatus(view.job.status).finished:
        return set()
    found = set()
    if progress.of(ItemStatus.COMPLETED):
        found.add(OUTPUT)
    if progress.of(ItemStatus.FAILED) or progress.of(ItemStatus.CANCELLED):
        found.add(ERRORS)
    return found if deleted_too else found - set(view.job.params.get(DELETED_FILES, ()))


def batch_object(view: JobView) -> BatchObject:
    job, progress, params = view.job, view.progress, view.job.params
    status = JobStatus(job.status)
    files = parts(view, deleted_too=True)
    return BatchObject(
        id=BATCH_PREFIX + job.id,
        object="batch",
        endpoint=params["endpoint"],
        errors=_errors(job),
        input_file_id=params["input_file_id"],
        completion_window=params["completion_window"],
        status=_STATUSES[status],
        output_file_id=file_id(job.id, OUTPUT) if OUTPUT in files else None,
        error_file_id=file_id(job.id, ERRORS) if ERRORS in files else None,
        created_at=_unix(job.created_at) or 0,
        in_progress_at=_unix(job.started_at),
        expires_at=None,
        finalizing_at=None,
        completed_at=_unix(job.finished_at) if status is JobStatus.COMPLETED else None,
        failed_at=_unix(job.finished_at) if status is JobStatus.FAILED else None,
        expired_at=None,
        cancelling_at=_unix(job.cancel_requested_at),
        cancelled_at=_unix(job.finished_at) if status is JobStatus.CANCELLED else None,
        request_counts=BatchRequestCounts(
            total=progress.total,
            completed=progress.of(ItemStatus.COMPLETED),
            failed=progress.of(ItemStatus.FAILED),
        ),
        usage=BatchUsage(
            input_tokens=progress.prompt_tokens,
            input_tokens_details=InputTokensDetails(cached_tokens=0),
            output_tokens=progress.completion_tokens,
            output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
            total_tokens=progress.total_tokens,
        ),
        metadata=params.get("metadata"),
    )


def _errors(job: Job) -> BatchErrors | None:
    """The job's own failure; a line's failure is in the error file."""
    if not job.error:
        return None
    item = BatchErrorItem(code="job_failed", message=job.error)
    return BatchErrors(object="list", data=[item])


def _unix(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


async def file_object(
    sessions: async_sessionmaker[AsyncSession], view: JobView, part: str, audience: Audience
) -> FileObject:
    """The generated file's description; its size is that of the lines as they are made."""
    size = 0
    async for line in file_lines(sessions, view.job, part, audience):
        size += len(line)
    return FileObject(
        id=file_id(view.job.id, part),
        object="file",
        bytes=size,
        created_at=_unix(view.job.finished_at) or 0,
        filename=f"{BATCH_PREFIX}{view.job.id}_{part}.jsonl",
        purpose="batch_output",
        status="processed",
        expires_at=None,
    )


async def file_lines(
    sessions: async_sessionmaker[AsyncSession], job: Job, part: str, audience: Audience
) -> AsyncIterator[bytes]:
    """The JSON lines of the batch's output or error file, by position."""
    endpoint = job.params["endpoint"]
    async for row in _rows(sessions, job.id, _PART_STATUSES[part]):
        if part == OUTPUT:
            line = _output_line(job.id, row, endpoint, audience)
        else:
            line = _error_line(job.id, row, audience.locale)
        yield orjson.dumps(line) + b"\n"


async def _rows(
    sessions: async_sessionmaker[AsyncSession], job_id: str, statuses: Iterable[str]
) -> AsyncIterator[Row[Any]]:
    """The job's items in these statuses, a page per query so no transaction stays open."""
    after = -1
    while True:
        async with sessions() as session:
            rows = (await session.execute(
                select(JobItem.position, JobItem.custom_id, JobItem.status, JobItem.result,
                       JobItem.error, JobItem.finished_at)
                .where(JobItem.job_id == job_id, JobItem.status.in_(statuses),
                       JobItem.position > after)
                .order_by(JobItem.position)
                .limit(PAGE)
            )).all()
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        after = rows[-1].position


def _request_id(job_id: str, position: int) -> str:
    return f"{job_id}-{position}"  # the id the item ran under (llm_items)


def _output_line(job_id: str, row: Row[Any], endpoint: str, audience: Audience) -> dict[str, Any]:
    request_id = _request_id(job_id, row.position)
    if endpoint == CHAT_ENDPOINT:
        body = _completion(row.result, _unix(row.finished_at) or 0, audience)
    else:
        body = embedding_list(_embedding(row.result))
    return {
        "id": f"batch_req_{request_id}",
        "custom_id": row.custom_id,
        "response": {"status_code": 200, "request_id": request_id, "body": body},
        "error": None,
    }


def _completion(stored: Mapping[str, Any], created: int, audience: Audience) -> dict[str, Any]:
    """The chat.completion of a stored answer, made as the route makes it, created when it was."""
    result = GatewayResult(
        content=stored["content"],
        model=stored["model"],
        provider_id=stored["provider_id"],
        provider_name="",
        provider_type="",
        finish_reason=stored["finish_reason"],
        usage=_usage(stored["usage"]),
        latency_ms=0.0,
        cached=stored["cached"],
        request_id=stored["request_id"],
        logprobs=stored.get("logprobs"),
        tool_calls=_calls(stored.get("tool_calls")),
        more_choices=tuple(
            Choice(c["content"], c["finish_reason"], _calls(c.get("tool_calls")),
                   decoded_logprobs(c.get("logprobs")))
            for c in stored.get("more_choices", ())
        ),
    )
    return {**completion_body(result, result.model, audience), "created": created}


def _calls(stored: Iterable[Mapping[str, Any]] | None) -> tuple[ToolCall, ...]:
    return tuple(
        ToolCall(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in stored or ()
    )


def _embedding(stored: Mapping[str, Any]) -> EmbedResult:
    return EmbedResult(
        embeddings=stored["embeddings"],
        model=stored["model"],
        dimensions=stored["dimensions"],
        usage=_usage(stored["usage"]),
    )


def _usage(stored: Mapping[str, int]) -> Usage:
    return Usage(stored["prompt_tokens"], stored["completion_tokens"], stored["total_tokens"])


def _error_line(job_id: str, row: Row[Any], locale: str) -> dict[str, Any]:
    request_id = _request_id(job_id, row.position)
    recorded = row.error or _NOT_RUN
    error = error_object(recorded, locale)
    response = None
    if "status" in recorded:  # the endpoint answered (or would have answered) this status
        body = {"error": error}
        response = {"status_code": recorded["status"], "request_id": request_id, "body": body}
    summary: dict[str, Any] = {"code": error["code"], "message": error["message"]}
    if "line" in recorded:
        summary["line"] = recorded["line"]
    return {
        "id": f"batch_req_{request_id}",
        "custom_id": row.custom_id,
        "response": response,
        "error": summary,
    }


def error_object(recorded: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """OpenAI's error object for an error an item recorded, told in `locale`."""
    code = str(recorded.get("code") or "INTERNAL_ERROR")
    fields = [dict(issue) for issue in recorded.get("fields") or ()]
    params = dict(recorded.get("params") or {})
    if fields:
        params["summary"] = field_summary(fields, locale)
    key = str(recorded.get("key") or f"errors.{code}")
    message = catalog_message(key, locale, params)
    if message == key:  # a code without a catalog message, e.g. ABANDONED
        message = str(recorded.get("message") or code)
    return {
        "message": message,
        "type": openai_error_type(int(recorded.get("status", 400))),
        "param": fields[0]["field"] if fields else None,
        "code": code.lower(),
    }
