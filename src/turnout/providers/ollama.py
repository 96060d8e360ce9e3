"""Ollama's native API (OL docs/api.md): /api/chat (NDJSON stream unless "stream": false),
/api/embed, /api/tags, /api/version. Errors are `{"error": "…"}`, also as a stream line.
Bodies are translated in `ollama_wire.py`."""

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
    StreamEvent,
    ToolCallDelta,
    Usage,
)
from turnout.providers.error_mapping import upstream_errors
from turnout.providers.ollama_wire import (
    answer_object,
    build_ollama_body,
    finish_of,
    incoming_calls,
    parse_ollama_chat,
    usage_of,
)
from turnout.providers.openai_wire import message_text, texts_in_batches, vector


class _StreamFold:
    """What an Ollama stream has said so far: text seen, tool calls numbered in order."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.seen = ""
        self.calls = 0

    def event(self, part: Mapping[str, Any]) -> StreamEvent | None:
        message = part.get("message")
        if not isinstance(message, dict):
            return None
        text = message_text(message.get("content"), self.provider)
        self.seen = self.seen or text.strip()
        deltas = tuple(
            ToolCallDelta(self.calls + i, call.id, call.name, call.arguments)
            for i, call in enumerate(incoming_calls(message, self.provider))
        )
        self.calls += len(deltas)
        return StreamEvent(delta=text, tool_calls=deltas) if text or deltas else None


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
        fold = _StreamFold(self.name)
        with upstream_errors(self.name):
            async with aclosing(iter_ndjson(chunks)) as lines:
                async for line in lines:
                    part = answer_object(transport.decode_json(line, provider=self.name), self.name)
                    if (event := fold.event(part)) is not None:
                        yield event
                    if part.get("done"):
                        last = part
                        break
            yield self._final(last, fold, model)

    def _final(self, last: dict[str, Any] | None, fold: _StreamFold, model: str) -> StreamEvent:
        if last is None:
            raise UpstreamConnectionError("stream ended before done:true", provider=self.name)
        finish = finish_of(
            last.get("done_reason"), fold.seen, tool_calls=fold.calls > 0, provider=self.name
        )
        return StreamEvent(
            done=True,
            finish_reason=finish,
            usage=usage_of(last),
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
            vectors += self._vectors(payload, len(batch))
            usage += usage_of(payload)
        return EmbedResult(vectors, model, len(vectors[0]) if vectors else 0, usage)

    def _vectors(self, payload: Any, expected: int) -> list[list[float]]:
        embeddings = answer_object(payload, self.name).get("embeddings")
        if not isinstance(embeddings, list) or len(embeddings) != expected:
            raise MalformedResponse(
                "embedding answer does not match the inputs", provider=self.name
            )
        return [vector(item, self.name) for item in embeddings]

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
