"""Usage rows, buffered in memory and written in batches: no database round trip per request.

A failed write puts the rows back and tries again later, so a database outage delays rows but
never drops them; `close()` flushes what is left at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.gateway.events import RequestFinished
from turnout.store.bulk import BulkInsert
from turnout.store.models import UsageLog
from turnout.store.types import new_time_ordered_id, utcnow

log = logging.getLogger("turnout.usage")
FLUSH_INTERVAL_S = 1.0
BATCH_SIZE = 1000
CHUNK_SIZE = 200
_INSERT = BulkInsert(UsageLog.__table__)  # type: ignore[arg-type]
SHUTDOWN_ATTEMPTS = 5
_MODEL_LENGTH: int = getattr(UsageLog.__table__.c.model.type, "length", 128)


def usage_row(event: RequestFinished) -> dict[str, Any]:
    """The usage_logs columns of a finished request."""
    caller, provider, usage = event.caller, event.provider, event.usage
    return {
        "tenant_id": caller.tenant_id,
        "request_id": event.request_id,
        "api_key_id": caller.api_key_id,
        "user_id": caller.user_id,
        "provider_id": provider.id if provider else None,
        "provider_type": provider.provider_type if provider else None,
        # The API takes longer model names than the column holds (PostgreSQL refused the row,
        # and with it the whole batch); the report keeps the first part.
        "model": event.model[:_MODEL_LENGTH] if event.model else event.model,
        "operation": event.operation.value,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cost": event.cost,
        "latency_ms": event.latency_ms,
        "attempts": event.calls,
        "status": event.outcome.value,
        "error_code": event.error_code,
        "cached": event.cached,
    }


class UsageRecorder:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        on_backlog: Callable[[int], object] | None = None,
    ) -> None:
        self._sessions = sessions
        self._interval = flush_interval_s
        self._on_backlog = on_backlog  # told the number of unwritten rows after each flush
        self._pending: deque[dict[str, Any]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def request_finished(self, event: RequestFinished) -> None:
        """Queue the request's usage row; never blocks, never fails."""
        row = usage_row(event)
        row["id"], row["created_at"] = new_time_ordered_id(), utcnow()
        self._pending.append(row)

    def record(self, **row: Any) -> None:
        """Queue one usage row (columns of UsageLog)."""
        row.setdefault("id", new_time_ordered_id())
        row.setdefault("created_at", utcnow())
        self._pending.append(row)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="turnout-usage-flusher")

    async def flush(self) -> int:
        """Write everything queued so far; on failure the rows stay queued. Returns rows written."""
        async with self._lock:
            written = 0
            # Only what was queued when the flush began: rows queued while it writes wait for
            # the next flush, so steady traffic gets one batch a second, not a write per trickle.
            left = len(self._pending)
            while left and self._pending:
                batch = [self._pending.popleft() for _ in range(min(BATCH_SIZE, left))]
                left -= len(batch)
                try:
                    written += await self._write(batch)
                except Exception:
                    self._pending.extendleft(reversed(batch))
                    raise
            return written

    async def _write(self, batch: list[dict[str, Any]]) -> int:
        try:
            async with self._sessions() as session:
                connection = await session.connection()
                # In chunks: between them the event loop serves requests, so a flush never
                # stalls the request path for more than a millisecond or two.
                for start in range(0, len(batch), CHUNK_SIZE):
                    await _INSERT(connection, batch[start : start + CHUNK_SIZE])
                await session.commit()
            return len(batch)
        except IntegrityError:
            # One row can never be stored (its tenant was deleted meanwhile): store the others.
            return await self._write_one_by_one(batch)

    async def _write_one_by_one(self, batch: list[dict[str, Any]]) -> int:
        written = 0
        for row in batch:
            try:
                async with self._sessions() as session:
                    connection = await session.connection()
                    await _INSERT(connection, [row])
                    await session.commit()
                written += 1
            except IntegrityError as exc:
                log.error("usage row %s refused by the database: %s", row["id"], exc.orig)
        return written

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for attempt in range(1, SHUTDOWN_ATTEMPTS + 1):
            try:
                await self.flush()
                return
            except Exception:
                log.warning("usage flush at shutdown failed (attempt %d)", attempt, exc_info=True)
                await asyncio.sleep(0.2 * attempt)
        log.error("%d usage rows could not be written at shutdown", len(self._pending))

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:  # the database may be down: keep the rows, try again next tick
                log.warning(
                    "usage flush failed; %d rows kept for the next try",
                    len(self._pending),
                    exc_info=True,
                )
            if self._on_backlog is not None:
                self._on_backlog(len(self._pending))
