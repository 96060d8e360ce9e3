"""The reference proxy: the minimal FastAPI + aiohttp gateway the targets of issue 4 were set by.

As described in the research notes (../shared/research/python-stack.md): check a Bearer key in
memory, parse the body with pydantic, forward it to the upstream over one pooled keep-alive
aiohttp session, parse the upstream JSON, append a usage record in memory, return the body.
The benchmark runs it beside Turnout, with the same worker count, so that the absolute targets
(set on the machine of the research notes) can be scaled to the machine of the run.

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
from fastapi.responses import Response
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
    async with state["session"].post(
        f"{upstream}/chat/completions",
        data=orjson.dumps(body.model_dump(exclude_none=True)),
        headers={"Authorization": f"Bearer {UPSTREAM_KEY}", "Content-Type": "application/json"},
    ) as answer:
        payload = orjson.loads(await answer.read())
    state["usage"].append((body.model, payload.get("usage", {}).get("total_tokens", 0)))
    return Response(orjson.dumps(payload), media_type="application/json")
