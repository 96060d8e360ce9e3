"""Time to first byte of a streamed answer: one keep-alive connection, one request at a time.

wrk cannot see inside a response, so the streaming scenario uses this client for DIRECT, the
reference proxy and Turnout alike. It speaks HTTP/1.1 over a plain socket (TCP_NODELAY) and
records, per request, the time from just before the request's first byte is written to the
arrival of the first byte of the response *body*: the first byte of the first Server-Sent
Event, after the status line and headers and with chunked transfer encoding taken off (the
arrival time of a byte is when the `recv` that delivered it returned). It then reads the stream
to its end before sending the next request on the same connection.

The figures come back as a `WrkResult` (percentiles in microseconds, errors by kind) so that
the report treats them like wrk's.
"""

from __future__ import annotations

import json
import math
import socket
import time
import urllib.parse
from dataclasses import dataclass

from bench.wrk import Load, WrkResult

PERCENTILES = (50.0, 75.0, 90.0, 99.0, 99.9)
RECV_SIZE = 65536


class ProtocolError(RuntimeError):
    pass


@dataclass(frozen=True)
class Exchange:
    status: int
    first_byte_ns: int  # request written → first body byte (0 when the body was empty)
    total_ns: int  # request written → last byte of the response
    body: bytes


class _Reader:
    """Buffered reads from a socket that remember when each byte arrived."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.consumed = 0  # bytes of this exchange taken out of the buffer so far
        self.arrivals: list[tuple[int, int]] = []  # (bytes received by then, perf_counter_ns)
        self.received = 0

    def _fill(self) -> None:
        data = self.sock.recv(RECV_SIZE)
        now = time.perf_counter_ns()
        if not data:
            raise ConnectionError("connection closed in the middle of a response")
        self.buffer += data
        self.received += len(data)
        self.arrivals.append((self.received, now))

    def arrival_of_next_byte(self) -> int:
        """When the next unread byte arrived (it must be in the buffer)."""
        offset = self.consumed
        for end, at in self.arrivals:
            if end > offset:
                return at
        raise ProtocolError("no byte to time")

    def line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        return self.take(end + 2)[:-2]

    def exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        return self.take(n)

    def ensure(self, n: int) -> None:
        while len(self.buffer) < n:
            self._fill()

    def take(self, n: int) -> bytes:
        out = bytes(self.buffer[:n])
        del self.buffer[:n]
        self.consumed += n
        return out

    def until_close(self) -> bytes:
        while True:
            try:
                self._fill()
            except ConnectionError:
                return self.take(len(self.buffer))


class StreamClient:
    """One keep-alive HTTP/1.1 connection to one host, reopened when the server closes it."""

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout_s = timeout_s
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _connect(self) -> socket.socket:
        if self.sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = sock
        return self.sock

    def request_bytes(self, load: Load) -> bytes:
        body = load.body.encode()
        head = [f"{load.method} {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                "Accept: text/event-stream", "User-Agent: turnout-bench-ttfb"]
        if load.token:
            head.append(f"Authorization: Bearer {load.token}")
        if body:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    def exchange(self, request: bytes) -> Exchange:
        sock = self._connect()
        reader = _Reader(sock)
        started = time.perf_counter_ns()
        sock.sendall(request)
        status, headers = _head(reader)
        first, body = _body(reader, headers)
        total = time.perf_counter_ns() - started
        framed = "content-length" in headers or "chunked" in headers.get("transfer-encoding", "")
        if headers.get("connection", "").lower() == "close" or not framed:
            self.close()
        return Exchange(status, first - started if first else 0, total, body)


def _head(reader: _Reader) -> tuple[int, dict[str, str]]:
    status_line = reader.line()
    try:
        status = int(status_line.split(b" ", 2)[1])
    except (IndexError, ValueError) as exc:
        raise ProtocolError(f"bad status line {status_line!r}") from exc
    headers: dict[str, str] = {}
    while line := reader.line():
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    return status, headers


def _body(reader: _Reader, headers: dict[str, str]) -> tuple[int, bytes]:
    """(arrival of the first body byte or 0, the whole body) for either framing."""
    if "chunked" in headers.get("transfer-encoding", ""):
        return _chunked(reader)
    if "content-length" in headers:
        length = int(headers["content-length"])
        if not length:
            return 0, b""
        reader.ensure(1)
        first = reader.arrival_of_next_byte()
        return first, reader.exactly(length)
    reader.ensure(1)
    first = reader.arrival_of_next_byte()
    return first, reader.until_close()


def _chunked(reader: _Reader) -> tuple[int, bytes]:
    first, parts = 0, list[bytes]()
    while True:
        size = int(reader.line().split(b";", 1)[0], 16)
        if size == 0:
            while reader.line():  # trailers, then the blank line
                pass
            return first, b"".join(parts)
        if not first:
            reader.ensure(1)
            first = reader.arrival_of_next_byte()
        parts.append(reader.exactly(size))
        reader.line()


def complete(body: bytes, done_marker: bytes) -> bool:
    """The stream ended as it should and carried no error event."""
    return done_marker in body and b"event: error" not in body and b'data: {"error"' not in body


def stream_text(body: bytes) -> str:
    """The text a stream spelled: OpenAI `delta.content` pieces or Turnout `delta` events."""
    pieces: list[str] = []
    for line in body.decode(errors="replace").splitlines():
        if not line.startswith("data:") or line[5:].strip() in ("", "[DONE]"):
            continue
        payload = json.loads(line[5:])
        if "text" in payload:
            pieces.append(str(payload["text"]))
        for choice in payload.get("choices") or []:
            pieces.append((choice.get("delta") or {}).get("content") or "")
    return "".join(pieces)


def preflight_stream(load: Load, done_marker: bytes, expect_text: str) -> None:
    """One streamed request, checked by hand: 200, complete, spelling the expected text."""
    client = StreamClient(load.url)
    try:
        answer = client.exchange(client.request_bytes(load))
    except (OSError, ProtocolError) as exc:
        raise RuntimeError(f"{load.url}: {exc}") from exc
    finally:
        client.close()
    if answer.status != 200 or not complete(answer.body, done_marker):
        raise RuntimeError(f"{load.url} answered {answer.status}: {answer.body[:500]!r}")
    text = stream_text(answer.body)
    if expect_text not in text:
        raise RuntimeError(f"{load.url} streamed {text!r}, not {expect_text!r}")


def run(load: Load, duration_s: float, done_marker: bytes, timeout_s: float = 30.0) -> WrkResult:
    """Streamed requests one after another for `duration_s`; time to first byte of each."""
    client = StreamClient(load.url, timeout_s)
    request = client.request_bytes(load)
    samples: list[int] = []
    errors = dict.fromkeys(("connect", "read", "write", "status", "timeout"), 0)
    started = time.perf_counter()
    deadline = started + duration_s
    try:
        while time.perf_counter() < deadline:
            try:
                answer = client.exchange(request)
            except TimeoutError:
                errors["timeout"] += 1
                client.close()
                continue
            except ConnectionRefusedError:
                errors["connect"] += 1
                client.close()
                time.sleep(0.01)
                continue
            except (OSError, ProtocolError, ValueError):
                errors["read"] += 1
                client.close()
                continue
            if answer.status != 200 or not complete(answer.body, done_marker):
                errors["status"] += 1
            samples.append(answer.first_byte_ns)
    finally:
        client.close()
    return _result(samples, errors, time.perf_counter() - started)


def _result(samples_ns: list[int], errors: dict[str, int], elapsed_s: float) -> WrkResult:
    ordered = sorted(samples_ns)

    def percentile(pct: float) -> int:
        if not ordered:
            return 0
        rank = max(1, math.ceil(pct / 100 * len(ordered)))  # nearest rank
        return ordered[rank - 1] // 1000

    failed = errors["connect"] + errors["read"] + errors["timeout"]
    return WrkResult(
        requests=len(ordered) + failed,
        duration_s=elapsed_s,
        errors=errors,
        percentiles_us={p: percentile(p) for p in PERCENTILES},
        mean_us=sum(ordered) / len(ordered) / 1000 if ordered else 0.0,
        max_us=ordered[-1] // 1000 if ordered else 0,
    )
