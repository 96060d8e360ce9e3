"""Optional: sample one Turnout worker with py-spy during an extra generate load run.

Writes `<dir>/turnout-w<W>.collapsed` (flamegraph.pl / speedscope input) and prints the
functions where the worker spent its time. py-spy comes from PyPI through `uv run --with`.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import time
from pathlib import Path

from bench.processes import REPO_ROOT, server_rss
from bench.scenarios import Runner, generate_load
from bench.setup import TurnoutSetup
from bench.upstream import set_upstream_delay
from bench.wrk import stop

_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>.*?)(?::\d+)?\)$")


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"].split("site-packages/")[-1].split("src/")[-1]
    return f"{match['name']} ({path})"


def summarize(collapsed: Path, top: int = 25) -> str:
    """Inclusive and self shares of the most expensive functions in a collapsed-stack file."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";")]
        total += int(count)
        for name in set(frames):
            inclusive[name] += int(count)
        own[frames[-1]] += int(count)
    if not total:
        return "no samples"
    lines = [f"{total} samples (GIL holder only)", "inclusive (frames in > 90 % left out):"]
    shown = [(name, n) for name, n in inclusive.most_common() if n <= 0.9 * total][:top]
    lines += [f"  {n * 100 / total:5.1f}%  {name}" for name, n in shown]
    lines.append("self:")
    lines += [f"  {n * 100 / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def profile_generate(runner: Runner, setup: TurnoutSetup, server_pid: int, label: str,
                     out_dir: Path) -> str:
    """An extra (unreported) 0 ms generate load run with py-spy attached to one worker."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"turnout-{label}.collapsed"
    set_upstream_delay(runner.upstream_url, 0)
    seconds = max(3, round(runner.duration_s))
    proc = runner.wrk.start(generate_load(setup), runner.connections, seconds + 3)
    try:
        busy = worker_cpu(list(server_rss(server_pid)), 1.0)
        target = max(busy, key=lambda pid: busy[pid])
        shares = ", ".join(f"pid {pid} {share:.0%}" for pid, share in busy.items())
        spy = subprocess.run(
            ["uv", "run", "--with", "py-spy", "py-spy", "record", "--pid", str(target),
             "--duration", str(seconds), "--rate", "200", "--format", "raw", "--gil",
             "--nonblocking", "--output", str(out)],
            cwd=REPO_ROOT, capture_output=True, text=True, check=False,
            timeout=seconds + 120,
        )
        runner.wrk.finish(proc, seconds + 3)
    finally:
        stop(proc)
    if spy.returncode != 0 or not out.exists():
        return f"py-spy failed ({spy.returncode}): {spy.stderr.strip()[-500:]}"
    return (f"worker CPU under load: {shares}\n"
            f"profile of worker pid {target} written to {out}\n" + summarize(out))


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def worker_cpu(pids: list[int], seconds: float) -> dict[int, float]:
    """Share of one CPU each process used over `seconds`."""
    hz = os.sysconf("SC_CLK_TCK")
    before = {pid: _ticks(pid) for pid in pids}
    time.sleep(seconds)
    return {pid: (_ticks(pid) - before[pid]) / hz / seconds for pid in pids}
