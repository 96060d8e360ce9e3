"""Bodies of the batch-job routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from turnout.api.schemas.llm import GenerateOptions

MAX_BATCH_REQUESTS = 100_000
JobStatusName = Literal[
    "queued", "running", "paused", "cancelling", "cancelled", "completed", "failed"
]


class BatchCreate(BaseModel):
    """Many generate requests as one durable job; job-level fields are each line's defaults."""

    model_config = ConfigDict(extra="forbid")
    requests: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH_REQUESTS,
        description="each like the body of POST /api/v1/llm/generate (without `stream`)",
    )
    provider_id: str | None = Field(default=None, max_length=36)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    options: GenerateOptions | None = None
    client_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="resubmitting with the same key returns the same job",
    )


class JobUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class JobPublic(BaseModel):
    id: str
    kind: str
    status: JobStatusName
    total: int
    completed: int
    failed: int
    cancelled: int
    running: int
    pending: int
    progress: float = Field(description="finished items ÷ all items, 0 to 1")
    eta_s: float | None = Field(description="seconds left at the pace so far, when known")
    usage: JobUsage
    cost: float
    client_key: str | None
    pause_reason: str | None = Field(description="why the job waits, e.g. its provider is down")
    resume_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobList(BaseModel):
    data: list[JobPublic]
    next_cursor: str | None = Field(description="pass as `before` for the next page")
