"""Interpreter settings for a process that serves requests (not applied under tests).

- `gc.freeze()` after start-up: everything built by then lives as long as the process, and full
  collections stopped rescanning it (60–70 ms pauses under load before, measured by the
  benchmark).
- A 0.5 ms switch interval for the interpreter lock. SQLite work runs in a driver thread that
  needs the lock back after each call; the event loop gives the lock up for an instant in every
  poll and takes it straight back, and with the default 5 ms interval such a waiting thread was
  starved for seconds whenever the loop was busy (usage rows piled up in memory, a credential
  read stalled every request waiting on it). At 0.5 ms the thread gets the lock within about a
  millisecond; with no thread waiting the setting costs nothing.
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL_S = 0.0005


def tune_for_serving() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()
