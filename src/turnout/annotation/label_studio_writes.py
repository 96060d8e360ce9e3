"""Predictions written to Label Studio in bulk while each task still waits for its own write.

Job items run one task each, several at once; writing each alone would cost Label Studio a
request per task. A task's prediction joins the batch being gathered and its item waits until
that batch is written (at MAX_BATCH predictions or after WAIT_S), so an item is recorded done
only once Label Studio holds its prediction, and a failed write fails exactly its batch's items.

A failed import may still have stored some or all of the batch (Label Studio stores them before
updating its task counters, which can fail with HTTP 500; a timeout says nothing either), so the
writer asks which tasks hold their prediction and sends only the rest again, a few times.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from turnout.errors import LabelStudioUnreachable
from turnout.labelstudio.client import LabelStudioClient
from turnout.labelstudio.records import PredictionIn

MAX_BATCH = 50
WAIT_S = 0.2
ATTEMPTS = 3
RETRY_S = 1.0  # doubled after each failed attempt


@dataclass
class _Batch:
    predictions: list[PredictionIn] = field(default_factory=list)
    written: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class BulkWriter:
    """Gathers one project's predictions into bulk imports."""

    def __init__(self, client: LabelStudioClient, project_id: int, *,
                 max_batch: int = MAX_BATCH, wait_s: float = WAIT_S,
                 attempts: int = ATTEMPTS, retry_s: float = RETRY_S) -> None:
        self._client = client
        self._project_id = project_id
        self._max_batch = max_batch
        self._wait_s = wait_s
        self._attempts = attempts
        self._retry_s = retry_s
        self._open: _Batch | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._writes: set[asyncio.Task[None]] = set()
        self._sending = asyncio.Lock()

    async def write(self, prediction: PredictionIn) -> None:
        """Returns once Label Studio holds `prediction`; raises what its batch's write raised."""
        batch = self._open
        if batch is None:
            batch = self._open = _Batch()
            self._timer = asyncio.get_running_loop().call_later(self._wait_s, self._send)
        batch.predictions.append(prediction)
        written = batch.written
        if len(batch.predictions) >= self._max_batch:
            self._send()
        await asyncio.shield(written)

    def _send(self) -> None:
        batch, self._open = self._open, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if batch is None:
            return
        task = asyncio.ensure_future(self._import(batch))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _import(self, batch: _Batch) -> None:
        try:
            async with self._sending:
                await self._write_all(batch.predictions)
        except BaseException as error:  # every waiting item learns of it
            if not batch.written.done():
                batch.written.set_exception(error)
                batch.written.exception()  # retrieved here too, so an unread one is not logged
            if not isinstance(error, Exception):
                raise
        else:
            batch.written.set_result(None)

    async def _write_all(self, predictions: list[PredictionIn]) -> None:
        left = predictions
        for attempt in range(self._attempts):
            try:
                await self._client.import_predictions(self._project_id, left)
                return
            except LabelStudioUnreachable:
                if attempt + 1 == self._attempts:
                    raise
                await asyncio.sleep(self._retry_s * 2**attempt)
                left = await self._not_held(left)
                if not left:
                    return

    async def _not_held(self, predictions: list[PredictionIn]) -> list[PredictionIn]:
        """Those of `predictions` whose task holds no prediction of their model_version."""
        page = await self._client.list_tasks(
            self._project_id, task_ids=[p.task_id for p in predictions],
            page_size=len(predictions),
        )
        held = {(task.id, p.model_version) for task in page.tasks for p in task.predictions}
        return [p for p in predictions if (p.task_id, p.model_version) not in held]
