"""Error presets: which table a reply uses, which preset a bare status borrows, and rendering.

The bodies themselves are data in error_tables.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout.fakeupstream.error_tables import (
    AZURE,
    DEEPSEEK,
    HUNYUAN,
    OLLAMA,
    OPENAI,
    OPENAI_COMPATIBLE,
    QIANFAN,
    QWEN,
    ZHIPU,
    ErrorSpec,
    oai,
)

PRESETS = (
    "rate_limit",
    "quota",
    "auth",
    "content_filter",
    "context_length",
    "invalid_request",
    "model_not_found",
    "server_error",
    "unavailable",
)
# Used by the server itself (no key sent, unknown path); also accepted as Fault.error.
INTERNAL_PRESETS = ("auth_missing", "not_found")
ALL_PRESETS = PRESETS + INTERNAL_PRESETS

# A raw status override without a preset borrows the body of the preset that fits the status.
PRESET_FOR_STATUS = {
    400: "invalid_request",
    401: "auth",
    402: "quota",
    403: "quota",
    404: "not_found",
    422: "invalid_request",
    429: "rate_limit",
    503: "unavailable",
    504: "unavailable",
}


_OLLAMA_COMPAT_TYPES = {400: "invalid_request_error", 404: "not_found_error"}


def _ollama_compat(spec: ErrorSpec) -> ErrorSpec:
    """Ollama's /v1 routes wrap the same message in OpenAI's envelope (ollama openai/openai.go)."""
    if not isinstance(spec.body, dict):
        return spec
    error_type = _OLLAMA_COMPAT_TYPES.get(spec.status, "api_error")
    return oai(spec.status, spec.body["error"], error_type, None)


TABLES: dict[str, dict[str, ErrorSpec]] = {
    "openai": OPENAI,
    "azure_openai": AZURE,
    "qwen": QWEN,
    "zhipu": ZHIPU,
    "baidu": QIANFAN,
    "hunyuan": HUNYUAN,
    "deepseek": DEEPSEEK,
    "openai_compatible": OPENAI_COMPATIBLE,
    "ollama": OLLAMA,
    "ollama_v1": {name: _ollama_compat(spec) for name, spec in OLLAMA.items()},
}


def preset_for_status(status: int) -> str:
    """The preset whose body best fits a bare status override."""
    if status in PRESET_FOR_STATUS:
        return PRESET_FOR_STATUS[status]
    return "server_error" if status >= 500 else "invalid_request"


def spec_for(table: str, preset: str) -> ErrorSpec:
    return TABLES[table][preset]


def render(template: Any, context: Mapping[str, str]) -> Any:
    """The template with every ``{name}`` placeholder in its strings filled from `context`."""
    if isinstance(template, str):
        for name, value in context.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, dict):
        return {key: render(value, context) for key, value in template.items()}
    if isinstance(template, list):
        return [render(item, context) for item in template]
    return template
