"""Request sizes and text, refused before a body is buffered whole.

One pure-ASGI middleware in front of every route (plain routes included):

- the URL path and query string must be UTF-8 without NUL (400 INVALID_TEXT): servers decode
  a bad percent-escape to U+FFFD silently, so the raw bytes are checked;
- a body is JSON (415) of at most its route's limit (413), looked up by path prefix: chat-sized
  for the LLM routes, 64 KiB for everything else. A declared Content-Length over the limit is
  refused unread (and the connection closed); a body without one (chunked) is counted as it
  streams in and refused at the first byte over;
- small bodies are read here and checked as JSON (json_input.parse) before the route sees them.
  The LLM routes' bodies stream through untouched when their length is declared: those routes
  are plain routes whose `read_body` checks the same rules while validating, so the request
  path pays for no second parse and no wrapped `receive`.

Header size and count are bounded earlier, by the HTTP protocol (turnout.serving_protocol).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turnout.api import json_input
from turnout.api.errors import error_response
from turnout.api.schemas.errors import error_responses
from turnout.errors import InvalidText, PayloadTooLarge, TurnoutError, UnsupportedMediaType

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, slots=True)
class BodyRule:
    limit: int
    # The route checks its JSON itself while validating it (plain.read_body).
    checked_by_route: bool = False
    # Media types accepted besides JSON, passed through unread (the route reads them).
    other_media: tuple[bytes, ...] = ()


# Long conversations and images sent inline as data: URLs.
LLM_BODY = BodyRule(8 * MIB, checked_by_route=True)
# Login, accounts, keys and configuration: nothing legitimate comes near it.
SMALL_BODY = BodyRule(64 * KIB)
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
# Path prefix → rule, first match wins; every other path gets SMALL_BODY.
# Batches of up to 100,000 requests (JSON, or JSON lines uploaded as they are).
BATCH_BODY = BodyRule(64 * MIB)
JSONL_BODY = BodyRule(
    64 * MIB, other_media=(b"application/x-ndjson", b"application/jsonl", b"text/plain")
)
# OpenAI batch input files: multipart uploads of up to 100,000 lines.
FILE_BODY = BodyRule(100 * MIB, other_media=(b"multipart/form-data",))
ML_BACKEND_BODY = BodyRule(32 * MIB)
# A selection of up to 100,000 task ids.
PREANNOTATION_BODY = BodyRule(4 * MIB)
BODY_RULES: tuple[tuple[str, BodyRule], ...] = (
    ("/api/v1/llm/batch/jsonl", JSONL_BODY),
    ("/v1/files", FILE_BODY),
    ("/api/v1/llm/batch", BATCH_BODY),
    ("/api/v1/llm/generate", LLM_BODY),
    ("/api/v1/llm/embed", LLM_BODY),
    ("/v1/chat/completions", LLM_BODY),
    ("/v1/embeddings", LLM_BODY),
    # Label Studio's ML-backend calls: a selection's tasks with their data, the project's config.
    ("/ml/", ML_BACKEND_BODY),
    ("/api/v1/preannotation/", PREANNOTATION_BODY),
)


class InputLimits:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = url_problem(scope)
        if problem is not None:
            await _refuse(scope, receive, send, problem)
            return
        if scope["method"] not in _WITH_BODY:  # no route reads a body it does not document
            await self.app(scope, receive, send)
            return
        length, chunked, media = _body_headers(scope["headers"])
        if not (length or chunked):
            await self.app(scope, receive, send)
            return
        rule = rule_for(scope["path"])
        if length is not None and length > rule.limit:
            await _refuse(scope, receive, send, _too_large(rule), close=True)
        elif media in rule.other_media:
            await self._counted(scope, receive, send, rule)
        elif not _is_json(media):
            await _refuse(scope, receive, send, UnsupportedMediaType(), close=chunked)
        elif length is not None and rule.checked_by_route:
            await self.app(scope, receive, send)
        else:
            await self._buffered(scope, receive, send, rule)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, rule: BodyRule) -> None:
        """A body the route reads itself, bounded by the rule's limit as it streams in."""
        try:
            body = await _read_body(receive, rule)
        except PayloadTooLarge as error:
            await _refuse(scope, receive, send, error, close=True)
            return
        if body is not None:
            await self.app(scope, _replay(body, receive), send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, rule: BodyRule) -> None:
        try:
            body = await _read_body(receive, rule)
            if body is None:  # the client went away mid-body; nobody to answer
                return
            if not rule.checked_by_route:
                json_input.parse(body)
        except PayloadTooLarge as error:
            await _refuse(scope, receive, send, error, close=True)
            return
        except TurnoutError as error:
            await _refuse(scope, receive, send, error)
            return
        await self.app(scope, _replay(body, receive), send)


def rule_for(path: str) -> BodyRule:
    for prefix, rule in BODY_RULES:
        if path.startswith(prefix):
            return rule
    return SMALL_BODY


def url_problem(scope: Scope) -> InvalidText | None:
    """INVALID_TEXT when the raw path or query string is not UTF-8 or holds a NUL."""
    raw_path = scope.get("raw_path")
    # Some clients (httpx's ASGI transport) put the query into raw_path as well.
    if raw_path and b"%" in raw_path and not _is_text(raw_path.partition(b"?")[0]):
        return InvalidText(part="path")
    query: bytes = scope.get("query_string") or b""
    suspect = b"%" in query or not query.isascii()
    if suspect and not _is_text(query.replace(b"+", b" ")):
        return InvalidText(part="query")
    return None


def _is_text(quoted: bytes) -> bool:
    """Whether percent-decoded `quoted` is UTF-8 without NUL."""
    raw = unquote_to_bytes(quoted)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in raw


def _body_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[int | None, bool, bytes]:
    """(Content-Length, chunked, media type without parameters) of a request."""
    length, chunked, media = None, False, b""
    for name, value in headers:
        if name == b"content-length":
            if value.isdigit():
                length = int(value) if len(value) < 19 else 2**63
            else:  # unreadable: count what arrives instead
                chunked = True
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"content-type":
            media = value.partition(b";")[0].strip().lower()
    return length, chunked, media


def _is_json(media: bytes) -> bool:
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def _too_large(rule: BodyRule) -> PayloadTooLarge:
    return PayloadTooLarge(limit_bytes=rule.limit)


async def _read_body(receive: Receive, rule: BodyRule) -> bytes | None:
    """The whole body, PayloadTooLarge at the first byte over the limit, None on disconnect."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > rule.limit:
            raise _too_large(rule)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the app: the body read here first, then the client's own messages."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(
    scope: Scope, receive: Receive, send: Send, error: TurnoutError, *, close: bool = False
) -> None:
    response = error_response(Request(scope), error)
    if close:  # the unread rest of the body must not be taken for the next request
        response.headers["connection"] = "close"
    await response(scope, receive, send)


def document_refusals(app: FastAPI) -> None:
    """Add the statuses answered here to every operation of the app's OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _add_refusals(generate())
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _add_refusals(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        name = "OpenAIErrorResponse" if path.startswith("/v1/") else "ErrorResponse"
        schema = {"$ref": f"#/components/schemas/{name}"}
        for operation in item.values():
            statuses = (400, 413, 415) if "requestBody" in operation else (400,)
            for status in statuses:
                operation["responses"].setdefault(
                    str(status),
                    {
                        "description": error_responses(status)[status]["description"],
                        "content": {"application/json": {"schema": schema}},
                    },
                )
