"""Finish reasons: vendors' values normalised, and what a filtered or failed answer means.

Policy: a finish reason that reports a filtered answer (OpenAI/Azure/DeepSeek `content_filter`,
Zhipu/Hunyuan `sensitive`) becomes "content_filter"; one that reports an upstream failure
(DeepSeek `insufficient_system_resource`, Zhipu `network_error`) becomes "error". Either raises
(ContentFiltered / UpstreamServerError, so the gateway can fail over) only when no content came
back; with partial content the answer is returned and the caller sees the finish reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from turnout.errors import ContentFiltered, UpstreamServerError

FINISH_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "stop": "stop",
        "length": "length",
        "tool_calls": "tool_calls",
        "function_call": "tool_calls",
        "content_filter": "content_filter",
        "sensitive": "content_filter",  # Zhipu, Hunyuan (research/providers.md)
        "model_context_window_exceeded": "length",  # Zhipu
        "insufficient_system_resource": "error",  # DeepSeek (PK deepseek/types.ts)
        "network_error": "error",  # Zhipu
        "load": "stop",  # Ollama done_reason when only loading a model
        "unload": "stop",
    }
)


def normalise_finish_reason(raw: object) -> str:
    """Our finish reason for a vendor's; a missing one means the model just stopped."""
    if not isinstance(raw, str) or raw in ("", "null"):
        return "stop"
    return FINISH_REASONS.get(raw.lower(), raw.lower())


def apply_finish_policy(raw: object, content: str, *, provider: str | None) -> str:
    """The normalised finish reason, or the error for a filtered/failed answer with no content."""
    reason = normalise_finish_reason(raw)
    if content.strip():
        return reason
    if reason == "content_filter":
        raise ContentFiltered(
            f"answer filtered (finish_reason={raw})", provider=provider, upstream_status=200
        )
    if reason == "error":
        raise UpstreamServerError(
            f"generation failed (finish_reason={raw})", provider=provider, upstream_status=200
        )
    return reason
