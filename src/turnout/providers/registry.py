"""Which adapter speaks which dialect: the only place a provider is built."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from turnout.providers.azure import AzureOpenAIProvider
from turnout.providers.base import LLMProvider
from turnout.providers.connection import ProviderConnection
from turnout.providers.ollama import OllamaProvider
from turnout.providers.openai_dialect import OpenAIDialectProvider
from turnout.providers.specs import Dialect

ADAPTERS: Mapping[Dialect, type[LLMProvider]] = MappingProxyType(
    {
        "openai": OpenAIDialectProvider,
        "azure": AzureOpenAIProvider,
        "ollama": OllamaProvider,
    }
)


def build_provider(connection: ProviderConnection) -> LLMProvider:
    """The adapter for the connection's dialect, bound to that connection."""
    return ADAPTERS[connection.provider_type.dialect](connection)
