"""Turnout's own LLM API: generate (JSON or Server-Sent Events), embed, and usage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from turnout.api.attempts import Audience, audience_of
from turnout.api.deps import CurrentMember, CurrentViewer, ServicesDep
from turnout.api.disconnect import unless_disconnected
from turnout.api.errors import error_body
from turnout.api.plain import PlainRoute
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.llm import EmbedRequest, EmbedResponse, GenerateRequest, GenerateResponse
from turnout.api.schemas.usage import UsageReport
from turnout.container import Services
from turnout.gateway.context import DEFAULT_DEADLINE_S, Caller, GatewayRequest
from turnout.gateway.outcomes import GatewayResult
from turnout.gateway.streaming import StreamItem
from turnout.gateway.usage_report import usage_report
from turnout.providers import ChatRequest
from turnout.security.roles import Principal

# The request path: plain routes (see plain.py); the rest are ordinary ones.
hot = APIRouter(prefix="/api/v1/llm", tags=["llm"], route_class=PlainRoute)
router = APIRouter(prefix="/api/v1/llm", tags=["llm"])
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# `schema` under text/event-stream describes one event (OpenAPI 3.1; 3.2 names it itemSchema).
SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}
SSE_RESPONSE = {"content": {"text/event-stream": {"schema": SSE_EVENT}}}
WHEN = "ISO 8601 date-time; one without an offset is UTC"
# 400: every provider that may serve it lacks a capability the request needs.
GATEWAY_ERRORS = error_responses(400, 401, 403, 404, 422, 429, 499, 503)


def caller_of(principal: Principal) -> Caller:
    return Caller(
        principal.tenant_id, principal.user_id, principal.api_key_id, principal.rpm_limit
    )


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


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
        caller=caller_of(principal),
        request_id=request_id,
        chat=chat,
        provider_id=body.provider_id,
        cache=body.cache,
        deadline_s=options.deadline_s or DEFAULT_DEADLINE_S,
    )


def result_body(
    result: GatewayResult, audience: Audience, *, with_content: bool = True
) -> dict[str, Any]:
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
        "attempts": audience.attempts(result.attempts),
    }
    if with_content:
        body = {"content": result.content, **body}
    if result.logprobs is not None:
        body["logprobs"] = result.logprobs
    return body


def cache_header(result: GatewayResult) -> dict[str, str]:
    return {"x-turnout-cache": "hit" if result.cached else "miss"}


@hot.post(
    "/generate",
    operation_id="generate",
    response_model=GenerateResponse,
    responses={200: SSE_RESPONSE, **GATEWAY_ERRORS},
)
async def generate(request: Request, body: GenerateRequest, principal: CurrentMember) -> Response:
    """One completion, as JSON or (with `stream: true`) as Server-Sent Events."""
    switcher = services_of(request).switcher
    work = gateway_request(body, principal, request_id_of(request))
    if body.stream:
        items = switcher.stream(work)
        first = await anext(items)  # failures before any text answer with a plain error
        return StreamingResponse(
            _sse(first, items, audience_of(request), work.request_id),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    result = await unless_disconnected(request, switcher.generate(work))
    return Response(
        orjson.dumps(result_body(result, audience_of(request))),
        media_type="application/json",
        headers=cache_header(result),
    )


async def _sse(
    first: StreamItem, rest: AsyncIterator[StreamItem], audience: Audience, request_id: str
) -> AsyncIterator[bytes]:
    item: StreamItem | None = first
    while item is not None:
        if item.error is not None:
            body = error_body(item.error, audience.locale, request_id, admin=audience.admin)
            yield _event("error", body)
        elif item.result is not None:
            yield _event("done", result_body(item.result, audience, with_content=False))
        else:
            yield _event("delta", {"text": item.text})
        item = await anext(rest, None)


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


@hot.post(
    "/embed", operation_id="embed", response_model=EmbedResponse, responses=GATEWAY_ERRORS
)
async def embed(request: Request, body: EmbedRequest, principal: CurrentMember) -> Response:
    """One vector per text."""
    work = GatewayRequest(
        caller=caller_of(principal),
        request_id=request_id_of(request),
        chat=ChatRequest(messages=(), model=body.model),
        provider_id=body.provider_id,
    )
    switcher = services_of(request).switcher
    outcome = await unless_disconnected(request, switcher.embed(work, body.texts))
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
        "request_id": work.request_id,
        "attempts": audience_of(request).attempts(outcome.attempts),
    }
    return Response(orjson.dumps(payload), media_type="application/json")


@router.get(
    "/usage",
    operation_id="usage_report",
    response_model=UsageReport,
    responses=error_responses(401, 403, 422),
)
async def usage(
    principal: CurrentViewer,
    services: ServicesDep,
    since: Annotated[datetime | None, Query(alias="from", description=WHEN)] = None,
    until: Annotated[datetime | None, Query(alias="to", description=WHEN)] = None,
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
