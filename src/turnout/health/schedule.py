"""Run a job on a fixed grid of ticks: start, start + interval, start + 2·interval, …

Rounds never overlap: one that overruns skips the ticks it missed instead of bursting to
catch up, and the grid never drifts however long each round takes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn

log = logging.getLogger("turnout.health")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def next_tick(previous: float, now: float, interval_s: float) -> float:
    """The first tick after `previous` on its grid that is not before `now`."""
    if interval_s <= 0:
        raise ValueError("interval_s must be positive")
    steps = max(1, math.ceil((now - previous) / interval_s))
    return previous + steps * interval_s


async def run_every(
    interval_s: float,
    job: Callable[[], Awaitable[None]],
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> NoReturn:
    """Run `job` now and then on every tick until cancelled; a failing round is logged."""
    tick = clock()
    while True:
        try:
            await job()
        except Exception:  # one bad round must not end the schedule
            log.exception("health round failed; the next one runs on schedule")
        tick = next_tick(tick, clock(), interval_s)
        await sleep(max(0.0, tick - clock()))
