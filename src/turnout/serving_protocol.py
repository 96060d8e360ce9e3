"""uvicorn's httptools protocol with a bounded request head (request line and header fields).

llhttp puts no limit on a request's head, and httptools and uvicorn collect it by repeated
concatenation in the event loop: one 100 MB header held a worker for seconds (/healthz took up
to 9 s to answer meanwhile, measured) before any route could refuse it. uvicorn bounds the head
only for h11 (`h11_max_incomplete_event_size`), not for httptools.

Here the bytes of each head are counted as they arrive, before the parser sees them; a head over
MAX_HEAD_BYTES, or with more than MAX_HEADER_COUNT fields, is answered 431 with the error
envelope (in the default locale: the headers that would choose another are what is refused) and
the connection is closed. The bodies are bounded later, per route, by api.limits.InputLimits.
"""

from __future__ import annotations

from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from turnout.errors import HeadersTooLarge
from turnout.i18n import DEFAULT_LOCALE, load_catalogs
from turnout.store.types import new_id

# nginx allows 4 × 8 KiB by default and Node.js 16 KiB; our own tokens and keys are far smaller.
MAX_HEAD_BYTES = 32 * 1024
MAX_HEADER_COUNT = 100


class _TooManyHeaders(Exception):
    """Raised from the parser's callback to stop it at the first field over the count."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._new_head()
        self._too_many_headers = False

    def _new_head(self) -> None:
        self._in_head = True
        self._head_room = MAX_HEAD_BYTES
        self._header_count = 0

    def data_received(self, data: bytes) -> None:
        if not self._in_head:
            super().data_received(data)
        elif len(data) <= self._head_room:
            self._head_room -= len(data)
            super().data_received(data)
        else:
            # Only parsing shows whether the head ends within the room left: feed that much.
            room = self._head_room
            super().data_received(data[:room])
            if self._in_head:
                self._refuse_head()
            elif not self.transport.is_closing():
                super().data_received(data[room:])

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADER_COUNT:
            self._too_many_headers = True
            raise _TooManyHeaders()
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._new_head()

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers any exception from a parser callback (ours too) with a plain 400.
        if self._too_many_headers:
            self._refuse_head()
        else:
            super().send_400_response(msg)

    def _refuse_head(self) -> None:
        self.logger.warning("Request head over %d bytes or %d fields refused (431).",
                            MAX_HEAD_BYTES, MAX_HEADER_COUNT)
        request_id = new_id()
        body = orjson.dumps(_envelope(request_id))
        head = [
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            *(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers),
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"x-request-id: " + request_id.encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def _envelope(request_id: str) -> dict[str, Any]:
    error = HeadersTooLarge()
    message = load_catalogs().t(error.message_key, DEFAULT_LOCALE)
    return {
        "error": {
            "code": error.code.value,
            "message": message,
            "details": {"max_bytes": MAX_HEAD_BYTES, "max_fields": MAX_HEADER_COUNT},
            "request_id": request_id,
        }
    }
