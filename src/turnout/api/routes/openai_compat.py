"""The OpenAI-compatible API, so the official `openai` SDK and anything built on it just work.

`model` is `auto` (tenant routing), `<provider name>/<model>`, a provider name alone (its
configured model), or a bare model name without a slash (sent to the routed provider). The
part before the first slash always names a provider: an unknown one is a 404, and a model
whose own name has a slash is asked for as `<provider name>/<org>/<model>`. A request that
names a provider is served by it alone unless routing allows fallbacks (candidates.py).
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from turnout.api.attempts import audience_of
from turnout.api.deps import CurrentMember, CurrentViewer, ServicesDep
from turnout.api.disconnect import unless_disconnected
from turnout.api.openai_chat import chat_request, chunks, completion_body
from turnout.api.plain import PlainRoute
from turnout.api.routes.llm import (
    SSE_HEADERS,
    cache_header,
    caller_of,
    request_id_of,
    services_of,
)
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.events import sse_response
from turnout.api.schemas.openai import (
    ChatCompletion,
    ChatCompletionBody,
    ChatCompletionChunk,
    EmbeddingList,
    EmbeddingsBody,
    ModelList,
    StreamError,
)
from turnout.errors import UnknownProviderName, ValidationFailed
from turnout.gateway.context import GatewayRequest
from turnout.providers import ChatRequest, EmbedResult

hot = APIRouter(prefix="/v1", tags=["openai compatible"], route_class=PlainRoute)
router = APIRouter(prefix="/v1", tags=["openai compatible"])
AUTO = "auto"
OPENAI_ERRORS = error_responses(401, 403, 404, 422, 429, 499, 503, openai=True)
# 400: every provider that may serve it lacks a capability the request needs.
CHAT_ERRORS = error_responses(400, 401, 403, 404, 422, 429, 499, 503, openai=True)
CHUNKS_RESPONSE = sse_response(
    "with `stream: true`: each event's data is one chat.completion.chunk, or an error that "
    "ends the stream; the last event's data is `[DONE]`",
    ChatCompletionChunk,
    StreamError,
)


async def resolve_model(
    services: ServicesDep, tenant_id: str, model: str
) -> tuple[str | None, str | None]:
    """(provider name, model) for an OpenAI-style `model` string."""
    if model == AUTO:
        return None, None
    if await services.runtime.provider_id_named(tenant_id=tenant_id, name=model):
        return model, None
    head, sep, tail = model.partition("/")
    if not sep:
        return None, model
    if not tail or not await services.runtime.provider_id_named(tenant_id=tenant_id, name=head):
        raise UnknownProviderName(head)
    return head, tail


@hot.post(
    "/chat/completions",
    operation_id="create_chat_completion",
    response_model=ChatCompletion,
    responses={200: CHUNKS_RESPONSE, **CHAT_ERRORS},
)
async def chat_completions(
    request: Request, body: ChatCompletionBody, principal: CurrentMember
) -> Response:
    """OpenAI's chat completions, streamed or not, tools and several choices included."""
    services, request_id = services_of(request), request_id_of(request)
    provider_name, model = await resolve_model(services, principal.tenant_id, body.model)
    work = GatewayRequest(
        caller=caller_of(principal),
        request_id=request_id,
        chat=chat_request(body, model),
        provider_name=provider_name,
    )
    if body.stream:
        include_usage = bool((body.stream_options or {}).get("include_usage"))
        items = services.switcher.stream(work)
        first = await anext(items)
        events = chunks(first, items, body.model, request_id, include_usage, audience_of(request))
        return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
    result = await unless_disconnected(request, services.switcher.generate(work))
    return Response(
        orjson.dumps(completion_body(result, body.model, audience_of(request))),
        media_type="application/json",
        headers=cache_header(result),
    )


@hot.post(
    "/embeddings",
    operation_id="create_embeddings",
    response_model=EmbeddingList,
    responses=OPENAI_ERRORS,
)
async def embeddings(request: Request, body: EmbeddingsBody, principal: CurrentMember) -> Response:
    """OpenAI's embeddings."""
    services, request_id = services_of(request), request_id_of(request)
    texts = embedding_texts(body)
    provider_name, model = await resolve_model(services, principal.tenant_id, body.model)
    work = GatewayRequest(
        caller=caller_of(principal),
        request_id=request_id,
        chat=ChatRequest(messages=(), model=model),
        provider_name=provider_name,
    )
    outcome = await unless_disconnected(request, services.switcher.embed(work, texts))
    return Response(orjson.dumps(embedding_list(outcome.result)), media_type="application/json")


def embedding_texts(body: EmbeddingsBody) -> list[str]:
    """The texts of an embeddings body; an empty list is refused."""
    texts = [body.input] if isinstance(body.input, str) else body.input
    if not texts:
        raise ValidationFailed([{"field": "input", "code": "validation.required"}])
    return texts


def embedding_list(result: EmbedResult) -> dict[str, Any]:
    """OpenAI's embedding list object for an answer."""
    return {
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


@router.get(
    "/models",
    operation_id="list_openai_models",
    response_model=ModelList,
    responses=error_responses(401, 403, openai=True),
)
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
