"""Which requests are cached, and their key: tenant, provider, model, messages, sampling, tools
and every other field that changes the answer."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from turnout.gateway.context import GatewayRequest

DEFAULT_TTL_S = 3600.0


def is_cacheable(request: GatewayRequest) -> bool:
    """Deterministic requests (temperature 0) unless opted out; any request that opts in."""
    if request.cache is not None:
        return request.cache
    return request.chat.temperature == 0


def cache_key(request: GatewayRequest, *, provider_id: str, model: str | None) -> str:
    chat = request.chat
    material: list[Any] = [
        request.caller.tenant_id,
        provider_id,
        model,
        chat.messages,
        chat.temperature,
        chat.max_tokens,
        chat.top_p,
        chat.stop,
        chat.response_format,
        chat.logprobs,
        chat.top_logprobs,
        chat.extra,
        chat.tools,
        chat.tool_choice,
        chat.parallel_tool_calls,
        chat.n,
        chat.seed,
        chat.logit_bias,
        chat.user,
        chat.presence_penalty,
        chat.frequency_penalty,
    ]
    digest = hashlib.sha256(orjson.dumps(material, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"chat:{digest}"
