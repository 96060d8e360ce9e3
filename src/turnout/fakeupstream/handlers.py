"""The endpoints: read the request, build the dialect's body, reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from turnout.fakeupstream import content, tools
from turnout.fakeupstream.annotator import annotated_reply
from turnout.fakeupstream.call import Call
from turnout.fakeupstream.content import Reply
from turnout.fakeupstream.dialects import ollama, openai
from turnout.fakeupstream.streaming import CONTENT_BEFORE_ERROR, NDJSON, SSE, SSE_WITH_KEEP_ALIVE

Handler = Callable[[Call], Awaitable[web.StreamResponse]]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _json_mode(response_format: Any) -> bool:
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    return kind in ("json_object", "json_schema")


def _include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _answer(call: Call, body: dict[str, Any], limits: dict[str, Any], *,
            call_prefix: str, ollama_dialect: bool) -> tuple[Reply, tuple[tools.ScriptedCall, ...]]:
    """The annotator's answer when it takes the request, else the scripted model's."""
    if call.annotator is not None:
        annotated = annotated_reply(
            call.annotator, body, call_prefix=call_prefix, object_arguments=ollama_dialect,
            max_tokens=limits["max_tokens"], filtered_finish=call.filtered_finish,
        )
        if annotated is not None:
            return annotated
    scripted = tools.tool_calls(body, call_prefix)
    return _reply(call, body["messages"], limits, scripted), scripted


def _reply(call: Call, messages: list[Any], limits: dict[str, Any],
           scripted: tuple[tools.ScriptedCall, ...]) -> Reply:
    """The tool-calling reply, or the text one; `limits` holds json_mode, max_tokens, stop."""
    if scripted:
        return content.calls_reply(messages, [c.arguments_text for c in scripted])
    return content.build_reply(
        messages,
        json_mode=limits["json_mode"],
        max_tokens=limits["max_tokens"],
        stop=limits["stop"],
        filtered_finish=call.filtered_finish,
        echoed=tools.tool_results_text(messages),
    )


async def chat(call: Call) -> web.StreamResponse:
    body = call.body_dict()
    messages = body.get("messages")
    model = call.requested_model()
    if not isinstance(messages, list) or model is None or tools.openai_tool_problem(messages):
        return call.error("invalid_request")
    limits = {
        "json_mode": _json_mode(body.get("response_format")),
        "max_tokens": _int(body.get("max_completion_tokens")) or _int(body.get("max_tokens")),
        "stop": body.get("stop"),
    }
    reply, scripted = _answer(call, body, limits, call_prefix=f"call_{call.serial:x}_",
                              ollama_dialect=False)
    turn = openai.ChatTurn(
        flavor=call.flavor,
        model=model,
        reply=reply,
        completion_id=call.reply_id,
        created=call.created,
        logprobs=body.get("logprobs") is True,
        top_logprobs=_int(body.get("top_logprobs")) or 0,
        include_usage=_include_usage(body),
        calls=scripted,
        n=_int(body.get("n")) or 1,
    )
    if not call.wants_stream():
        return call.json(openai.completion(turn))
    flavor = call.flavor
    framing = SSE_WITH_KEEP_ALIVE if flavor.keep_alive_comments else SSE
    lead = 2 if flavor.azure_annotations else 1  # Azure's filter chunk, then the role chunk
    error_after = lead + min(CONTENT_BEFORE_ERROR, reply.completion_tokens)
    return await call.stream(openai.chunks(turn), framing, error_after)


async def embeddings(call: Call) -> web.StreamResponse:
    body = call.body_dict()
    texts = content.embedding_inputs(body.get("input"))
    model = call.requested_model()
    if texts is None or model is None:
        return call.error("invalid_request")
    dimensions = content.dimensions_from(body.get("dimensions"))
    as_base64 = body.get("encoding_format") == "base64"
    return call.json(openai.embeddings(model, texts, dimensions, as_base64))


async def models(call: Call) -> web.StreamResponse:
    return call.json(openai.models(call.flavor))


async def model(call: Call) -> web.StreamResponse:
    if call.route.model not in call.flavor.models:
        return call.error("model_not_found")
    return call.json(openai.model_entry(call.flavor, call.route.model))


async def balance(call: Call) -> web.StreamResponse:
    return call.json(openai.balance())


async def health(call: Call) -> web.StreamResponse:
    return web.Response(status=200, headers=call.headers)


async def not_found(call: Call) -> web.StreamResponse:
    return call.error("not_found")


def _ollama_turn(call: Call, body: dict[str, Any], model: str) -> ollama.OllamaTurn:
    raw_options = body.get("options")
    options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
    response_format = body.get("format")
    limits = {
        "json_mode": response_format == "json" or isinstance(response_format, dict),
        "max_tokens": _int(options.get("num_predict")),
        "stop": options.get("stop"),
    }
    reply, scripted = _answer(call, body, limits, call_prefix="", ollama_dialect=True)
    created_at = datetime.fromtimestamp(call.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return ollama.OllamaTurn(model, reply, created_at, logprobs=body.get("logprobs") is True,
                             top_logprobs=_int(body.get("top_logprobs")) or 0, calls=scripted)


async def ollama_chat(call: Call) -> web.StreamResponse:
    body = call.body_dict()
    model = call.requested_model()
    messages = body.get("messages")
    if not isinstance(messages, list) or model is None or tools.ollama_tool_problem(messages):
        return call.error("invalid_request")
    turn = _ollama_turn(call, body, model)
    if not call.wants_stream():
        return call.json(ollama.chat(turn))
    error_after = min(CONTENT_BEFORE_ERROR, turn.reply.completion_tokens)
    return await call.stream(ollama.chat_chunks(turn), NDJSON, error_after)


async def ollama_embed(call: Call) -> web.StreamResponse:
    body = call.body_dict()
    texts = content.embedding_inputs(body.get("input"))
    model = call.requested_model()
    if texts is None or model is None:
        return call.error("invalid_request")
    dimensions = content.dimensions_from(body.get("dimensions"))
    return call.json(ollama.embed(model, texts, dimensions))


async def ollama_tags(call: Call) -> web.StreamResponse:
    return call.json(ollama.tags(call.flavor.models))


async def ollama_version(call: Call) -> web.StreamResponse:
    return call.json(ollama.version())


async def ollama_ps(call: Call) -> web.StreamResponse:
    return call.json(ollama.running())


async def ollama_root(call: Call) -> web.StreamResponse:
    return call.text("Ollama is running")


ENDPOINTS: dict[str, Handler] = {
    "chat": chat,
    "embeddings": embeddings,
    "models": models,
    "model": model,
    "balance": balance,
    "health": health,
    "not_found": not_found,
    "ollama_chat": ollama_chat,
    "ollama_embed": ollama_embed,
    "ollama_tags": ollama_tags,
    "ollama_version": ollama_version,
    "ollama_ps": ollama_ps,
    "ollama_root": ollama_root,
}
