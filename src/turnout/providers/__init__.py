"""Provider catalog, config validation and one adapter per wire dialect.

Knows nothing of tenants, the database or HTTP routes: a `ProviderConnection` (key source,
base URL, options, pooled HTTP client) goes in, `build_provider` gives the adapter for it.
"""

from turnout.providers.base import (
    ChatRequest,
    ChatResult,
    EmbedResult,
    HealthResult,
    LLMProvider,
    StreamEvent,
    TokenLogprob,
    Usage,
)
from turnout.providers.catalog import (
    CATALOG,
    catalog_as_json,
    get_provider_type,
    provider_type_as_json,
)
from turnout.providers.connection import ConnectionOptions, ProviderConnection
from turnout.providers.registry import ADAPTERS, build_provider
from turnout.providers.specs import Capabilities, FieldSpec, ModelInfo, ProviderType, WireProfile
from turnout.providers.validation import FieldIssue, validate_provider_settings

__all__ = [
    "ADAPTERS",
    "CATALOG",
    "Capabilities",
    "ChatRequest",
    "ChatResult",
    "ConnectionOptions",
    "EmbedResult",
    "FieldIssue",
    "FieldSpec",
    "HealthResult",
    "LLMProvider",
    "ModelInfo",
    "ProviderConnection",
    "ProviderType",
    "StreamEvent",
    "TokenLogprob",
    "Usage",
    "WireProfile",
    "build_provider",
    "catalog_as_json",
    "get_provider_type",
    "provider_type_as_json",
    "validate_provider_settings",
]
