"""Ollama's native API (OL docs/api.md): /api/chat (NDJSON stream unless "stream": false),
/api/embed, /api/tags, /api/version. Errors are `{"error": "…"}`, also as a stream line."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from turnout.errors import (
    CapabilityUnsupported,
    MalformedResponse,
    UpstreamConnectionError,
    UpstreamInvalidRequest,
)
from turnout.providers import transport
from turnout.providers.base import (
    ChatRequest,
    ChatResult,
    EmbedResult,
    LLMProvider,
    Message,
    StreamEvent,
    Usage,
)
from turnout.providers.error_mapping import error_from_payload, upstream_errors
from turnout.providers.finish import apply_finish_policy
from turnout.providers.openai_wire import (
    adapt_response_format,
    message_text,
    parse_logprobs,
    texts_in_batches,
)
from turnout.providers.specs import Capabilities


def build_ollama_body(
    req: ChatRequest, *, model: str, caps: Capabilities, stream: bool
) -> dict[str, Any]:
    body: dict[str, Any] = dict(req.extra)
    body.update(model=model, messages=[_message(m) for m in req.messages], stream=stream)
    sampling = {
        "temperature": req.temperature,
        "top_p": req.top_p,
        "num_predict": req.max_tokens,
        "stop": [req.stop] if isinstance(req.stop, str) else list(req.stop or ()) or None,
    }
    options = {key: value for key, value in sampling.items() if value is not None}
    if options:
        body["options"] = {**body.get("options", {}), **options}
    if (fmt := _format(adapt_response_format(req.response_format, caps))) is not None:
        body["format"] = fmt
    if req.logprobs and caps.logprobs:
        body["logprobs"] = True
        if req.top_logprobs is not None:
            body["top_logprobs"] = req.top_logprobs
    return body


def _message(message: Message) -> dict[str, Any]:
    converted = dict(message)
    if not isinstance(converted.get("content"), str):
        converted["content"] = message_text(converted.get("content"), None)
    return converted


def _format(response_format: Mapping[str, Any] | None) -> str | Mapping[str, Any] | None:
    """`format: "json"` for JSON mode, the schema itself for json_schema (OL docs/api.md)."""
    kind = response_format.get("type") if response_format else None
    if kind == "json_schema" and response_format is not None:
        schema = (response_format.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else "json"
    return "json" if kind == "json_object" else None


def _usage(payload: Mapping[str, Any]) -> Usage:
    prompt, completion = payload.get("prompt_eval_count"), payload.get("eval_count")
    return Usage.of(
        prompt if isinstance(prompt, int) else 0, completion if isinstance(completion, int) else 0
    )


def _object(payload: Any, provider: str | None) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise MalformedResponse("answer is not a JSON object", provider=provider)
    if payload.get("error"):
        raise error_from_payload(payload, provider=provider, status=200)
    return payload


def parse_ollama_chat(payload: Any, *, provider: str | None, model: str) -> ChatResult:
    answer = _object(payload, provider)
    message = answer.get("message")
    if not isinstance(message, dict):
        raise MalformedResponse("chat answer without message", provider=provider)
    content = message_text(message.get("content"), provider)  # `thinking` is not the answer
    return ChatResult(
        content=content,
        model=str(answer.get("model") or model),
        finish_reason=apply_finish_policy(answer.get("done_reason"), content, provider=provider),
        usage=_usage(answer),
        logprobs=parse_logprobs(answer.get("logprobs")),
    )


def _delta_text(part: Mapping[str, Any], provider: str | None) -> str:
    message = part.get("message")
    return message_text(message.get("content"), provider) if isinstance(message, dict) else ""


async def iter_ndjson(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """Non-empty lines of a newline-delimited JSON stream, whatever the chunk boundaries."""
    buffer = b""
    async with aclosing(chunks):
        async for chunk in chunks:
            *lines, buffer = (buffer + chunk).split(b"\n")
            for line in lines:
                if line.strip():
                    yield line
    if buffer.strip():
        yield buffer


class OllamaProvider(LLMProvider):
    async def generate(self, req: ChatRequest) -> ChatResult:
        model = self._chat_model(req)
        body = build_ollama_body(req, model=model, caps=self.capabilities, stream=False)
        payload = await transport.request_json(
            self.connection,
            "POST",
            self.connection.base_url + self.entry.wire.chat_path,
            body=body,
            timeout_s=self.timeout_for(req),
        )
        with upstream_errors(self.name):
            return parse_ollama_chat(payload, provider=self.name, model=model)

    async def stream_generate(self, req: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        model = self._chat_model(req)
        body = build_ollama_body(req, model=model, caps=self.capabilities, stream=True)
        chunks = transport.stream_bytes(
            self.connection,
            self.connection.base_url + self.entry.wire.chat_path,
            body=body,
            timeout_s=self.timeout_for(req),
        )
        last: dict[str, Any] | None = None
        seen = ""
        with upstream_errors(self.name):
            async with aclosing(iter_ndjson(chunks)) as lines:
                async for line in lines:
                    part = _object(transport.decode_json(line, provider=self.name), self.name)
                    text = _delta_text(part, self.name)
                    seen = seen or text.strip()
                    if text:
                        yield StreamEvent(delta=text)
                    if part.get("done"):
                        last = part
                        break
            yield self._final(last, seen, model)

    def _final(self, last: dict[str, Any] | None, seen: str, model: str) -> StreamEvent:
        if last is None:
            raise UpstreamConnectionError("stream ended before done:true", provider=self.name)
        finish = apply_finish_policy(last.get("done_reason"), seen, provider=self.name)
        return StreamEvent(
            done=True,
            finish_reason=finish,
            usage=_usage(last),
            model=str(last.get("model") or model),
        )

    async def embed(self, texts: Sequence[str], model: str | None = None) -> EmbedResult:
        self.require("embed")
        model = model or self.connection.embedding_model
        if model is None:
            raise CapabilityUnsupported(provider=self.name, capability="embeddings")
        vectors: list[list[float]] = []
        usage = Usage()
        for batch in texts_in_batches(texts, self.entry.wire.max_embed_batch):
            payload = await transport.request_json(
                self.connection,
                "POST",
                self.connection.base_url + self.entry.wire.embed_path,
                body={"model": model, "input": batch},
                timeout_s=self.connection.options.timeout_s,
            )
            with upstream_errors(self.name):
                vectors += self._vectors(payload, len(batch))
            usage += _usage(payload)
        return EmbedResult(vectors, model, len(vectors[0]) if vectors else 0, usage)

    def _vectors(self, payload: Any, expected: int) -> list[list[float]]:
        embeddings = _object(payload, self.name).get("embeddings")
        if not isinstance(embeddings, list) or len(embeddings) != expected:
            raise MalformedResponse(
                "embedding answer does not match the inputs", provider=self.name
            )
        return [[float(x) for x in vector] for vector in embeddings]

    def parse_models(self, payload: Any) -> list[str]:
        models = payload.get("models") if isinstance(payload, dict) else None
        if not isinstance(models, list):
            raise MalformedResponse("tag list without models", provider=self.name)
        names = (m.get("name") or m.get("model") for m in models if isinstance(m, dict))
        return sorted(str(name) for name in names if name)

    def _chat_model(self, req: ChatRequest) -> str:
        model = req.model or self.connection.chat_model
        if model is None:
            raise UpstreamInvalidRequest("no chat model configured", provider=self.name)
        return model
