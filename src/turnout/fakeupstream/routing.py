"""Which flavour and endpoint a request path names.

The first path segment picks the flavour (none known: OpenAI); the rest is matched by its
suffix, so `/deepseek/chat/completions` and `/deepseek/v1/chat/completions` both reach chat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from turnout.fakeupstream.flavors import DEFAULT_FLAVOR, FLAVORS

_AZURE_DEPLOYMENT = re.compile(r"^/openai/deployments/([^/]+)/(chat/completions|embeddings)$")
_AZURE_V1 = re.compile(r"^/openai/v1/(chat/completions|embeddings|models)$")
_MODEL_ID = re.compile(r"/models/(.+)$")

_SUFFIX_ENDPOINTS = (
    ("POST", "/chat/completions", "chat"),
    ("POST", "/embeddings", "embeddings"),
    ("GET", "/models", "models"),
)
_OLLAMA_ENDPOINTS = {
    ("POST", "/api/chat"): "ollama_chat",
    ("POST", "/api/embed"): "ollama_embed",
    ("GET", "/api/tags"): "ollama_tags",
    ("GET", "/api/version"): "ollama_version",
    ("GET", "/api/ps"): "ollama_ps",
    ("GET", ""): "ollama_root",
    ("HEAD", ""): "ollama_root",
    ("GET", "/"): "ollama_root",
    ("HEAD", "/"): "ollama_root",
    ("POST", "/v1/chat/completions"): "chat",
    ("POST", "/v1/embeddings"): "embeddings",
    ("GET", "/v1/models"): "models",
}
_AZURE_KINDS = {"chat/completions": "chat", "embeddings": "embeddings", "models": "models"}
_PUBLIC_ENDPOINTS = frozenset({"health", "not_found"})
_STREAMING_BY_DEFAULT = frozenset({"ollama_chat"})  # Ollama streams unless `"stream": false`


@dataclass(frozen=True)
class Route:
    flavor: str
    endpoint: str  # "chat", "embeddings", "models", "model", "balance", "health", "ollama_*"…
    errors: str  # the error table replies use
    model: str | None = None  # an Azure deployment, or the id in GET …/models/{id}
    api_version: str | None = None

    @property
    def streams_by_default(self) -> bool:
        return self.endpoint in _STREAMING_BY_DEFAULT

    @property
    def needs_auth(self) -> bool:
        return FLAVORS[self.flavor].auth != "none" and self.endpoint not in _PUBLIC_ENDPOINTS


def split_flavor(path: str) -> tuple[str, str]:
    """(flavour, the path after its prefix)."""
    head, _, rest = path.lstrip("/").partition("/")
    if head in FLAVORS:
        return head, "/" + rest if rest else ""
    return DEFAULT_FLAVOR, path


def resolve(method: str, path: str, query: Mapping[str, str]) -> Route:
    flavor, rest = split_flavor(path)
    if flavor == "azure_openai":
        return _resolve_azure(method, rest, query)
    if flavor == "ollama":
        return _resolve_ollama(method, rest)
    return _resolve_suffix(flavor, method, rest)


def _resolve_suffix(flavor: str, method: str, rest: str) -> Route:
    for verb, suffix, endpoint in _SUFFIX_ENDPOINTS:
        if method == verb and rest.endswith(suffix):
            if endpoint == "embeddings" and not FLAVORS[flavor].embeddings:
                break
            return Route(flavor, endpoint, flavor)
    if method == "GET" and (found := _MODEL_ID.search(rest)):
        return Route(flavor, "model", flavor, model=found.group(1))
    for verb, suffix, endpoint in FLAVORS[flavor].extra_endpoints:
        if method == verb and rest.endswith(suffix):
            return Route(flavor, endpoint, flavor)
    return Route(flavor, "not_found", flavor)


def _resolve_azure(method: str, rest: str, query: Mapping[str, str]) -> Route:
    api_version = query.get("api-version")
    if method == "POST" and (found := _AZURE_DEPLOYMENT.match(rest)) and api_version:
        endpoint = _AZURE_KINDS[found.group(2)]
        return Route("azure_openai", endpoint, "azure_openai", found.group(1), api_version)
    if (found := _AZURE_V1.match(rest)) and method == ("GET" if found.group(1) == "models"
                                                       else "POST"):
        return Route("azure_openai", _AZURE_KINDS[found.group(1)], "azure_openai",
                     api_version="v1")
    if method == "GET" and rest == "/openai/models" and api_version:
        return Route("azure_openai", "models", "azure_openai", api_version=api_version)
    return Route("azure_openai", "not_found", "azure_openai", api_version=api_version)


def _resolve_ollama(method: str, rest: str) -> Route:
    endpoint = _OLLAMA_ENDPOINTS.get((method, rest), "not_found")
    errors = "ollama_v1" if rest.startswith("/v1/") else "ollama"
    return Route("ollama", endpoint, errors)
