"""The OpenAI-compatible API, so the official `openai` SDK and anything built on it just work.

`model` is `auto` (tenant routing), `<provider name>/<model>`, a provider name alone (its
configured model), or a bare model name (sent to the routed provider).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from turnout.api.deps import CurrentViewer, ServicesDep
from turnout.api.disconnect import unless_disconnected
from turnout.api.errors import error_body
from turnout.api.lean import Call, body_schema, guarded
from turnout.api.routes.llm import SSE_HEADERS, cache_header
from turnout.errors import ValidationFailed
from turnout.gateway.context import Caller, GatewayRequest
from turnout.gateway.outcomes import GatewayResult
from turnout.gateway.streaming import StreamItem, stream
from turnout.providers import ChatRequest
from turnout.security.roles import Principal, Role

router = APIRouter(prefix="/v1", tags=["openai compatible"])
AUTO = "auto"


class ChatCompletionBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=300)
    messages: list[dict[str, Any]] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    stream: bool | None = False
    stream_options: dict[str, Any] | None = None
    n: int | None = Field(default=None, ge=1, le=1)


class EmbeddingsBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=300)
    input: str | list[str]
    dimensions: int | None = Field(default=None, ge=1)


async def _target(
    services: ServicesDep, tenant_id: str, model: str
) -> tuple[str | None, str | None]:
    """(provider name, model) for an OpenAI-style `model` string."""
    if model == AUTO:
        return None, None
    if await services.runtime.provider_id_named(tenant_id=tenant_id, name=model):
        return model, None
    head, sep, tail = model.partition("/")
    if sep and tail and await services.runtime.provider_id_named(tenant_id=tenant_id, name=head):
        return head, tail
    return None, model


def _caller(principal: Principal) -> Caller:
    return Caller(principal.tenant_id, principal.user_id, principal.api_key_id)


@router.post("/chat/completions", openapi_extra=body_schema(ChatCompletionBody))
@guarded(Role.MEMBER)
async def chat_completions(call: Call) -> Response:
    """OpenAI's chat completions, streamed or not."""
    body = await call.body(ChatCompletionBody)
    principal, services, request_id = call.principal, call.services, call.request_id
    provider_name, model = await _target(services, principal.tenant_id, body.model)
    stop = [body.stop] if isinstance(body.stop, str) else body.stop
    chat = ChatRequest(
        messages=body.messages,
        model=model,
        temperature=body.temperature,
        top_p=body.top_p,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stop=stop,
        response_format=body.response_format,
        logprobs=bool(body.logprobs),
        top_logprobs=body.top_logprobs,
    )
    work = GatewayRequest(
        caller=_caller(principal), request_id=request_id, chat=chat, provider_name=provider_name
    )
    if body.stream:
        include_usage = bool((body.stream_options or {}).get("include_usage"))
        items = stream(services.switcher, work, rpm_limit=principal.rpm_limit)
        first = await anext(items)
        chunks = _chunks(first, items, body.model, request_id, include_usage, call.locale)
        return StreamingResponse(chunks, media_type="text/event-stream", headers=SSE_HEADERS)
    result = await unless_disconnected(
        call.request, services.switcher.generate(work, rpm_limit=principal.rpm_limit)
    )
    return Response(
        orjson.dumps(_completion(result, body.model)),
        media_type="application/json",
        headers=cache_header(result),
    )


def _usage(result: GatewayResult) -> dict[str, int]:
    return {
        "prompt_tokens": result.usage.prompt_tokens,
        "completion_tokens": result.usage.completion_tokens,
        "total_tokens": result.usage.total_tokens,
    }


def _completion(result: GatewayResult, requested_model: str) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": result.content},
        "finish_reason": result.finish_reason or "stop",
        "logprobs": None,
    }
    if result.logprobs is not None:
        choice["logprobs"] = {
            "content": [
                {"token": t["token"], "logprob": t["logprob"], "bytes": None, "top_logprobs": []}
                for t in result.logprobs
            ]
        }
    return {
        "id": f"chatcmpl-{result.request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": result.model or requested_model,
        "choices": [choice],
        "usage": _usage(result),
        "system_fingerprint": None,
        "turnout": {
            "provider_id": result.provider_id,
            "cached": result.cached,
            "attempts": [a.as_dict() for a in result.attempts],
        },
    }


async def _chunks(
    first: StreamItem,
    rest: AsyncIterator[StreamItem],
    model: str,
    request_id: str,
    include_usage: bool,
    locale: str,
) -> AsyncIterator[bytes]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        payload = {
            "id": f"chatcmpl-{request_id}",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return b"data: " + orjson.dumps(payload) + b"\n\n"

    yield chunk({"role": "assistant", "content": ""})
    item: StreamItem | None = first
    while item is not None:
        if item.error is not None:
            error = error_body(item.error, locale, request_id)["error"]
            body = {
                "error": {
                    "message": error["message"],
                    "type": "api_error",
                    "param": None,
                    "code": error["code"].lower(),
                }
            }
            yield b"data: " + orjson.dumps(body) + b"\n\n"
            return
        if item.result is not None:
            yield chunk({}, item.result.finish_reason or "stop")
            if include_usage:
                payload = {
                    "id": f"chatcmpl-{request_id}",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": _usage(item.result),
                }
                yield b"data: " + orjson.dumps(payload) + b"\n\n"
        elif item.text:
            yield chunk({"content": item.text})
        item = await anext(rest, None)
    yield b"data: [DONE]\n\n"


@router.post("/embeddings", openapi_extra=body_schema(EmbeddingsBody))
@guarded(Role.MEMBER)
async def embeddings(call: Call) -> Response:
    """OpenAI's embeddings."""
    body = await call.body(EmbeddingsBody)
    principal, services, request_id = call.principal, call.services, call.request_id
    texts = [body.input] if isinstance(body.input, str) else body.input
    if not texts:
        raise ValidationFailed([{"field": "input", "code": "validation.required"}])
    provider_name, model = await _target(services, principal.tenant_id, body.model)
    work = GatewayRequest(
        caller=_caller(principal),
        request_id=request_id,
        chat=ChatRequest(messages=(), model=model),
        provider_name=provider_name,
    )
    outcome = await unless_disconnected(
        call.request, services.switcher.embed(work, texts, rpm_limit=principal.rpm_limit)
    )
    result = outcome.result
    payload = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": vector}
            for i, vector in enumerate(result.embeddings)
        ],
        "model": result.model,
        "usage": {
            "prompt_tokens": result.usage.prompt_tokens,
            "total_tokens": result.usage.total_tokens,
        },
    }
    return Response(orjson.dumps(payload), media_type="application/json")


@router.get("/models")
async def models(principal: CurrentViewer, services: ServicesDep) -> dict[str, Any]:
    """`auto`, then every enabled provider and `<provider>/<model>` for its configured models."""
    created = int(time.time())
    data = [{"id": AUTO, "object": "model", "created": created, "owned_by": "turnout"}]
    for live in await services.runtime.providers_of(tenant_id=principal.tenant_id):
        if not live.enabled:
            continue
        connection = live.adapter.connection
        data.append(
            {"id": live.name, "object": "model", "created": created, "owned_by": live.provider_type}
        )
        for model in {connection.chat_model, connection.embedding_model} - {None}:
            data.append(
                {
                    "id": f"{live.name}/{model}",
                    "object": "model",
                    "created": created,
                    "owned_by": live.provider_type,
                }
            )
    return {"object": "list", "data": data}
