"""The error bodies every route may answer, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from turnout.api.schemas.llm import AttemptPublic

# What each status means on Turnout's routes.
_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed for this role",
    404: "Not found (or another tenant's)",
    409: "Conflicts with the current state",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Rate limited (see Retry-After)",
    499: "The client went away",
    502: "The upstream failed",
    503: "No provider could serve the request",
    504: "The upstream timed out",
}


class ErrorDetail(BaseModel):
    code: str = Field(description="stable error code, e.g. RATE_LIMITED")
    message: str = Field(description="localised by Accept-Language (zh-CN, en-US)")
    details: dict[str, Any] = Field(default_factory=dict)
    request_id: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = Field(default=None, description="the request field at fault, if one is")
    code: str | None = None
    attempts: list[AttemptPublic] | None = Field(
        default=None,
        description="Turnout's addition on 503 and 429: each provider tried, in order "
        "(OpenAI clients ignore it)",
    )


class OpenAIErrorResponse(BaseModel):
    """OpenAI's error shape, used on the /v1 routes."""

    error: OpenAIErrorDetail


def error_responses(*statuses: int, openai: bool = False) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that may answer `statuses` with the error envelope."""
    model = OpenAIErrorResponse if openai else ErrorResponse
    return {status: {"model": model, "description": _DESCRIPTIONS[status]} for status in statuses}
