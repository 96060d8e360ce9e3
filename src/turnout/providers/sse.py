"""Incremental Server-Sent Events decoder (WHATWG HTML §9.2.6 "Interpreting an event stream").

Feed it raw chunks cut anywhere (inside a line, a CRLF pair or a UTF-8 sequence); it returns
the events completed so far. Comments (`: keep-alive`, sent by DeepSeek under load) and
`retry:` are dropped. Deviation from the spec: `flush()` dispatches a last event that the
server did not terminate with a blank line, since some upstreams close right after `data:`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

_EOL = re.compile(rb"\r\n|\r|\n")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str = "message"
    id: str | None = None


class SSEDecoder:
    def __init__(self) -> None:
        self._buffer = b""
        self._skip_lf = False  # the previous chunk ended in CR; a leading LF completes that CRLF
        self._first_line = True
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if self._skip_lf and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._skip_lf = False
        buffer = self._buffer + chunk
        events: list[SSEEvent] = []
        position = 0
        for match in _EOL.finditer(buffer):
            event = self._line(buffer[position : match.start()])
            position = match.end()
            if event is not None:
                events.append(event)
        self._skip_lf = position == len(buffer) and buffer.endswith(b"\r")
        self._buffer = buffer[position:]
        return events

    def flush(self) -> list[SSEEvent]:
        """End of stream: an unterminated last line and event are dispatched, not lost."""
        events: list[SSEEvent] = []
        if self._buffer:
            self._line(self._buffer)
            self._buffer = b""
        if (event := self._dispatch()) is not None:
            events.append(event)
        return events

    def _line(self, raw: bytes) -> SSEEvent | None:
        line = raw.decode("utf-8", errors="replace")
        if self._first_line:
            self._first_line = False
            line = line.removeprefix(_BOM)
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        self._field(name, value)
        return None

    def _field(self, name: str, value: str) -> None:
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value

    def _dispatch(self) -> SSEEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return SSEEvent("\n".join(data), event or "message", self._last_id)


async def iter_sse(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[SSEEvent, None]:
    """Events of a byte stream; closes `chunks` (releasing the response) when done or closed."""
    decoder = SSEDecoder()
    async with aclosing(chunks):
        async for chunk in chunks:
            for event in decoder.feed(chunk):
                yield event
    for event in decoder.flush():
        yield event
