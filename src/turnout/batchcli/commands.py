"""What each `turnout batch` command does (cli.py declares them).

Exit status of `run` and `status --follow`, so scripts can tell outcomes apart:
0 every item completed; 3 the job completed but some items failed (their errors are in the
results); 4 the job failed or was cancelled; 130 following stopped by Ctrl-C with the job left
running; 1 Turnout could not be reached or refused the request; 2 a usage error.

Ctrl-C while following asks whether to cancel the job (answer on standard input); no answer, a
"no", end of input or a second Ctrl-C leave it running, since stopping the watcher should not
throw away work that is paid for.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import BinaryIO, NoReturn, TypeVar
from urllib.parse import urlsplit

import click
from rich.console import Console

from turnout.batchcli.client import (
    ApiError,
    BatchClientError,
    Job,
    TransportError,
    TurnoutClient,
    Unreachable,
)
from turnout.batchcli.follow import finished, follow
from turnout.batchcli.view import ProgressView, status_table, summary

T = TypeVar("T")


class Outcome(IntEnum):
    ALL_COMPLETED = 0
    ITEMS_FAILED = 3
    JOB_NOT_COMPLETED = 4
    LEFT_RUNNING = 130


@dataclass(frozen=True, slots=True)
class Target:
    """The Turnout to talk to and the key to talk with."""

    url: str
    api_key: str


def target(url: str, api_key: str | None) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{url!r} is not an http:// or https:// URL", param_hint="--url")
    if not api_key:
        raise click.UsageError("no API key: pass --api-key or set TURNOUT_API_KEY")
    return Target(url, api_key)


def outcome(job: Job) -> Outcome:
    if job["status"] != "completed":
        return Outcome.JOB_NOT_COMPLETED
    return Outcome.ITEMS_FAILED if job["failed"] else Outcome.ALL_COMPLETED


def run(where: Target, file: Path, *, out: Path | None, query: dict[str, str]) -> NoReturn:
    """Submit the file, follow the job, write its results and sum it up."""
    destination = out or file.with_name(f"{file.stem}.results.jsonl")
    if destination.resolve() == file.resolve():
        raise click.BadParameter("the results would overwrite the file sent", param_hint="--out")
    _require_lines(file)
    with explained():
        job, created = asyncio.run(_call(where, lambda c: c.submit_jsonl(file, query)))
    if created:
        click.echo(f"submitted {file} as job {job['id']} ({job['total']} lines)", err=True)
    else:
        click.echo(f"job {job['id']} was already submitted with this client key", err=True)
    final = watch(where, job["id"])
    lines = save_results(where, final["id"], destination)
    click.echo(summary(final, results=str(destination), lines=lines))
    raise click.exceptions.Exit(outcome(final))


def status(where: Target, job_id: str, *, keep_following: bool) -> None:
    """The job's status as a table; with `keep_following`, after following it to its end."""
    if keep_following:
        final = watch(where, job_id)
        Console().print(status_table(final))
        raise click.exceptions.Exit(outcome(final))
    with explained(job_id):
        job = asyncio.run(_call(where, lambda c: c.job(job_id)))
    Console().print(status_table(job))


def results(where: Target, job_id: str, *, out: Path | None) -> None:
    """The job's result lines, to `out` or standard output."""
    with explained(job_id):
        job = asyncio.run(_call(where, lambda c: c.job(job_id)))
    if not finished(job):
        click.echo(f"job {job_id} is {job['status']}: unfinished items listed as such", err=True)
    if out is None:
        sys.stdout.flush()
        stdout = sys.stdout.buffer
        with explained(job_id):
            asyncio.run(_copy_results(where, job_id, stdout))
        stdout.flush()
        return
    lines = save_results(where, job_id, out)
    click.echo(f"wrote {lines} results of job {job_id} to {out}", err=True)


def cancel(where: Target, job_id: str) -> None:
    with explained(job_id):
        job = asyncio.run(_call(where, lambda c: c.cancel(job_id)))
    if job["status"] in ("completed", "failed"):
        click.echo(f"job {job_id} had already {job['status']}; nothing to cancel")
        return
    click.echo(
        f"job {job_id} {job['status']}: {job['completed']} completed, {job['failed']} failed, "
        f"{job['cancelled']} cancelled, {job['running']} finishing"
    )


