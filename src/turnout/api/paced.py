"""Reading a big submission without holding the event loop.

Validating a line of a batch (JSON, the body's model, the stored request) takes tens of
microseconds, so a 100,000-line upload read in one go held the loop for seconds and every
other request of the process waited. Readers hand the loop back every READ_STEP lines (a few
milliseconds of work); what they read is the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

READ_STEP = 200
T = TypeVar("T")


async def paced(items: Iterable[T], *, step: int = READ_STEP) -> AsyncIterator[T]:
    """`items` one by one, letting other tasks run after every `step` of them is made."""
    for count, item in enumerate(items, start=1):
        yield item
        if count % step == 0:
            await asyncio.sleep(0)
