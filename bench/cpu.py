"""How busy the CPUs were with work that is not the benchmark's own (wrk, upstream, Turnout).

Other engineers' test runs on a shared 2-core machine depress every figure; each measurement
records the share of all CPUs that went to processes outside this benchmark's process tree.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench.processes import process_tree


def _system() -> tuple[int, int]:
    """(all jiffies, idle jiffies) summed over CPUs."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields[:8]), fields[3] + fields[4]


def _own_ticks() -> int:
    """CPU jiffies of this process's tree, reaped children included (cutime/cstime)."""
    total = 0
    for pid in process_tree(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total


@dataclass(frozen=True)
class CpuMark:
    total: int
    idle: int
    own: int


def mark() -> CpuMark:
    total, idle = _system()
    return CpuMark(total, idle, _own_ticks())


def other_share(start: CpuMark, end: CpuMark) -> float:
    """Share of all CPUs busy with processes outside the benchmark between two marks."""
    spent = end.total - start.total
    if spent <= 0:
        return 0.0
    busy = spent - (end.idle - start.idle)
    return max(0.0, (busy - (end.own - start.own)) / spent)


def process_ticks(pids: list[int]) -> dict[int, int]:
    """utime + stime jiffies of each live process in `pids`."""
    out: dict[int, int] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = int(fields[11]) + int(fields[12])
    return out


def per_process_share(before: dict[int, int], after: dict[int, int],
                      seconds: float) -> list[float]:
    """Share of one CPU each process used between two `process_ticks` readings."""
    hz = os.sysconf("SC_CLK_TCK")
    if seconds <= 0:
        return []
    return [(after.get(pid, ticks) - ticks) / hz / seconds for pid, ticks in before.items()]


def wait_for_quiet(threshold: float, max_wait_s: float, sample_s: float = 1.0) -> float:
    """Wait (at most `max_wait_s`) until other work uses under `threshold` of the CPUs.

    Answers the last share seen; the measurement records its own share in any case.
    """
    deadline = time.monotonic() + max_wait_s
    while True:
        start = mark()
        time.sleep(sample_s)
        share = other_share(start, mark())
        if share < threshold or time.monotonic() >= deadline:
            return share
