"""What every adapter accepts and returns, and the abstract adapter itself.

Policies shared by all adapters:
- Content filter: a filtered *prompt* (upstream 4xx with a filter code) raises ContentFiltered.
  A filtered *answer* (finish `content_filter`, Zhipu/Hunyuan `sensitive`) is normalised to
  finish_reason "content_filter"; it raises ContentFiltered only when no content came back,
  otherwise the partial content is returned (streams have already delivered it) so callers
  can decide. See `finish.py`.
- Output-format features degrade, never fail: `logprobs` is dropped where the catalog says the
  type has none (ChatResult.logprobs is then None); `json_schema` falls back to `json_object`,
  and that to plain text. Features that change what is asked (tools, n > 1, seed, logit_bias,
  user, non-text content; `features.py`) are never dropped: the gateway does not send such a
  request to a type without them. Embeddings on a type without them raise
  CapabilityUnsupported.
- Every foreign exception leaves an adapter as a ProviderError (see `error_mapping.py`).
- Stream consumers should close the iterator (`contextlib.aclosing`) when stopping early, so
  the upstream response is released at once.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from turnout.errors import CapabilityUnsupported, MalformedResponse, TurnoutError
from turnout.providers import transport
from turnout.providers.validation import FieldIssue, validate_provider_settings

if TYPE_CHECKING:
    from turnout.providers.connection import ProviderConnection
    from turnout.providers.specs import Capabilities, ProviderType

Message = Mapping[str, Any]
HEALTH_TIMEOUT_S = 15.0
_CAPABILITY_LABELS = {"embed": "embeddings", "stream": "streaming"}


@dataclass(frozen=True, slots=True)
class ChatRequest:
    messages: Sequence[Message]
    model: str | None = None  # None: the connection's chat model (Azure: its deployment)
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: Sequence[str] | None = None
    # OpenAI shape: {"type": "json_object"} or {"type": "json_schema", "json_schema": {…}}
    response_format: Mapping[str, Any] | None = None
    logprobs: bool = False
    top_logprobs: int | None = None
    timeout_s: float | None = None  # None: the connection's options.timeout_s
    # OpenAI's shapes: [{"type": "function", "function": {name, description?, parameters?}}],
    # "none" | "auto" | "required" | {"type": "function", "function": {"name": …}}.
    tools: Sequence[Mapping[str, Any]] | None = None
    tool_choice: str | Mapping[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    n: int | None = None
    seed: int | None = None
    logit_bias: Mapping[str, int] | None = None
    user: str | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    # Top-level body fields sent as they are: vendor-specific ones (e.g. DashScope
    # `enable_thinking`) and OpenAI parameters Turnout does not interpret (e.g. `metadata`).
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def of(cls, prompt: int, completion: int, total: int | None = None) -> Usage:
        return cls(prompt, completion, prompt + completion if total is None else total)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
        )


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function the model asks the caller to run; `arguments` is JSON text, as OpenAI sends."""

    id: str
    name: str
    arguments: str

    def as_openai(self) -> dict[str, Any]:
        function = {"name": self.name, "arguments": self.arguments}
        return {"id": self.id, "type": "function", "function": function}


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of the `index`-th tool call of a streamed answer: its id and name come first,
    its arguments in fragments."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """One of several answers to one request (n > 1)."""

    content: str
    finish_reason: str
    tool_calls: tuple[ToolCall, ...] = ()
    logprobs: tuple[TokenLogprob, ...] | None = None


@dataclass(frozen=True, slots=True)
class ChatResult:
    """The answer (its first choice, flattened) and, for n > 1, the other choices in order."""

    content: str
    model: str
    finish_reason: str
    usage: Usage
    logprobs: tuple[TokenLogprob, ...] | None = None
    raw_id: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    more_choices: tuple[Choice, ...] = ()

    @property
    def choices(self) -> tuple[Choice, ...]:
        first = Choice(self.content, self.finish_reason, self.tool_calls, self.logprobs)
        return (first, *self.more_choices)


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """A piece of an answer (text in `delta`, tool-call pieces) for choice `index`, or the
    last event (`done`) with usage and the finish reason of every choice in order."""

    delta: str = ""
    done: bool = False
    finish_reason: str | None = None  # of the first choice
    usage: Usage | None = None
    model: str | None = None
    index: int = 0
    tool_calls: tuple[ToolCallDelta, ...] = ()
    more_finishes: tuple[str, ...] = ()  # choices after the first, when n > 1


@dataclass(frozen=True, slots=True)
class EmbedResult:
    embeddings: list[list[float]]
    model: str
    dimensions: int
    usage: Usage


@dataclass(frozen=True, slots=True)
class HealthResult:
    ok: bool
    latency_ms: float
    models: list[str] | None = None
    error: TurnoutError | None = None


PING = ChatRequest(messages=({"role": "user", "content": "ping"},), max_tokens=1)


class LLMProvider(ABC):
    """Translates one wire dialect; the connection it is given owns key, URL and HTTP pool."""

    def __init__(self, connection: ProviderConnection) -> None:
        self.connection = connection
        self.entry: ProviderType = connection.provider_type

    @property
    def name(self) -> str:
        return self.connection.name

    @property
    def capabilities(self) -> Capabilities:
        return self.entry.capabilities

    @abstractmethod
    async def generate(self, req: ChatRequest) -> ChatResult:
        """One complete answer."""

    @abstractmethod
    def stream_generate(self, req: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Text deltas, then exactly one `done` event."""

    @abstractmethod
    async def embed(self, texts: Sequence[str], model: str | None = None) -> EmbedResult:
        """One vector per text, in order."""

    async def list_models(self) -> list[str]:
        """Model ids the upstream offers."""
        path = self.entry.wire.models_path
        if path is None:
            raise CapabilityUnsupported(provider=self.name, capability="list_models")
        return self.parse_models(await self.get_json(path))

    async def health_check(self) -> HealthResult:
        """The catalog's cheap connection test, timed; never raises for upstream failures."""
        started = time.perf_counter()
        try:
            models = await self.connection_test()
        except TurnoutError as exc:
            return HealthResult(False, _elapsed_ms(started), error=exc)
        return HealthResult(True, _elapsed_ms(started), models=models)

    async def connection_test(self) -> list[str] | None:
        test = self.entry.connection_test
        timeout_s = min(self.connection.options.timeout_s, HEALTH_TIMEOUT_S)
        if test == "chat_1_token":
            await self.generate(replace(PING, timeout_s=timeout_s))
            return None
        payload = await self.get_json(test[1], timeout_s=timeout_s)
        return self.parse_models(payload) if test[1] == self.entry.wire.models_path else None

    def validate_config(self) -> list[FieldIssue]:
        """Issues with this connection's settings (empty when usable)."""
        has_key = self.connection.api_key() is not None
        settings = self.connection.as_settings()
        return validate_provider_settings(settings, has_stored_api_key=has_key)

    async def get_json(self, path: str, *, timeout_s: float | None = None) -> Any:
        url = self.connection.base_url + path
        return await transport.request_json(
            self.connection, "GET", url, timeout_s=timeout_s or self.connection.options.timeout_s
        )

    def parse_models(self, payload: Any) -> list[str]:
        """OpenAI's `{"data": [{"id": …}]}`; dialects with another shape override this."""
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise MalformedResponse("model list without data", provider=self.name)
        return sorted(str(item["id"]) for item in data if isinstance(item, dict) and "id" in item)

    def require(self, capability: str) -> None:
        """Raise CapabilityUnsupported unless the catalog grants `capability` to this type."""
        if not getattr(self.capabilities, capability):
            label = _CAPABILITY_LABELS.get(capability, capability)
            raise CapabilityUnsupported(provider=self.name, capability=label)

    def timeout_for(self, req: ChatRequest) -> float:
        return req.timeout_s or self.connection.options.timeout_s


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
