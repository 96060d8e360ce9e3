"""HTTP calls to an upstream, inside the error boundary: JSON in, JSON or raw chunks out."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from turnout.errors import MalformedResponse
from turnout.providers.error_mapping import (
    error_from_payload,
    error_from_response,
    extract_error,
    upstream_errors,
)

if TYPE_CHECKING:
    from turnout.providers.connection import ProviderConnection

Params = Mapping[str, str] | None


def decode_json(raw: bytes | str, *, provider: str | None) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        snippet = raw[:200] if isinstance(raw, str) else raw[:200].decode(errors="replace")
        raise MalformedResponse(f"invalid JSON: {snippet!r}", provider=provider) from exc


def _headers(conn: ProviderConnection, body: Any) -> dict[str, str]:
    headers = conn.auth_headers()
    if body is not None:
        headers["Content-Type"] = "application/json"
    return headers


async def request_json(
    conn: ProviderConnection,
    method: str,
    url: str,
    *,
    body: Any = None,
    params: Params = None,
    timeout_s: float,
) -> Any:
    """One request whose answer is a JSON document; non-2xx answers raise mapped errors."""
    data = orjson.dumps(body) if body is not None else None
    with upstream_errors(conn.name):
        async with conn.session().request(
            method,
            url,
            data=data,
            params=params,
            headers=_headers(conn, body),
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            # A redirect could lead past the outbound URL guard; vendors' APIs do not redirect.
            allow_redirects=False,
        ) as resp:
            raw = await resp.read()
            if not 200 <= resp.status < 300:
                raise error_from_response(resp.status, raw, resp.headers, provider=conn.name)
    return decode_json(raw, provider=conn.name)


async def stream_bytes(
    conn: ProviderConnection, url: str, *, body: Any, params: Params = None, timeout_s: float
) -> AsyncGenerator[bytes, None]:
    """POST and yield the answer's raw chunks as they arrive (boundaries fall anywhere).

    `timeout_s` bounds connecting and each silence between chunks, not the whole stream.
    """
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout_s, sock_read=timeout_s)
    with upstream_errors(conn.name):
        async with conn.session().post(
            url,
            data=orjson.dumps(body),
            params=params,
            headers=_headers(conn, body),
            timeout=timeout,
            allow_redirects=False,
        ) as resp:
            if not 200 <= resp.status < 300:
                raw = await resp.read()
                raise error_from_response(resp.status, raw, resp.headers, provider=conn.name)
            if resp.content_type == "application/json":
                # Some vendors answer a stream request with one JSON error document.
                payload = decode_json(await resp.read(), provider=conn.name)
                if extract_error(payload) is not None:
                    raise error_from_payload(payload, provider=conn.name, status=resp.status)
                raise MalformedResponse(
                    "expected a stream, got one JSON document", provider=conn.name
                )
            async for chunk in resp.content.iter_any():
                yield chunk
