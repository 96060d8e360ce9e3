"""The shapes a catalog entry is made of: frozen data that adapters and the console read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Dialect = Literal["openai", "azure", "ollama"]
AuthStyle = Literal["bearer", "api_key_header", "none", "bearer_optional"]
DeploymentMode = Literal["cloud", "local", "private"]
FieldKind = Literal["string", "secret", "url", "int", "float", "bool"]
ModelKind = Literal["chat", "embedding"]
# ("GET", path below the base URL) or a one-token chat where the vendor has no cheap GET.
ConnectionTest = tuple[Literal["GET"], str] | Literal["chat_1_token"]

DEPLOYMENT_MODES: tuple[DeploymentMode, ...] = ("cloud", "local", "private")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One setting of a provider config, addressed by its dotted path in the config payload."""

    name: str
    kind: FieldKind
    required: bool = False
    # Satisfied when the named other field is given instead (e.g. Azure resource vs base_url).
    required_unless: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    choices: tuple[str, ...] | None = None
    default: Any = None
    has_help: bool = False

    @property
    def label_key(self) -> str:
        return f"providers.fields.{self.name}.label"

    @property
    def help_key(self) -> str | None:
        return f"providers.fields.{self.name}.help" if self.has_help else None


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider type's API accepts. `json_schema`, `json_object` and `logprobs` degrade
    when missing; a request needing any of the others is never sent to a type without it."""

    chat: bool = True
    stream: bool = True
    embed: bool = True
    json_schema: bool = False
    json_object: bool = True
    logprobs: bool = False
    tools: bool = True  # tools, tool_choice, parallel_tool_calls, tool_calls and tool messages
    forced_tool_choice: bool = True  # tool_choice "required" or a named function
    multiple_choices: bool = False  # n > 1
    seed: bool = False
    logit_bias: bool = False
    user: bool = False  # the end user's id, OpenAI's `user`
    image_input: bool = False  # `image_url` content parts with data: URLs
    image_urls: bool = False  # … and with http(s) URLs the provider fetches itself
    audio_input: bool = False  # `input_audio` content parts
    file_input: bool = False  # `file` content parts


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the vendor lists; prices are per 1,000 tokens in `currency`."""

    model: str
    kind: ModelKind
    context_window: int
    input_price_per_1k: float
    output_price_per_1k: float
    currency: str
    dimensions: int | None = None


@dataclass(frozen=True, slots=True)
class WireProfile:
    """Per-vendor differences inside one dialect, so adapters never branch on type names."""

    chat_path: str = "/chat/completions"
    embed_path: str = "/embeddings"
    models_path: str | None = "/models"
    # OpenAI's reasoning models reject `max_tokens`; most other vendors only know `max_tokens`.
    max_tokens_field: str = "max_tokens"
    stream_usage: bool = True
    max_embed_batch: int = 2048


@dataclass(frozen=True, slots=True)
class ProviderType:
    type: str
    dialect: Dialect
    default_base_url: str | None
    auth_style: AuthStyle
    deployment_modes: tuple[DeploymentMode, ...]
    default_deployment_mode: DeploymentMode
    fields: tuple[FieldSpec, ...]
    default_chat_model: str | None
    default_embedding_model: str | None
    capabilities: Capabilities
    connection_test: ConnectionTest
    known_models: tuple[ModelInfo, ...]
    docs_url: str
    wire: WireProfile = WireProfile()

    @property
    def display_name_key(self) -> str:
        return f"providers.{self.type}.name"

    @property
    def description_key(self) -> str:
        return f"providers.{self.type}.description"

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    def known_model(self, model: str) -> ModelInfo | None:
        return next((info for info in self.known_models if info.model == model), None)
