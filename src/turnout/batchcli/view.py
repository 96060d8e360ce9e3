"""What the batch commands show: a live progress bar, a status table, a closing summary.

Rate and ETA come from Turnout's own figures (its ETA is the pace since the job started), so
they are right from the first frame and do not depend on this machine's clock. On a terminal
the bar is redrawn in place; anywhere else (a pipe, a CI log) a plain line is printed now and
then, so a long job still shows signs of life.
"""

from __future__ import annotations

import time
from datetime import datetime
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from turnout.batchcli.client import Job
from turnout.batchcli.follow import finished

PLAIN_EVERY_S = 10.0


def done_count(job: Job) -> int:
    return int(job["completed"]) + int(job["failed"]) + int(job["cancelled"])


def rate(job: Job) -> float | None:
    """Items finished per second, when Turnout's figures tell it."""
    remaining = int(job["total"]) - done_count(job)
    if finished(job):
        started, ended = _when(job.get("started_at")), _when(job.get("finished_at"))
        seconds = (ended - started).total_seconds() if started and ended else 0.0
        # Cancelled items were never run: counting them would flatter a cancelled job's pace.
        ran = int(job["completed"]) + int(job["failed"])
        return ran / seconds if seconds > 0 else None
    eta = job.get("eta_s")
    return remaining / eta if eta and remaining > 0 else None


def rate_text(job: Job) -> str:
    value = rate(job)
    return "– items/s" if value is None else f"{value:.1f} items/s"


def eta_text(job: Job) -> str:
    if finished(job):
        return "0:00:00"
    eta = job.get("eta_s")
    if eta is None:
        return "-:--:--"
    seconds = round(float(eta))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def cost_text(cost: float) -> str:
    # Cost is in each model's own currency as priced in Turnout's catalog; no symbol claimed.
    return f"{cost:.4f}" if cost >= 0.01 or cost == 0 else f"{cost:.6f}"


def state_text(job: Job) -> str:
    """The status, with why and until when for a paused job."""
    if job["status"] != "paused":
        return str(job["status"])
    reason = job.get("pause_reason") or "waiting"
    resume = _when(job.get("resume_at"))
    until = f", resumes {resume.astimezone():%H:%M:%S}" if resume else ""
    return f"paused ({reason}{until})"


def progress_line(job: Job) -> str:
    total = int(job["total"])
    percent = f"{done_count(job) / total:.0%}" if total else "100%"
    return (
        f"job {job['id']} {state_text(job)} {done_count(job)}/{total} {percent} "
        f"{rate_text(job)} ETA {eta_text(job)} cost {cost_text(job['cost'])}"
    )


class ProgressView:
    """The job's progress on `console` while it is followed (a context manager)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._last_line = float("-inf")
        self._last_job: Job | None = None
        self._shown: Job | None = None

    def __enter__(self) -> ProgressView:
        if self._console.is_terminal:
            self._bar = _bar(self._console)
            self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            return
        last = self._last_job
        if last is not None and last is not self._shown and finished(last):
            self._plain(last, force=True)

    def update(self, job: Job) -> None:
        self._last_job = job
        if self._bar is None:
            self._plain(job, force=False)
            return
        fields = _fields(job)
        if self._task is None:
            self._task = self._bar.add_task(**fields)
        else:
            self._bar.update(self._task, refresh=True, **fields)

    def _plain(self, job: Job, *, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_line >= PLAIN_EVERY_S:
            self._console.print(progress_line(job), markup=False, highlight=False, soft_wrap=True)
            self._last_line, self._shown = now, job


def _bar(console: Console) -> Progress:
    return Progress(
        TextColumn("job {task.fields[job]} {task.description}", markup=False),
        BarColumn(bar_width=None),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rate]}", markup=False),
        TextColumn("ETA {task.fields[eta]}", markup=False),
        TextColumn("cost {task.fields[cost]}", markup=False),
        console=console,
        refresh_per_second=4,
    )


def _fields(job: Job) -> dict[str, Any]:
    return {
        "description": state_text(job),
        "total": max(int(job["total"]), 1),
        "completed": done_count(job) if job["total"] else 1,
        "job": job["id"],
        "rate": rate_text(job),
        "eta": eta_text(job),
        "cost": cost_text(job["cost"]),
    }


def status_table(job: Job) -> Table:
    """Everything Turnout says about the job, one row per fact."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    usage = job["usage"]
    rows = [
        ("job", job["id"]),
        ("status", state_text(job)),
        ("progress", f"{done_count(job)}/{job['total']} ({job['progress']:.0%})"),
        ("completed", str(job["completed"])),
        ("failed", str(job["failed"])),
        ("cancelled", str(job["cancelled"])),
        ("running", str(job["running"])),
        ("pending", str(job["pending"])),
        ("rate", rate_text(job)),
        ("ETA", eta_text(job)),
        ("tokens", tokens_text(usage)),
        ("cost", cost_text(job["cost"])),
        ("client key", job.get("client_key") or "–"),
        ("created", _time_text(job.get("created_at"))),
        ("started", _time_text(job.get("started_at"))),
        ("finished", _time_text(job.get("finished_at"))),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def tokens_text(usage: dict[str, int]) -> str:
    return (
        f"{usage['total_tokens']:,} (prompt {usage['prompt_tokens']:,}, "
        f"completion {usage['completion_tokens']:,})"
    )


def summary(job: Job, *, results: str | None = None, lines: int = 0) -> str:
    """The closing lines of a followed job."""
    text = [
        f"job {job['id']} {job['status']}: {job['completed']} completed, {job['failed']} failed, "
        f"{job['cancelled']} cancelled of {job['total']}",
        f"tokens {tokens_text(job['usage'])}, cost {cost_text(job['cost'])}",
    ]
    if results is not None:
        text.append(f"results: {results} ({lines} lines)")
    return "\n".join(text)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _time_text(value: Any) -> str:
    moment = _when(value)
    return f"{moment.astimezone():%Y-%m-%d %H:%M:%S %Z}" if moment else "–"
