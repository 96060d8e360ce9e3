"""Turnout's batch-job API over HTTP (aiohttp), with its failures as a few exceptions to explain.

aiohttp's exceptions are translated here and nowhere else: a connection that cannot be made is
`Unreachable`, one lost on the way `ConnectionLost`, an answer of 4xx/5xx an `ApiError` carrying
Turnout's envelope `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import orjson

JSONL = "application/x-ndjson"
PAGE = 1000
# Turnout sends a comment every 15 s on a quiet stream; longer silence means the link is gone.
EVENTS_READ_TIMEOUT_S = 45.0
# The upload is answered only once every line is stored, which takes a while for 100,000 lines.
SUBMIT_READ_TIMEOUT_S = 600.0
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
ERROR_BODY_LIMIT = 64 * 1024
Job = dict[str, Any]


class BatchClientError(Exception):
    """A failure to tell the user in one sentence."""


class TransportError(BatchClientError):
    """No answer from Turnout: worth trying again while following a job."""


class Unreachable(TransportError):
    """No connection could be made."""


class ConnectionLost(TransportError):
    """The connection broke, timed out, or carried something that is not HTTP."""


class UnexpectedAnswer(BatchClientError):
    """A success status whose body is not what Turnout sends (another server at that URL?)."""


class ApiError(BatchClientError):
    """Turnout answered with an error status."""

    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(f"HTTP {status} {code or ''}: {message}")
        self.status = status
        self.code = code
        self.message = message


class TurnoutClient:
    """The batch routes of one Turnout, called with one API key."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, api_key: str) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"}

    @classmethod
    @asynccontextmanager
    async def open(cls, base_url: str, api_key: str) -> AsyncIterator[TurnoutClient]:
        async with aiohttp.ClientSession(timeout=_reading_for(READ_TIMEOUT_S)) as session:
            yield cls(session, base_url, api_key)

    async def submit_jsonl(self, path: Path, query: dict[str, str]) -> tuple[Job, bool]:
        """The job made of the file's lines, and whether it is new (not one with its client key)."""
        timeout = _reading_for(SUBMIT_READ_TIMEOUT_S)
        with path.open("rb") as body:
            async with self._call(
                "POST", "/api/v1/llm/batch/jsonl", params=query, data=body,
                headers={"Content-Type": JSONL}, timeout=timeout,
            ) as response:
                return await _json(response), response.status == 201

    async def job(self, job_id: str) -> Job:
        async with self._call("GET", f"/api/v1/jobs/{job_id}") as response:
            return await _json(response)

    async def cancel(self, job_id: str) -> Job:
        async with self._call("POST", f"/api/v1/jobs/{job_id}/cancel") as response:
            return await _json(response)

    async def events(self, job_id: str) -> AsyncGenerator[tuple[str, Job], None]:
        """The job's Server-Sent Events as (name, job) until Turnout ends the stream."""
        timeout = _reading_for(EVENTS_READ_TIMEOUT_S)
        async with self._call(
            "GET", f"/api/v1/jobs/{job_id}/events", timeout=timeout,
            headers={"Accept": "text/event-stream"},
        ) as response:
            async for name, data in sse_events(response.content):
                try:
                    yield name, orjson.loads(data)
                except orjson.JSONDecodeError as exc:
                    raise UnexpectedAnswer(f"an event that is not JSON: {data[:200]!r}") from exc

    async def results(self, job_id: str) -> AsyncIterator[bytes]:
        """The job's result lines (JSONL), every page in turn, as chunks of bytes."""
        cursor: str | None = "0"
        while cursor is not None:
            params = {"cursor": cursor, "limit": str(PAGE)}
            async with self._call(
                "GET", f"/api/v1/jobs/{job_id}/results", params=params
            ) as response:
                async for chunk in response.content.iter_chunked(64 * 1024):
                    yield chunk
                cursor = response.headers.get("X-Next-Cursor")

    @asynccontextmanager
    async def _call(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        url = self.base_url + path
        try:
            async with self._session.request(
                method, url, headers={**self._headers, **(headers or {})}, **kwargs
            ) as response:
                if response.status >= 400:
                    raise await _api_error(response)
                yield response
        except aiohttp.ClientConnectorError as exc:
            raise Unreachable(f"cannot reach Turnout at {self.base_url}: {exc.os_error}") from exc
        except aiohttp.InvalidURL as exc:
            raise Unreachable(f"not a URL Turnout can be reached at: {self.base_url}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            raise ConnectionLost(f"lost the connection to {self.base_url}: {reason}") from exc


async def sse_events(lines: AsyncIterable[bytes]) -> AsyncIterator[tuple[str, str]]:
    """(event name, data) of each event in a text/event-stream, as the HTML standard reads it."""
    name, data = "message", list[str]()
    async for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue  # a comment: Turnout's keep-alive
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)


def _reading_for(seconds: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT_S, sock_read=seconds)


async def _json(response: aiohttp.ClientResponse) -> Job:
    body = await response.read()
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UnexpectedAnswer(f"{response.url} did not answer JSON: {body[:200]!r}") from exc
    if not isinstance(parsed, dict):
        raise UnexpectedAnswer(f"{response.url} answered {body[:200]!r}")
    return parsed


async def _api_error(response: aiohttp.ClientResponse) -> ApiError:
    """The error Turnout's envelope describes, or the bare status from anything else."""
    body = await response.content.read(ERROR_BODY_LIMIT)
    try:
        envelope = orjson.loads(body).get("error")
        code, message = str(envelope["code"]), str(envelope["message"])
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return ApiError(response.status, None, response.reason or "no error message")
    return ApiError(response.status, code, message)
