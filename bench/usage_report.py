"""How long GET /api/v1/llm/usage takes over a month of heavy traffic, and what memory it needs.

Two ways to measure it:

- `usage-report`, a scenario of `python -m bench`: fills the running Turnout's own database (the
  benchmark tenant's usage table) up to 10,000, 100,000 and 1,000,000 rows spread over 30 days
  (`--usage-rows` sets the last step) and times the real route, GET /api/v1/llm/usage, over
  the last 7 and the last 30 of those days at each step: latency against row count. The rows
  lie before the run's own traffic, so the windows hold exactly the rows written.
- on its own, `usage_report` called in-process on a fresh database, with its peak RSS:

      uv run python -m bench.usage_report [--rows 1000000] [--database URL]

  Without --database the database is a temporary SQLite file. A PostgreSQL URL names the
  server: the benchmark creates a database of its own on it and drops it afterwards. The rows
  are written by a child process so that the peak RSS printed is the report's (plus the
  interpreter's and SQLite's, which run in this process; PostgreSQL sorts in its own processes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import random
import resource
import secrets
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench.scenarios import Runner, Subject, load_average
from bench.setup import call, expect
from turnout.gateway.usage_report import usage_report
from turnout.store import migrate
from turnout.store.bulk import BulkInsert
from turnout.store.db import create_engine, create_session_factory
from turnout.store.models import Tenant, UsageLog
from turnout.store.types import new_time_ordered_id

END = datetime(2026, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=30)
WINDOWS_DAYS = (7, 30)
BATCH = 10_000
TIMINGS = 3
TENANT_ID = "00000000-0000-4000-8000-000000000001"
MODELS = {
    "provider-openai": ("gpt-4o-mini", "gpt-4o"),
    "provider-qwen": ("qwen-plus", "qwen-turbo"),
    "provider-deepseek": ("deepseek-chat", "deepseek-reasoner"),
}


def _rows(count: int, seed: int = 1, tenant_id: str = TENANT_ID,
          tag: str = "") -> Iterator[list[dict[str, Any]]]:
    """`count` usage rows in batches over the 30 days before END, written in time order as a
    gateway writes them; `tag` keeps the request ids of several fills apart."""
    rng = random.Random(seed)
    pairs = [(p, m) for p, models in MODELS.items() for m in models]
    step_s = SPAN.total_seconds() / max(count, 1)
    for start in range(0, count, BATCH):
        batch: list[dict[str, Any]] = []
        for _ in range(min(BATCH, count - start)):
            provider, model = rng.choice(pairs)
            prompt, completion = rng.randrange(20, 2000), rng.randrange(1, 800)
            batch.append(
                {
                    "id": new_time_ordered_id(),
                    "tenant_id": tenant_id,
                    "request_id": f"req{tag}-{start}-{len(batch)}",
                    "provider_id": provider,
                    "provider_type": provider.removeprefix("provider-"),
                    "model": model,
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                    "cost": round((prompt + 2 * completion) * 1e-6, 6),
                    "latency_ms": round(rng.lognormvariate(6.2, 0.6), 3),
                    "status": "ok" if rng.random() > 0.03 else "error",
                    "cached": rng.random() < 0.1,
                    "created_at": END - SPAN + timedelta(seconds=(start + len(batch)) * step_s),
                }
            )
        yield batch


async def _fill(database_url: str, rows: int) -> float:
    engine = create_engine(database_url)
    started = time.perf_counter()
    try:
        await migrate.upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(insert(Tenant), {"id": TENANT_ID, "name": "bench"})
        write = BulkInsert(UsageLog.__table__)  # type: ignore[arg-type]
        for batch in _rows(rows):
            async with engine.begin() as connection:
                await write(connection, batch)
        # A production database has its statistics; give the planner the same.
        async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def _fill_in_child(database_url: str, rows: int) -> float:
    return asyncio.run(_fill(database_url, rows))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _time_windows(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    results = []
    try:
        for days in WINDOWS_DAYS:
            seconds, requests = [], 0
            for _ in range(TIMINGS):
                async with sessions() as session:
                    started = time.perf_counter()
                    report = await usage_report(
                        session, tenant_id=TENANT_ID, since=END - timedelta(days=days), until=END
                    )
                    seconds.append(time.perf_counter() - started)
                requests = report["totals"]["requests"]
            results.append(
                {
                    "days": days,
                    "rows": requests,
                    "seconds_first": round(seconds[0], 3),
                    "seconds_median": round(statistics.median(seconds), 3),
                    "peak_rss_mb": round(_peak_rss_mb(), 1),
                }
            )
    finally:
        await engine.dispose()
    return results


@contextlib.asynccontextmanager
async def _fresh_database(database_url: str | None) -> AsyncIterator[str]:
    if database_url is None or database_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="turnout-usage-bench-") as directory:
            yield f"sqlite+aiosqlite:///{Path(directory) / 'usage.db'}"
        return
    name = f"turnout_usage_bench_{secrets.token_hex(4)}"
    admin = create_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _measure(database_url: str | None, rows: int) -> dict[str, Any]:
    async with _fresh_database(database_url) as url:
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(1) as pool:
            fill_s = pool.apply(_fill_in_child, (url, rows))
        rss_before = _peak_rss_mb()
        windows = await _time_windows(url)
    return {
        "database": make_url(url).get_backend_name(),
        "rows": rows,
        "fill_s": round(fill_s, 1),
        "rss_before_report_mb": round(rss_before, 1),
        "windows": windows,
    }


def measure(database_url: str | None, rows: int) -> dict[str, Any]:
    """Fill a fresh database (on `database_url`'s server, or SQLite) and time the report."""
    return asyncio.run(_measure(database_url, rows))


# --- the `usage-report` scenario of `python -m bench` -------------------------------------------

USAGE_REPORT = "usage-report"
ROW_STEPS = (10_000, 100_000, 1_000_000)
ROUTE_TIMEOUT_S = 600.0


@dataclass
class UsageRouteRun:
    """GET /api/v1/llm/usage over one window with `rows_total` rows written."""

    config: str
    rows_total: int  # usage rows of the tenant in the 30 days before END
    days: int
    rows_in_window: int  # the report's own count of requests
    seconds: list[float]  # each timing, in order (the first one with cold caches)
    load: str  # load averages after the timings

    @property
    def first_s(self) -> float:
        return self.seconds[0]

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


def row_steps(last: int) -> list[int]:
    """The row counts measured: the steps below `last`, then `last`."""
    return [*(step for step in ROW_STEPS if step < last), last]


async def _append_rows(database_url: str, tenant_id: str, count: int, tag: str) -> float:
    engine = create_engine(database_url)
    started = time.perf_counter()
    try:
        write = BulkInsert(UsageLog.__table__)  # type: ignore[arg-type]
        for batch in _rows(count, seed=len(tag) + count, tenant_id=tenant_id, tag=tag):
            async with engine.begin() as connection:
                await write(connection, batch)
        if make_url(database_url).get_backend_name() == "postgresql":
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE usage_logs"))
                await connection.commit()
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def _time_route(base_url: str, token: str, days: int) -> tuple[float, int]:
    query = urllib.parse.urlencode({"from": (END - timedelta(days=days)).isoformat(),
                                    "to": END.isoformat()})
    started = time.perf_counter()
    status, answer = call("GET", f"{base_url}/api/v1/llm/usage?{query}", None, token,
                          timeout=ROUTE_TIMEOUT_S)
    seconds = time.perf_counter() - started
    if status != 200 or not isinstance(answer, dict):
        raise RuntimeError(f"GET /api/v1/llm/usage answered {status}: {str(answer)[:300]}")
    return seconds, int(answer["totals"]["requests"])


def usage_report_scenario(last_rows: int) -> Callable[[Runner, Subject], None]:
    """The scenario, filling the tenant's usage table up to `last_rows` rows in steps."""

    def scenario(runner: Runner, subject: Subject) -> None:
        setup = subject.setup
        if not subject.database_url:
            runner.note(f"{USAGE_REPORT} {subject.config}: Turnout's database is not known")
            return
        me = expect("GET", f"{setup.base_url}/api/v1/auth/me", None, setup.admin_token,
                    ok=(200,))
        written = 0
        for step in row_steps(last_rows):
            fill_s = asyncio.run(_append_rows(subject.database_url, str(me["tenant_id"]),
                                              step - written, f"s{step}"))
            runner.log(f"{USAGE_REPORT} {subject.config}: {step - written:,} rows written in "
                       f"{fill_s:.0f} s ({step:,} in all)")
            written = step
            for days in WINDOWS_DAYS:
                timings = [_time_route(setup.base_url, setup.admin_token, days)
                           for _ in range(TIMINGS)]
                run = UsageRouteRun(subject.config, step, days, timings[-1][1],
                                    [seconds for seconds, _ in timings], load_average())
                runner.results.append(run)
                runner.log(f"  {USAGE_REPORT} {step:>9,} rows, {days:>2} d window "
                           f"({run.rows_in_window:,} rows): first {run.first_s * 1000:,.0f} ms, "
                           f"median {run.median_s * 1000:,.0f} ms; load {run.load}")

    return scenario


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['database']}: {result['rows']:,} rows written in {result['fill_s']} s; "
        f"peak RSS before the reports {result['rss_before_report_mb']} MB"
    )
    print(f"{'window':>8} {'rows':>10} {'first s':>9} {'median s':>9} {'peak RSS MB':>12}")
    for w in result["windows"]:
        print(
            f"{w['days']:>6} d {w['rows']:>10,} {w['seconds_first']:>9} "
            f"{w['seconds_median']:>9} {w['peak_rss_mb']:>12}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.usage_report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="usage rows to write")
    parser.add_argument("--database", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args(argv)
    _print(measure(args.database, args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
