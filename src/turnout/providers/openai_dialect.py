"""Adapter for every vendor speaking OpenAI's chat API: OpenAI, Qwen, Zhipu, Qianfan, Hunyuan,
DeepSeek and any compatible server. Vendor differences come from the catalog entry
(capabilities, `WireProfile`), never from the type name."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import Any

from turnout.errors import CapabilityUnsupported, UpstreamInvalidRequest
from turnout.providers import transport
from turnout.providers.base import (
    ChatRequest,
    ChatResult,
    EmbedResult,
    LLMProvider,
    StreamEvent,
    Usage,
)
from turnout.providers.error_mapping import error_from_payload, upstream_errors
from turnout.providers.openai_stream import ChatStreamState
from turnout.providers.openai_wire import (
    build_chat_body,
    parse_chat_completion,
    parse_embeddings,
    texts_in_batches,
)
from turnout.providers.sse import iter_sse
from turnout.providers.transport import Params


class OpenAIDialectProvider(LLMProvider):
    async def generate(self, req: ChatRequest) -> ChatResult:
        model = self.chat_model(req)
        body = build_chat_body(req, model=self.body_model(model), entry=self.entry, stream=False)
        payload = await transport.request_json(
            self.connection,
            "POST",
            self.url(self.entry.wire.chat_path, model),
            body=body,
            params=self.query(),
            timeout_s=self.timeout_for(req),
        )
        return parse_chat_completion(payload, provider=self.name, model=model)

    async def stream_generate(self, req: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        model = self.chat_model(req)
        body = build_chat_body(req, model=self.body_model(model), entry=self.entry, stream=True)
        chunks = transport.stream_bytes(
            self.connection,
            self.url(self.entry.wire.chat_path, model),
            body=body,
            params=self.query(),
            timeout_s=self.timeout_for(req),
        )
        state = ChatStreamState(model, provider=self.name)
        completed = False
        with upstream_errors(self.name):
            async with aclosing(iter_sse(chunks)) as events:
                async for event in events:
                    if event.data == "[DONE]":
                        completed = True
                        break
                    for piece in self._stream_pieces(event.event, event.data, state):
                        yield piece
            yield state.final(completed=completed)

    def _stream_pieces(
        self, event: str, data: str, state: ChatStreamState
    ) -> tuple[StreamEvent, ...]:
        if not data.strip():
            return ()
        payload = transport.decode_json(data, provider=self.name)
        if event == "error":
            raise error_from_payload(payload, provider=self.name, status=200)
        return state.add(payload)

    async def embed(self, texts: Sequence[str], model: str | None = None) -> EmbedResult:
        self.require("embed")
        model = model or self.default_embedding_model()
        if model is None:
            raise CapabilityUnsupported(provider=self.name, capability="embeddings")
        vectors: list[list[float]] = []
        usage = Usage()
        for batch in texts_in_batches(texts, self.entry.wire.max_embed_batch):
            payload = await self._embed_batch(batch, model)
            batch_vectors, batch_usage = parse_embeddings(
                payload, expected=len(batch), provider=self.name
            )
            vectors += batch_vectors
            usage += batch_usage
        dimensions = len(vectors[0]) if vectors else 0
        return EmbedResult(vectors, model, dimensions, usage)

    async def _embed_batch(self, batch: list[str], model: str) -> Any:
        body: dict[str, Any] = {"input": batch}
        if (wire_model := self.body_model(model)) is not None:
            body["model"] = wire_model
        return await transport.request_json(
            self.connection,
            "POST",
            self.url(self.entry.wire.embed_path, model),
            body=body,
            params=self.query(),
            timeout_s=self.connection.options.timeout_s,
        )

    # Hooks that the Azure adapter overrides: where a model lives in URL, query and body.

    def chat_model(self, req: ChatRequest) -> str:
        model = req.model or self.chat_model_default()
        if model is None:
            raise UpstreamInvalidRequest("no chat model configured", provider=self.name)
        return model

    def chat_model_default(self) -> str | None:
        return self.connection.chat_model

    def default_embedding_model(self) -> str | None:
        return self.connection.embedding_model

    def url(self, path: str, model: str) -> str:
        return self.connection.base_url + path

    def query(self) -> Params:
        return None

    def body_model(self, model: str) -> str | None:
        return model
