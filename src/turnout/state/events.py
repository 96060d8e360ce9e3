"""Event bus for change notices (provider config edits, routing changes) across replicas.

Events are hints that something changed; the database stays the record. Payloads are JSON
objects, and every subscriber gets its own decoded copy, in memory as over Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import orjson
from redis.asyncio import Redis

from turnout.state._faults import BACKEND_FAULTS, FaultGate

logger = logging.getLogger(__name__)

_MIN_RECONNECT_DELAY_S = 0.05
_MAX_RECONNECT_DELAY_S = 0.5
_READY_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class Event:
    """One published message."""

    channel: str
    payload: dict[str, Any]


class _Closed:
    """Marks the end of a subscription's queue."""


_CLOSED = _Closed()


class Subscription:
    """Async iterator over one channel's events; ``close()`` ends the iteration."""

    def __init__(
        self, channel: str, on_close: Callable[[Subscription], None], *, maxsize: int = 1000
    ) -> None:
        self.channel = channel
        self._on_close = on_close
        self._queue: asyncio.Queue[Event | _Closed] = asyncio.Queue(maxsize)
        self._closed = False
        self.dropped = 0

    def deliver(self, data: bytes) -> None:
        """Queue a decoded copy; a stuck consumer loses its oldest events, not the bus."""
        if not self._closed:
            self._put(Event(self.channel, orjson.loads(data)))

    def _put(self, item: Event | _Closed) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            if self.dropped == 1:
                logger.warning("event subscriber on %r is not keeping up", self.channel)
        self._queue.put_nowait(item)

    def close(self) -> None:
        """Stop receiving; a consumer waiting in ``async for`` finishes."""
        if self._closed:
            return
        self._closed = True
        self._put(_CLOSED)
        self._on_close(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        item = await self._queue.get()
        if isinstance(item, _Closed):
            self._queue.put_nowait(item)  # later calls end too
            raise StopAsyncIteration
        return item

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventBus(Protocol):
    """Publish JSON objects to named channels; every subscriber on every replica gets them."""

    async def start(self) -> None:
        """Begin receiving (the Redis reader task)."""
        ...

    async def publish(self, channel: str, payload: dict[str, Any]) -> bool:
        """Send ``payload``; False when the bus could not take it (logged)."""
        ...

    def subscribe(self, channel: str) -> Subscription:
        """A new subscription to ``channel``; close it when done."""
        ...

    async def close(self) -> None:
        """Stop receiving and end every subscription."""
        ...


class _Fanout:
    """Local subscribers by channel."""

    def __init__(self) -> None:
        self._by_channel: dict[str, set[Subscription]] = {}

    def add(self, channel: str) -> Subscription:
        subscription = Subscription(channel, self._remove)
        self._by_channel.setdefault(channel, set()).add(subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        subscribers = self._by_channel.get(subscription.channel)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._by_channel[subscription.channel]

    def dispatch(self, channel: str, data: bytes) -> None:
        for subscription in tuple(self._by_channel.get(channel, ())):
            subscription.deliver(data)

    def close_all(self) -> None:
        for subscribers in tuple(self._by_channel.values()):
            for subscription in tuple(subscribers):
                subscription.close()


class MemoryEventBus:
    """In-process fan-out; publishing delivers synchronously to every local subscriber."""

    def __init__(self) -> None:
        self._fanout = _Fanout()

    async def start(self) -> None:
        """Nothing to start in process."""

    async def publish(self, channel: str, payload: dict[str, Any]) -> bool:
        """Deliver to local subscribers; serialised, so bad payloads fail as over Redis."""
        self._fanout.dispatch(channel, orjson.dumps(payload))
        return True

    def subscribe(self, channel: str) -> Subscription:
        """A new local subscription."""
        return self._fanout.add(channel)

    async def close(self) -> None:
        """End every subscription."""
        self._fanout.close_all()


class RedisEventBus:
    """Redis pub/sub with one reader task that resubscribes after a lost connection.

    The reader subscribes once to the pattern ``<namespace>:events:*`` and routes locally, so
    ``subscribe()`` needs no Redis command (and no race with the reader); change notices are
    rare enough that receiving channels nobody here listens to costs nothing that matters.
    """

    def __init__(self, client: Redis, *, namespace: str = "turnout") -> None:
        self._client = client
        self._prefix = f"{namespace}:events:"
        self._fanout = _Fanout()
        self._ready = asyncio.Event()
        # Set by the first subscription or the first fault, so start() never waits out a
        # timeout when Redis is plainly down.
        self._settled = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reconnect_delay_s = _MIN_RECONNECT_DELAY_S
        self._gate = FaultGate(logger, what="event bus", skip_s=0.0)

    @property
    def ready(self) -> bool:
        """Whether the reader is subscribed right now."""
        return self._ready.is_set()

    async def start(self) -> None:
        """Start the reader; wait until it is subscribed or has failed once (Redis may be down)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="turnout-event-reader")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), _READY_TIMEOUT_S)

    async def publish(self, channel: str, payload: dict[str, Any]) -> bool:
        """``PUBLISH`` to every replica (this one included); False on a backend fault."""
        data = orjson.dumps(payload)
        try:
            await self._client.publish(self._prefix + channel, data)
        except BACKEND_FAULTS as exc:
            self._gate.failed(exc)
            return False
        return True

    def subscribe(self, channel: str) -> Subscription:
        """A new subscription, fed by the reader task."""
        return self._fanout.add(channel)

    async def close(self) -> None:
        """Stop the reader and end every subscription."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._fanout.close_all()

    async def _run(self) -> None:
        """Read forever, reconnecting after a fault with a backoff capped well under 1 s."""
        while True:
            try:
                await self._read()
            # Anything, not just Redis faults: a reader that died would leave this replica deaf.
            except Exception as exc:
                self._settled.set()
                self._gate.failed(exc)
                await asyncio.sleep(self._reconnect_delay_s)
                self._reconnect_delay_s = min(self._reconnect_delay_s * 2, _MAX_RECONNECT_DELAY_S)

    async def _read(self) -> None:
        """One connection's life: subscribe, then route messages until it breaks."""
        pubsub = self._client.pubsub()
        try:
            await pubsub.psubscribe(self._prefix + "*")
            while True:
                # A timeout keeps health-check PINGs flowing on a quiet connection.
                message = await pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._handle(message)
        finally:
            self._ready.clear()
            with contextlib.suppress(*BACKEND_FAULTS):
                await pubsub.aclose()

    def _handle(self, message: dict[str, Any]) -> None:
        """Mark readiness on (re)subscription; route published messages to local subscribers."""
        kind = message["type"]
        if kind == "psubscribe":
            self._ready.set()
            self._settled.set()
            self._reconnect_delay_s = _MIN_RECONNECT_DELAY_S
        elif kind == "pmessage":
            raw = message["channel"]
            name = raw.decode() if isinstance(raw, bytes) else raw
            channel = name[len(self._prefix) :]
            try:
                self._fanout.dispatch(channel, message["data"])
            except orjson.JSONDecodeError:
                logger.warning("dropped a malformed event on %r", channel)
