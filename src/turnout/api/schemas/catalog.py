"""The provider catalog as GET /api/v1/llm/methods shows it.

The body is built by `turnout.providers.catalog.provider_type_as_json`; tests/api/test_openapi.py
checks that these models read every entry back unchanged, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from turnout.providers.specs import AuthStyle, DeploymentMode, Dialect, FieldKind, ModelKind


class ProviderFieldPublic(BaseModel):
    """One setting of a provider config; `name` is its dotted path in the config payload."""

    name: str
    kind: FieldKind
    required: bool
    required_unless: str | None = Field(description="the field that satisfies it instead")
    label: str = Field(description="localised by Accept-Language")
    help: str | None = Field(description="localised by Accept-Language")
    # int | float, not float: an integer bound stays an integer in the body (0, not 0.0).
    minimum: int | float | None
    maximum: int | float | None
    exclusive_minimum: bool
    min_length: int | None
    max_length: int | None
    pattern: str | None
    choices: list[str] | None
    default: Any = Field(description="what an omitted value means")


class CapabilitiesPublic(BaseModel):
    """What the type's API accepts; a request needing one it lacks is never sent to it."""

    chat: bool
    stream: bool
    embed: bool
    json_schema: bool
    json_object: bool
    logprobs: bool
    tools: bool = Field(description="tools, tool_choice, tool_calls and tool messages")
    forced_tool_choice: bool = Field(description='tool_choice "required" or a named function')
    multiple_choices: bool = Field(description="n > 1")
    seed: bool
    logit_bias: bool
    user: bool
    image_input: bool = Field(description="image_url parts with data: URLs")
    image_urls: bool = Field(description="image_url parts with http(s) URLs")
    audio_input: bool = Field(description="input_audio parts")
    file_input: bool = Field(description="file parts")


class HttpConnectionTest(BaseModel):
    """The connection test is a request to `path` below the base URL."""

    kind: Literal["http"]
    method: Literal["GET"]
    path: str


class ChatConnectionTest(BaseModel):
    """The vendor has no cheap GET: the connection test is a one-token chat."""

    kind: Literal["chat_1_token"]


ConnectionTestPublic = Annotated[
    HttpConnectionTest | ChatConnectionTest, Field(discriminator="kind")
]


class DefaultModels(BaseModel):
    chat: str | None
    embedding: str | None


class KnownModelPublic(BaseModel):
    """A model the vendor lists; prices are per 1,000 tokens in `currency`."""

    model: str
    kind: ModelKind
    context_window: int
    input_price_per_1k: float
    output_price_per_1k: float
    currency: str
    dimensions: int | None


class ProviderTypePublic(BaseModel):
    type: str
    name: str = Field(description="localised by Accept-Language")
    description: str = Field(description="localised by Accept-Language")
    dialect: Dialect
    default_base_url: str | None
    auth_style: AuthStyle
    deployment_modes: list[DeploymentMode]
    default_deployment_mode: DeploymentMode
    default_models: DefaultModels
    capabilities: CapabilitiesPublic
    connection_test: ConnectionTestPublic
    fields: list[ProviderFieldPublic]
    known_models: list[KnownModelPublic]
    docs_url: str
