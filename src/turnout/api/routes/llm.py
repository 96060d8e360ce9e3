"""Turnout's own LLM API: generate (JSON or Server-Sent Events), embed, and usage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from turnout.api.deps import CurrentViewer, ServicesDep
from turnout.api.disconnect import unless_disconnected
from turnout.api.errors import error_body
from turnout.api.lean import Call, body_schema, guarded
from turnout.api.schemas.llm import EmbedRequest, GenerateRequest
from turnout.gateway.context import DEFAULT_DEADLINE_S, Caller, GatewayRequest
from turnout.gateway.outcomes import GatewayResult
from turnout.gateway.streaming import StreamItem, stream
from turnout.gateway.usage_report import usage_report
from turnout.providers import ChatRequest
from turnout.security.roles import Principal, Role

router = APIRouter(prefix="/api/v1/llm", tags=["llm"])
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def gateway_request(body: GenerateRequest, principal: Principal, request_id: str) -> GatewayRequest:
    options = body.options
    stop = [options.stop] if isinstance(options.stop, str) else options.stop
    chat = ChatRequest(
        messages=body.chat_messages(),
        model=body.model,
        temperature=options.temperature,
        max_tokens=options.max_tokens,
        top_p=options.top_p,
        stop=stop,
        response_format=options.response_format,
        logprobs=options.logprobs,
        top_logprobs=options.top_logprobs,
        timeout_s=options.timeout_s,
    )
    return GatewayRequest(
        caller=Caller(principal.tenant_id, principal.user_id, principal.api_key_id),
        request_id=request_id,
        chat=chat,
        provider_id=body.provider_id,
        cache=body.cache,
        deadline_s=options.deadline_s or DEFAULT_DEADLINE_S,
    )


def result_body(result: GatewayResult, *, with_content: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": result.model,
        "provider_id": result.provider_id,
        "usage": {
            "prompt_tokens": result.usage.prompt_tokens,
            "completion_tokens": result.usage.completion_tokens,
            "total_tokens": result.usage.total_tokens,
        },
        "latency_ms": result.latency_ms,
        "finish_reason": result.finish_reason,
        "cached": result.cached,
        "request_id": result.request_id,
        "attempts": [a.as_dict() for a in result.attempts],
    }
    if with_content:
        body = {"content": result.content, **body}
    if result.logprobs is not None:
        body["logprobs"] = result.logprobs
    return body


def cache_header(result: GatewayResult) -> dict[str, str]:
    return {"x-turnout-cache": "hit" if result.cached else "miss"}


@router.post("/generate", openapi_extra=body_schema(GenerateRequest))
@guarded(Role.MEMBER)
async def generate(call: Call) -> Response:
    """One completion, as JSON or (with `stream: true`) as Server-Sent Events."""
    body = await call.body(GenerateRequest)
    principal, switcher = call.principal, call.services.switcher
    work = gateway_request(body, principal, call.request_id)
    if body.stream:
        items = stream(switcher, work, rpm_limit=principal.rpm_limit)
        first = await anext(items)  # failures before any text answer with a plain error
        return StreamingResponse(
            _sse(first, items, call.locale, call.request_id),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    result = await unless_disconnected(
        call.request, switcher.generate(work, rpm_limit=principal.rpm_limit)
    )
    return Response(
        orjson.dumps(result_body(result)),
        media_type="application/json",
        headers=cache_header(result),
    )


async def _sse(
    first: StreamItem, rest: AsyncIterator[StreamItem], locale: str, request_id: str
) -> AsyncIterator[bytes]:
    item: StreamItem | None = first
    while item is not None:
        if item.error is not None:
            yield _event("error", error_body(item.error, locale, request_id))
        elif item.result is not None:
            yield _event("done", result_body(item.result, with_content=False))
        else:
            yield _event("delta", {"text": item.text})
        item = await anext(rest, None)


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


@router.post("/embed", openapi_extra=body_schema(EmbedRequest))
@guarded(Role.MEMBER)
async def embed(call: Call) -> Response:
    """One vector per text."""
    body = await call.body(EmbedRequest)
    principal, services, request_id = call.principal, call.services, call.request_id
    work = GatewayRequest(
        caller=Caller(principal.tenant_id, principal.user_id, principal.api_key_id),
        request_id=request_id,
        chat=ChatRequest(messages=(), model=body.model),
        provider_id=body.provider_id,
    )
    outcome = await unless_disconnected(
        call.request, services.switcher.embed(work, body.texts, rpm_limit=principal.rpm_limit)
    )
    result = outcome.result
    payload = {
        "embeddings": result.embeddings,
        "model": result.model,
        "dimensions": result.dimensions,
        "usage": {
            "prompt_tokens": result.usage.prompt_tokens,
            "total_tokens": result.usage.total_tokens,
        },
        "provider_id": outcome.provider_id,
        "request_id": request_id,
        "attempts": [a.as_dict() for a in outcome.attempts],
    }
    return Response(orjson.dumps(payload), media_type="application/json")


@router.get("/usage")
async def usage(
    principal: CurrentViewer,
    services: ServicesDep,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    provider_id: str | None = None,
) -> dict[str, Any]:
    """Requests, errors, tokens, cost, latency and cache hits by provider, model and day."""
    async with services.sessions() as session:
        return await usage_report(
            session,
            tenant_id=principal.tenant_id,
            since=since,
            until=until,
            provider_id=provider_id,
        )
