"""Bodies of the OpenAI Files and Batch APIs, in OpenAI's shapes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CHAT_ENDPOINT = "/v1/chat/completions"
EMBEDDINGS_ENDPOINT = "/v1/embeddings"
BatchEndpoint = Literal["/v1/chat/completions", "/v1/embeddings"]
BatchStatus = Literal[
    "validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling",
    "cancelled",
]
# OpenAI's metadata: up to 16 pairs, keys up to 64 characters, values up to 512.
Metadata = Annotated[
    dict[Annotated[str, StringConstraints(max_length=64)],
         Annotated[str, StringConstraints(max_length=512)]],
    Field(max_length=16),
]


class FileObject(BaseModel):
    id: str
    object: Literal["file"]
    bytes: int
    created_at: int = Field(description="Unix seconds")
    filename: str
    purpose: Literal["batch", "batch_output"] = Field(
        description="`batch` for uploads; `batch_output` for a batch's output and error files"
    )
    status: Literal["processed"]
    expires_at: int | None = Field(description="always null: Turnout keeps files until deleted")
    status_details: str | None = None


class FileList(BaseModel):
    object: Literal["list"]
    data: list[FileObject]
    first_id: str | None
    last_id: str | None
    has_more: bool


class FileDeleted(BaseModel):
    id: str
    object: Literal["file"]
    deleted: bool


class BatchBody(BaseModel):
    """OpenAI's create-batch body."""

    model_config = ConfigDict(extra="forbid")
    input_file_id: str = Field(min_length=1, max_length=64)
    endpoint: BatchEndpoint
    completion_window: Literal["24h"] = Field(
        description="accepted as OpenAI's only window; Turnout runs a batch until it is done"
    )
    metadata: Metadata | None = None


class BatchRequestCounts(BaseModel):
    total: int
    completed: int
    failed: int


class BatchErrorItem(BaseModel):
    code: str | None
    message: str | None
    param: str | None = None
    line: int | None = None


class BatchErrors(BaseModel):
    object: Literal["list"]
    data: list[BatchErrorItem]


class InputTokensDetails(BaseModel):
    cached_tokens: int


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int


class BatchUsage(BaseModel):
    input_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens: int
    output_tokens_details: OutputTokensDetails
    total_tokens: int


class BatchObject(BaseModel):
    """OpenAI's Batch object; the times are Unix seconds."""

    id: str
    object: Literal["batch"]
    endpoint: BatchEndpoint
    errors: BatchErrors | None
    input_file_id: str
    completion_window: str
    status: BatchStatus
    output_file_id: str | None = Field(description="once finished, when any request succeeded")
    error_file_id: str | None = Field(description="once finished, when any request failed")
    created_at: int
    in_progress_at: int | None
    expires_at: int | None = Field(description="always null: a batch runs until it is done")
    finalizing_at: int | None
    completed_at: int | None
    failed_at: int | None
    expired_at: int | None
    cancelling_at: int | None
    cancelled_at: int | None
    request_counts: BatchRequestCounts
    usage: BatchUsage
    metadata: dict[str, str] | None


class BatchList(BaseModel):
    object: Literal["list"]
    data: list[BatchObject]
    first_id: str | None
    last_id: str | None
    has_more: bool