def watch(where: Target, job_id: str) -> Job:
    """Follow the job to its end with a live view; Ctrl-C offers to cancel it."""
    cancelling = False
    while True:
        try:
            click.echo(f"following job {job_id} (Ctrl-C to stop)", err=True)
            with explained(job_id, following=True):
                return asyncio.run(_follow_in_view(where, job_id))
        except KeyboardInterrupt:
            if cancelling or not _wants_cancel(job_id):
                _leave_running(job_id)
        with explained(job_id):
            asyncio.run(_call(where, lambda c: c.cancel(job_id)))
        click.echo(f"cancelling job {job_id}; finished items are kept", err=True)
        cancelling = True


def save_results(where: Target, job_id: str, destination: Path) -> int:
    """Write every result line to `destination` (whole or not at all); the number of lines."""
    partial = destination.with_name(f"{destination.name}.partial")
    try:
        with partial.open("wb") as sink, explained(job_id):
            lines = asyncio.run(_copy_results(where, job_id, sink))
        partial.replace(destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return lines


def _wants_cancel(job_id: str) -> bool:
    try:
        answer = click.confirm(
            f"\nstopped following job {job_id}. Cancel the job? (no leaves it running)",
            default=False, err=True,
        )
    except click.Abort:  # a second Ctrl-C, or nobody at standard input
        answer = False
    if not sys.stdin.isatty():
        click.echo(err=True)  # a terminal echoed the answer's newline; a pipe does not
    return answer


def _leave_running(job_id: str) -> NoReturn:
    click.echo(
        f"job {job_id} keeps running on Turnout. Follow it: turnout batch status {job_id} "
        f"--follow; its results: turnout batch results {job_id} --out FILE",
        err=True,
    )
    raise click.exceptions.Exit(Outcome.LEFT_RUNNING)


def _require_lines(file: Path) -> None:
    with file.open("rb") as lines:
        if not any(line.strip() for line in lines):
            raise click.ClickException(f"{file} has no lines to send")


async def _call(where: Target, work: Callable[[TurnoutClient], Awaitable[T]]) -> T:
    async with TurnoutClient.open(where.url, where.api_key) as client:
        return await work(client)


async def _follow_in_view(where: Target, job_id: str) -> Job:
    async with TurnoutClient.open(where.url, where.api_key) as client:
        with ProgressView(Console(stderr=True)) as view:
            return await follow(client, job_id, view.update)


async def _copy_results(where: Target, job_id: str, sink: BinaryIO) -> int:
    lines = 0
    async with TurnoutClient.open(where.url, where.api_key) as client:
        async for chunk in client.results(job_id):
            sink.write(chunk)
            lines += chunk.count(b"\n")
    return lines


@contextmanager
def explained(job_id: str | None = None, *, following: bool = False) -> Iterator[None]:
    """Failures talking to Turnout as one sentence on standard error (exit status 1)."""
    try:
        yield
    except ApiError as error:
        raise click.ClickException(api_sentence(error, job_id)) from error
    except BatchClientError as error:
        sentence = str(error)
        if isinstance(error, Unreachable):
            sentence += ". Is it running? Check --url or TURNOUT_URL."
        if following and isinstance(error, TransportError):
            sentence += f". The job goes on: turnout batch status {job_id} --follow"
        raise click.ClickException(sentence) from error


def api_sentence(error: ApiError, job_id: str | None) -> str:
    leads = {
        400: "Turnout refused the request",
        401: "Turnout did not accept the API key",
        403: "the API key may not do this",
        404: f"no job {job_id} for this API key's tenant" if job_id else "not found at this URL",
        413: "the file is too large for Turnout",
        422: "Turnout refused the request",
    }
    lead = leads.get(error.status, "Turnout answered with an error")
    code = f"{error.code}, " if error.code else ""
    hint = " Check --api-key or TURNOUT_API_KEY." if error.status == 401 else ""
    return f"{lead}: {error.message} ({code}HTTP {error.status}){hint}"
