"""Bodies for provider configs, routing, connection tests and the model registry.

Create/update bodies are deliberately loose: the catalog-driven validator checks every field
against its provider type and answers with localised field issues.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from turnout.api.messages import catalog_message
from turnout.configs.last_test import LastTest
from turnout.store.models import ProviderConfig


class ProviderWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Any = None
    provider_type: Any = None
    deployment_mode: Any = None
    base_url: Any = None
    api_key: Any = None
    models: Any = None
    options: Any = None
    extra: Any = None
    enabled: Any = None


class ConnectionTestResult(BaseModel):
    ok: bool
    latency_ms: float
    error_code: str | None = None
    message: str
    models: list[str] | None = None

    @classmethod
    def of(cls, test: LastTest, *, locale: str) -> ConnectionTestResult:
        return cls(
            ok=test.ok,
            latency_ms=test.latency_ms,
            error_code=test.error_code,
            message=catalog_message(test.message_key, locale, test.message_params),
            models=test.models,
        )


class ProviderLastTest(ConnectionTestResult):
    tested_at: datetime

    @classmethod
    def of(cls, test: LastTest, *, locale: str) -> ProviderLastTest:
        result = ConnectionTestResult.of(test, locale=locale)
        return cls(**result.model_dump(), tested_at=test.tested_at)


class ProviderPublic(BaseModel):
    id: str
    name: str
    provider_type: str
    deployment_mode: str
    base_url: str | None
    api_key: str | None = Field(description="masked, e.g. sk-…a1b2")
    has_api_key: bool
    models: dict[str, Any]
    options: dict[str, Any]
    extra: dict[str, Any]
    enabled: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    last_test: ProviderLastTest | None = Field(
        description="the last connection test of the current settings; null when never tested "
        "or since the deployment mode, URL, key, extra, timeout or retries changed"
    )

    @classmethod
    def of(cls, config: ProviderConfig, *, active_id: str | None, locale: str) -> ProviderPublic:
        last_test = LastTest.of_row(config)
        return cls(
            id=config.id,
            name=config.name,
            provider_type=config.provider_type,
            deployment_mode=config.deployment_mode,
            base_url=config.base_url,
            api_key=config.api_key_hint,
            has_api_key=config.api_key_encrypted is not None,
            models=config.models,
            options=config.options,
            extra=config.extra,
            enabled=config.enabled,
            is_active=config.id == active_id,
            created_at=config.created_at,
            updated_at=config.updated_at,
            last_test=last_test and ProviderLastTest.of(last_test, locale=locale),
        )


class RoutingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active_provider_id: str | None = Field(default=None, max_length=64)
    fallback_provider_ids: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=32
    )
    fallback_for_pinned: bool = Field(
        default=False,
        description="whether the fallbacks may serve a request that names its provider "
        "(provider_id, `<name>/<model>` or a provider name); by default such a request is "
        "served by that provider or fails with its attempts",
    )


class ModelEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_type: str = Field(min_length=1, max_length=32)
    model: str = Field(min_length=1, max_length=128)
    kind: str = Field(default="chat", pattern="^(chat|embedding)$")
    # Bounded by what the columns hold (a 32-bit integer) and by any sensible price.
    context_window: int | None = Field(default=None, ge=1, le=100_000_000)
    input_price_per_1k: float = Field(default=0.0, ge=0, le=1_000_000, allow_inf_nan=False)
    output_price_per_1k: float = Field(default=0.0, ge=0, le=1_000_000, allow_inf_nan=False)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    capabilities: dict[str, bool] = Field(default_factory=dict, max_length=32)


class ModelEntryPublic(ModelEntryCreate):
    id: str | None
    builtin: bool
