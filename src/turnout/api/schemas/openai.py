"""Bodies of the OpenAI-compatible routes, in OpenAI's shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, with_config
from pydantic_core import PydanticCustomError

# pydantic reads TypedDicts from typing_extensions before Python 3.12.
from typing_extensions import TypedDict

from turnout.api.schemas.llm import AttemptPublic
from turnout.api.schemas.messages import TOOL_NAME, Messages


@with_config(ConfigDict(extra="forbid"))
class FunctionDefinition(TypedDict):
    name: Annotated[str, Field(pattern=TOOL_NAME)]
    description: NotRequired[str]
    parameters: NotRequired[dict[str, Any]]  # a JSON schema
    strict: NotRequired[bool | None]


@with_config(ConfigDict(extra="forbid"))
class ToolDefinition(TypedDict):
    type: Literal["function"]
    function: FunctionDefinition


@with_config(ConfigDict(extra="forbid"))
class NamedFunction(TypedDict):
    name: str


@with_config(ConfigDict(extra="forbid"))
class NamedToolChoice(TypedDict):
    type: Literal["function"]
    function: NamedFunction


class ChatCompletionBody(BaseModel):
    """OpenAI's create-chat-completion body; a field OpenAI does not document is refused."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=300)
    messages: Messages
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    stream: bool | None = False
    stream_options: dict[str, Any] | None = None
    # Served only by providers whose catalog entry has the capability (features.py).
    tools: list[ToolDefinition] | None = Field(default=None, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    n: int | None = Field(default=None, ge=1, le=128)
    seed: int | None = None
    logit_bias: dict[str, Annotated[int, Field(ge=-100, le=100)]] | None = None
    user: str | None = Field(default=None, max_length=256)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    # Not interpreted by Turnout: sent to the provider as they are (PASSED_ON).
    metadata: dict[str, str] | None = None
    store: bool | None = None
    service_tier: str | None = Field(default=None, max_length=64)
    reasoning_effort: str | None = Field(default=None, max_length=64)
    verbosity: str | None = Field(default=None, max_length=64)
    prediction: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None
    prompt_cache_key: str | None = Field(default=None, max_length=1024)
    safety_identifier: str | None = Field(default=None, max_length=256)
    # Audio output is not relayed, so text is the only modality.
    modalities: list[Literal["text"]] | None = None

    @field_validator("tool_choice", "parallel_tool_calls")
    @classmethod
    def _only_with_tools(cls, value: Any, info: ValidationInfo) -> Any:
        """As OpenAI: no tool_choice or parallel_tool_calls without tools; a named tool exists."""
        tools = info.data.get("tools")
        if value is not None and not tools:
            raise PydanticCustomError("missing_tools", "only allowed when tools are given")
        if isinstance(value, dict) and value["function"]["name"] not in {
            tool["function"]["name"] for tool in tools or ()
        }:
            raise PydanticCustomError("literal_error", "names no function of tools")
        return value


# Body fields sent to the provider unchanged, in ChatRequest.extra.
PASSED_ON = frozenset(
    {
        "metadata",
        "store",
        "service_tier",
        "reasoning_effort",
        "verbosity",
        "prediction",
        "web_search_options",
        "prompt_cache_key",
        "safety_identifier",
        "modalities",
    }
)


class EmbeddingsBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=300)
    input: str | list[str]
    dimensions: int | None = Field(default=None, ge=1)


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class FunctionCallOut(BaseModel):
    name: str
    arguments: str = Field(description="JSON text")


class ToolCallOut(BaseModel):
    id: str
    type: Literal["function"]
    function: FunctionCallOut


class ChatMessageOut(BaseModel):
    role: Literal["assistant"]
    content: str | None = Field(description="null when the answer only calls tools")
    tool_calls: list[ToolCallOut] | None = None


class TopLogprob(BaseModel):
    token: str
    logprob: float
    bytes: list[int] | None = None


class TokenLogprob(TopLogprob):
    top_logprobs: list[TopLogprob]


class ChoiceLogprobs(BaseModel):
    content: list[TokenLogprob] | None


class ChatChoice(BaseModel):
    index: int
    message: ChatMessageOut
    finish_reason: str = Field(description="stop, length, tool_calls, content_filter, …")
    logprobs: ChoiceLogprobs | None


class TurnoutExtension(BaseModel):
    """Where the answer came from; OpenAI clients ignore it."""

    provider_id: str
    cached: bool
    attempts: list[AttemptPublic]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: CompletionUsage
    system_fingerprint: str | None
    turnout: TurnoutExtension


class FunctionCallDelta(BaseModel):
    name: str | None = None
    arguments: str | None = Field(default=None, description="a fragment of the JSON text")


class ToolCallDeltaOut(BaseModel):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: FunctionCallDelta


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    tool_calls: list[ToolCallDeltaOut] | None = None


class ChunkChoice(BaseModel):
    index: int
    delta: ChunkDelta
    finish_reason: str | None
    logprobs: ChoiceLogprobs | None


class ChatCompletionChunk(BaseModel):
    """One `data:` event of a streamed answer; the last before `[DONE]` may carry only usage."""

    id: str
    object: Literal["chat.completion.chunk"]
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: CompletionUsage | None = None


class StreamError(BaseModel):
    """An error that cut a stream short, sent as one `data:` event in OpenAI's error shape."""

    error: dict[str, Any]


class EmbeddingItem(BaseModel):
    object: Literal["embedding"]
    index: int
    embedding: list[float]


class EmbeddingUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingList(BaseModel):
    object: Literal["list"]
    data: list[EmbeddingItem]
    model: str
    usage: EmbeddingUsage


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]
