"""Bodies for provider configs, routing, connection tests and the model registry.

Create/update bodies are deliberately loose: the catalog-driven validator checks every field
against its provider type and answers with localised field issues.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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

    @classmethod
    def of(cls, config: ProviderConfig, *, active_id: str | None) -> ProviderPublic:
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
        )


class ConnectionTestResult(BaseModel):
    ok: bool
    latency_ms: float
    error_code: str | None = None
    message: str
    models: list[str] | None = None


class RoutingBody(BaseModel):
    active_provider_id: str | None = None
    fallback_provider_ids: list[str] = Field(default_factory=list)


class ModelEntryCreate(BaseModel):
    provider_type: str = Field(min_length=1, max_length=32)
    model: str = Field(min_length=1, max_length=128)
    kind: str = Field(default="chat", pattern="^(chat|embedding)$")
    context_window: int | None = Field(default=None, ge=1)
    input_price_per_1k: float = Field(default=0.0, ge=0)
    output_price_per_1k: float = Field(default=0.0, ge=0)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    capabilities: dict[str, bool] = Field(default_factory=dict)


class ModelEntryPublic(ModelEntryCreate):
    id: str | None
    builtin: bool
