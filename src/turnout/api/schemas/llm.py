"""Bodies of the generate and embed endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from turnout.api.schemas.messages import Messages


class GenerateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    top_p: float | None = Field(default=None, gt=0, le=1)
    stop: str | Annotated[list[str], Field(max_length=4)] | None = None
    response_format: dict[str, Any] | None = None
    logprobs: bool = False
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    timeout_s: float | None = Field(default=None, gt=0, le=600)
    deadline_s: float | None = Field(default=None, gt=0, le=1800)


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str | None = Field(default=None, min_length=1)
    messages: Messages | None = None
    provider_id: str | None = Field(default=None, max_length=64)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    options: GenerateOptions = Field(default_factory=GenerateOptions)
    stream: bool = False
    cache: bool | None = None

    @model_validator(mode="after")
    def _prompt_or_messages(self) -> GenerateRequest:
        if (self.prompt is None) == (self.messages is None):
            # Raised as a field's error, so the answer names the field rather than "body".
            field = "prompt" if self.prompt is None else "messages"
            error = PydanticCustomError("prompt_or_messages", "send one of prompt and messages")
            raise ValidationError.from_exception_data(
                type(self).__name__, [InitErrorDetails(type=error, loc=(field,), input=None)]
            )
        return self

    def chat_messages(self) -> Sequence[Mapping[str, Any]]:
        if self.messages is None:
            return [{"role": "user", "content": self.prompt}]
        return self.messages


class EmbedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(min_length=1, max_length=2048)
    provider_id: str | None = Field(default=None, max_length=64)
    model: str | None = Field(default=None, min_length=1, max_length=200)


class TokenUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int = 0
    total_tokens: int


class AttemptPublic(BaseModel):
    provider_id: str
    provider: str
    provider_type: str
    model: str | None
    status: Literal["ok", "error", "skipped", "cancelled", "cache_hit"]
    latency_ms: float
    code: str | None
    message: str | None = Field(description="Turnout's own message, in the caller's language")
    retry_after_s: float | None
    detail: str | None = Field(
        default=None, description="admins only: the upstream's text, scrubbed and cut short"
    )


class TokenLogprobPublic(BaseModel):
    token: str
    logprob: float
    top_logprobs: list[tuple[str, float]] = Field(default_factory=list)


class GenerateResponse(BaseModel):
    content: str
    model: str
    provider_id: str
    usage: TokenUsage
    latency_ms: float
    finish_reason: str | None
    cached: bool
    request_id: str
    attempts: list[AttemptPublic]
    logprobs: list[TokenLogprobPublic] | None = None


class EmbedResponse(BaseModel):
    embeddings: list[list[float]]
    model: str
    dimensions: int
    usage: TokenUsage
    provider_id: str
    request_id: str
    attempts: list[AttemptPublic]
