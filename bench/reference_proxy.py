"""The reference proxy: the minimal FastAPI + aiohttp gateway of the research notes.

As described in ../shared/research/python-stack.md: check a Bearer key in memory, parse the body
with pydantic, forward it to the upstream over one pooled keep-alive aiohttp session, parse the
upstream JSON, append a usage record in memory, return the body. When the body asks for a
stream, the upstream's bytes are relayed as they arrive, unparsed. The benchmark runs it beside
Turnout, with the same worker count, in every scenario: it shows what a minimal Python gateway
on this stack costs on the machine of the run.

    BENCH_REFERENCE_UPSTREAM=http://127.0.0.1:PORT/openai/v1 \
        uvicorn bench.reference_proxy:app --workers 2 --loop uvloop --http httptools
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

KEY = "tk-reference-bench"
UPSTREAM_KEY = "sk-bench-0000000000000000"


class Message(BaseModel):
    role: str
    content: str


class ChatBody(BaseModel):
    model: str
    messages: list[Message]
    temperature: float | None = None
    stream: bool | None = None
    stream_options: dict[str, Any] | None = None


state: dict[str, Any] = {"usage": deque(maxlen=10_000)}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=30)
    async with aiohttp.ClientSession(connector=connector) as session:
        state["session"] = session
        yield


app = FastAPI(lifespan=lifespan)


@app.post("/v1/chat/completions")
async def chat(body: ChatBody, authorization: str = Header("")) -> Response:
    if authorization != f"Bearer {KEY}":
        raise HTTPException(401, "invalid key")
    upstream = os.environ["BENCH_REFERENCE_UPSTREAM"]
    answer = await state["session"].post(
        f"{upstream}/chat/completions",
        data=orjson.dumps(body.model_dump(exclude_none=True)),
        headers={"Authorization": f"Bearer {UPSTREAM_KEY}", "Content-Type": "application/json"},
    )
    if body.stream:
        state["usage"].append((body.model, 0))
        return StreamingResponse(_relay(answer), status_code=answer.status,
                                 media_type=answer.headers.get("Content-Type"))
    async with answer:
        payload = orjson.loads(await answer.read())
    state["usage"].append((body.model, payload.get("usage", {}).get("total_tokens", 0)))
    return Response(orjson.dumps(payload), media_type="application/json")


async def _relay(answer: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async with answer:
        async for chunk in answer.content.iter_any():
            yield chunk
