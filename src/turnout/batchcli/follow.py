"""Keeping up with a job until it finishes: its events stream, reconnected when the link drops,
and plain polling when the stream cannot be had (a proxy that buffers or refuses it).

The job lives on in Turnout whatever happens here; following only watches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import aclosing

from turnout.batchcli.client import ApiError, Job, TransportError, TurnoutClient

FINISHED = frozenset({"completed", "cancelled", "failed"})
# Tries of the stream in a row that bring no event before falling back to polling.
STREAM_TRIES = 5
POLL_S = 1.0
# Polls in a row without an answer before giving up (a minute or so: a restart fits in it).
POLL_TRIES = 60
# Statuses that polling would meet again: say so at once instead of polling into them.
FATAL_STATUSES = frozenset({401, 403, 404})

Update = Callable[[Job], None]
Sleep = Callable[[float], Awaitable[None]]


def finished(job: Job) -> bool:
    return job.get("status") in FINISHED


async def follow(
    client: TurnoutClient, job_id: str, update: Update, *, sleep: Sleep = asyncio.sleep
) -> Job:
    """The job once it has finished; `update` is told each state seen on the way."""
    job = await _stream(client, job_id, update, sleep)
    if job is None:
        job = await _poll(client, job_id, update, sleep)
    return job


async def _stream(client: TurnoutClient, job_id: str, update: Update, sleep: Sleep) -> Job | None:
    """The finished job from its events, or None when the stream keeps failing."""
    fruitless = 0
    while fruitless < STREAM_TRIES:
        try:
            async with aclosing(client.events(job_id)) as events:
                async for name, job in events:
                    update(job)
                    fruitless = 0
                    if name == "done" or finished(job):
                        return job
        except TransportError:
            pass
        except ApiError as error:
            if error.status in FATAL_STATUSES:
                raise
            return None  # something in between does not pass the stream on
        fruitless += 1
        await sleep(min(0.5 * 2 ** (fruitless - 1), 5.0))
    return None


async def _poll(client: TurnoutClient, job_id: str, update: Update, sleep: Sleep) -> Job:
    unanswered = 0
    while True:
        try:
            job = await client.job(job_id)
        except TransportError:
            unanswered += 1
            if unanswered >= POLL_TRIES:
                raise
        else:
            unanswered = 0
            update(job)
            if finished(job):
                return job
        await sleep(POLL_S)
