"""The durable-jobs scenarios: a rate-limited job, and a 100,000-item job as fast as it goes.

Jobs need a Turnout started for them (`JobSubject`): one serving process, each job's provider a
share of 1 of its limits (TURNOUT_JOB_LIMIT_SHARE=1), and on PostgreSQL the queue runner with
`turnout worker` processes. Each job's provider calls its own upstream lane, which records when
every request arrived, so what reached the upstream is counted by the upstream.

- `job-rate`: 1,000 requests at 200 ms upstream latency through a provider limited to 600 rpm.
  At a smooth 600 per minute they take 100 s; the target is to finish within 5 % of that.
  Reported: wall time, its ratio to the bound, the upstream's arrivals per 10 s slice (as
  requests/min) and the most arrivals in any 60 s window (≤ 600 or the limit was broken).
- `job-throughput`: 100,000 requests at 0 ms upstream, uploaded as JSONL: submission time,
  items/s while running, wall time and the RSS of every Turnout process over the run; against
  the upstream driven directly and Turnout's own generate route at the job's concurrency, in
  the same run; on PostgreSQL with 2 workers, and again with 1.

Scenarios are registered in `JOB_SCENARIOS` by name; each is a function of the runner and the
job subject, like the gateway scenarios of bench/scenarios.py.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.processes import Managed, free_port, server_rss, wait_ready
from bench.scenarios import (
    DIRECT,
    GENERATE,
    Measurement,
    Runner,
    Subject,
    direct_load,
    generate_load,
    load_average,
)
from bench.setup import ApiError, TurnoutSetup, add_provider, call, expect
from bench.upstream import (
    Arrivals,
    configure_lane,
    lane_url,
    reset_upstream,
    set_upstream_delay,
    take_arrivals,
)
from bench.wrk import Load

# scenario names
JOB_RATE, JOB_THROUGHPUT = "job-rate", "job-throughput"
# the kind of the baseline rows measured for the throughput job
JOB_CEILING = "job-ceiling"

JOB_CONCURRENCY = 16  # items run at once per running process (Turnout's default, set explicitly)
RATE_LANE, THROUGHPUT_LANE = "jobrate", "jobs"
RATE_ITEMS, RATE_DELAY_MS, RATE_RPM = 1000, 200, 600
RATE_TARGET = 0.05  # finish within this share over the smooth-rate bound
RATE_SLICE_S = 10.0
LIMIT_WINDOW_S = 60.0
THROUGHPUT_ITEMS = 100_000
TEMPERATURE = 0.7  # not cacheable, and every prompt differs besides
POLL_S = 1.0
CANCEL_WAIT_S = 60.0  # after cancelling a job that ran out of time, for its items in flight
SUBMIT_TIMEOUT_S = 600.0
RSS_TIMELINE_POINTS = 11  # RSS samples reported per throughput job: every tenth of the run
FINISHED = ("completed", "failed", "cancelled")


@dataclass
class JobSubject:
    """A Turnout started for the job scenarios, and how to add `turnout worker` processes."""

    subject: Subject  # config, serving process, setup (admin token, member key)
    env: dict[str, str]  # the serving process's environment, for its workers
    queue: bool  # TURNOUT_JOB_RUNNER=queue: workers run the items, not the serving process
    start_worker: Callable[[str], Managed]
    stop_worker: Callable[[Managed], None]
    workers: list[Managed] = field(default_factory=list)
    limit_s: float = 1800.0  # a job still running after this long is cancelled and reported
    throughput_items: int = THROUGHPUT_ITEMS
    compare_items: int = THROUGHPUT_ITEMS  # the queue runner's run with 1 worker

    @property
    def config(self) -> str:
        return self.subject.config

    @property
    def setup(self) -> TurnoutSetup:
        return self.subject.setup

    def add_worker(self) -> Managed:
        worker = self.start_worker(f"worker-{len(self.workers) + 1}")
        self.workers.append(worker)
        return worker

    def remove_worker(self) -> None:
        self.stop_worker(self.workers.pop())

    def processes(self) -> dict[str, int]:
        """Every Turnout process of this start by name: the serving one, then each worker."""
        named = {"serve": self.subject.server_pid}
        named.update({w.name.removeprefix("turnout-"): w.pid for w in self.workers})
        return named

    @property
    def runners(self) -> int:
        """Processes that run job items."""
        return len(self.workers) if self.queue else 1


@dataclass
class RssSample:
    at_s: float  # since the job was submitted
    kib: dict[str, int]  # per Turnout process ("serve", "worker-1", ...; summed over its tree)

    @property
    def total(self) -> int:
        return sum(self.kib.values())


@dataclass
class JobRun:
    """One job, as measured from outside: timings, the upstream's arrivals, Turnout's RSS."""

    scenario: str
    config: str
    label: str  # how it ran: "inline (serve)", "queue, 2 workers"
    runners: int
    items: int
    submit_s: float = 0.0  # POST sent → answered (the job stored)
    wall_s: float = 0.0  # POST sent → the job finished (Turnout's finished_at)
    running_s: float = 0.0  # the job's started_at → finished_at (Turnout's timestamps)
    status: str = "not run"
    completed: int = 0
    failed: int = 0
    timed_out: bool = False
    limit_s: float = 0.0
    error: str = ""
    arrivals: Arrivals | None = None
    submitted_at: float = 0.0  # epoch seconds, when the POST was sent
    rss: list[RssSample] = field(default_factory=list)
    rss_before_kib: dict[str, int] = field(default_factory=dict)  # before the POST
    load_start: str = ""  # load averages when the job was submitted ...
    load_end: str = ""  # ... and when it had finished

    @property
    def items_per_s(self) -> float:
        return self.items / self.running_s if self.running_s > 0 and not self.timed_out else 0.0

    @property
    def upstream_count(self) -> int:
        return len(self.arrivals.times) if self.arrivals else 0

    def rss_points(self) -> dict[str, RssSample] | None:
        """The first and last samples of the run, the one nearest its middle, and the largest."""
        if not self.rss:
            return None
        middle = min(self.rss, key=lambda s: abs(s.at_s - self.rss[-1].at_s / 2))
        return {"start": self.rss[0], "middle": middle, "end": self.rss[-1],
                "max": max(self.rss, key=lambda s: s.total)}

    def rss_timeline(self, points: int = RSS_TIMELINE_POINTS) -> list[RssSample]:
        """About `points` samples evenly spread over the run, the first and last included."""
        if not self.rss:
            return []
        end = self.rss[-1].at_s
        picked: list[RssSample] = []
        for i in range(points):
            nearest = min(self.rss, key=lambda s: abs(s.at_s - end * i / (points - 1)))
            if not picked or nearest is not picked[-1]:
                picked.append(nearest)
        return picked

    def rss_growth(self) -> tuple[float, float] | None:
        """RSS at the end minus at the start of the run: (MiB, share of the start)."""
        points = self.rss_points()
        if points is None or not points["start"].total:
            return None
        start, end = points["start"].total, points["end"].total
        return (end - start) / 1024, (end - start) / start


@dataclass
class RateJob:
    run: JobRun
    rpm: int
    delay_ms: int

    @property
    def bound_s(self) -> float:
        """The job at exactly `rpm`, evenly spread: its requests take items / rpm minutes."""
        return self.run.items / self.rpm * 60.0

    @property
    def ratio(self) -> float:
        return self.run.wall_s / self.bound_s if self.bound_s else 0.0

    def slices(self) -> list[tuple[float, int]]:
        """(start of slice, arrivals in it) per RATE_SLICE_S from the first arrival."""
        times = self.run.arrivals.times if self.run.arrivals else []
        return per_slice(times, RATE_SLICE_S)

    def most_in_window(self) -> tuple[int, float]:
        """The most arrivals in any LIMIT_WINDOW_S window, and where that window starts."""
        times = self.run.arrivals.times if self.run.arrivals else []
        return most_in_window(times, LIMIT_WINDOW_S)

    def first_arrival_s(self) -> float | None:
        """POST sent → the first request reached the upstream: how late the job started."""
        times = self.run.arrivals.times if self.run.arrivals else []
        return times[0] - self.run.submitted_at if times else None

    def steady_rpm(self) -> float | None:
        """Requests/min between the first and last full slices (the start and tail left out)."""
        counts = [count for _, count in self.slices()]
        inner = counts[1:-1]
        return sum(inner) / len(inner) * 60.0 / RATE_SLICE_S if inner else None


@dataclass
class ThroughputJob:
    run: JobRun
    concurrency: int  # items in flight at once across the running processes
    direct: Measurement | None = None  # the upstream driven directly at `concurrency`
    generate: Measurement | None = None  # Turnout's generate route at `concurrency`


@dataclass
class JobResults:
    rate: list[RateJob] = field(default_factory=list)
    throughput: list[ThroughputJob] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rate or self.throughput)


# --- arithmetic on arrival times ----------------------------------------------------------------

def per_slice(times: list[float], width_s: float) -> list[tuple[float, int]]:
    """Counts per `width_s` slice from the first time on: (slice start, count)."""
    if not times:
        return []
    first = times[0]
    counts = [0] * (int((times[-1] - first) // width_s) + 1)
    for at in times:
        counts[int((at - first) // width_s)] += 1
    return [(i * width_s, count) for i, count in enumerate(counts)]


def most_in_window(times: list[float], window_s: float) -> tuple[int, float]:
    """The most `times` in any half-open window [t, t + window_s), and its start (from times[0]).

    The busiest window can always be moved to start at one of the times, so only those are
    tried (two pointers over the sorted times).
    """
    ordered = sorted(times)
    best, best_at, end = 0, 0.0, 0
    for start, at in enumerate(ordered):
        while end < len(ordered) and ordered[end] < at + window_s:
            end += 1
        if end - start > best:
            best, best_at = end - start, at - ordered[0]
    return best, best_at


# --- talking to Turnout ------------------------------------------------------------------------

def _lines(count: int, tag: str) -> list[dict[str, Any]]:
    """`count` generate requests, each prompt different (nothing can come from the cache)."""
    return [{"custom_id": f"{tag}-{i}",
             "messages": [{"role": "user", "content": f"bench {tag} item {i}"}],
             "options": {"temperature": TEMPERATURE}} for i in range(count)]


def _post(url: str, data: bytes, content_type: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": content_type, "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=SUBMIT_TIMEOUT_S) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        raise ApiError(f"POST {url} answered {exc.code}: {exc.read()[:500]!r}") from exc


Submit = Callable[[], dict[str, Any]]


def json_submission(setup: TurnoutSetup, lines: list[dict[str, Any]], provider_id: str) -> Submit:
    """POST /api/v1/llm/batch with every request in one JSON body (encoded beforehand)."""
    body = json.dumps({"requests": lines, "provider_id": provider_id}).encode()
    url = f"{setup.base_url}/api/v1/llm/batch"
    return lambda: _post(url, body, "application/json", setup.api_key)


def jsonl_submission(setup: TurnoutSetup, lines: list[dict[str, Any]],
                     provider_id: str) -> Submit:
    """POST /api/v1/llm/batch/jsonl: the requests uploaded as JSON lines (encoded beforehand)."""
    body = "\n".join(json.dumps(line, separators=(",", ":")) for line in lines).encode()
    query = urllib.parse.urlencode({"provider_id": provider_id})
    url = f"{setup.base_url}/api/v1/llm/batch/jsonl?{query}"
    return lambda: _post(url, body, "application/x-ndjson", setup.api_key)


def _epoch(stamp: str | None) -> float | None:
    return datetime.fromisoformat(stamp).timestamp() if stamp else None


def rss_now(subject: JobSubject) -> dict[str, int]:
    """KiB per Turnout process (each summed over its serving processes, `uv` left out)."""
    return {name: sum(server_rss(pid).values()) for name, pid in subject.processes().items()}


def run_job(subject: JobSubject, run: JobRun, submit: Submit,
            log: Callable[[str], None], limit_s: float, poll_s: float = POLL_S) -> JobRun:
    """Submit, follow until finished or `limit_s` passed (then cancel), sampling RSS."""
    setup = subject.setup
    run.limit_s = limit_s
    run.rss_before_kib = rss_now(subject)
    run.load_start = load_average()
    run.submitted_at = time.time()
    started = time.monotonic()
    try:
        job = submit()
    except (ApiError, OSError) as exc:
        run.status, run.error = "not submitted", str(exc)[:300]
        return run
    run.submit_s = time.monotonic() - started
    log(f"  {run.scenario} {run.config} ({run.label}): {run.items:,} items submitted in "
        f"{run.submit_s:.1f} s, job {job['id']}")
    job_url = f"{setup.base_url}/api/v1/jobs/{job['id']}"
    last_log = 0.0
    while job["status"] not in FINISHED:
        elapsed = time.monotonic() - started
        if elapsed > limit_s + CANCEL_WAIT_S:
            break
        if elapsed > limit_s and not run.timed_out:
            run.timed_out = True
            log(f"  {run.scenario}: still {job['status']} after {limit_s:.0f} s: cancelled")
            expect("POST", f"{job_url}/cancel", {}, setup.api_key, ok=(200,))
        time.sleep(poll_s)
        run.rss.append(RssSample(time.monotonic() - started, rss_now(subject)))
        status, answer = call("GET", job_url, None, setup.api_key)
        if status == 200 and isinstance(answer, dict):
            job = answer
        if elapsed - last_log >= 10:
            last_log = elapsed
            done = job["completed"] + job["failed"]
            log(f"    t={elapsed:5.0f} s  {job['status']:<9} {done:>7,}/{job['total']:,}  "
                f"RSS " + " ".join(f"{n} {k / 1024:.0f}" for n, k in run.rss[-1].kib.items())
                + " MiB")
    run.load_end = load_average()
    run.status, run.completed, run.failed = job["status"], job["completed"], job["failed"]
    began, ended = _epoch(job.get("started_at")), _epoch(job.get("finished_at"))
    if ended is not None:
        run.wall_s = ended - run.submitted_at
        run.running_s = ended - (began or run.submitted_at)
    else:
        run.wall_s = time.monotonic() - started
    return run


def _drain_arrivals(upstream_url: str, lane: str, expected: int, wait_s: float = 5.0) -> Arrivals:
    """The lane's arrivals once the last requests have been answered (or after `wait_s`)."""
    deadline = time.monotonic() + wait_s
    arrivals = take_arrivals(upstream_url, lane)
    while len(arrivals.times) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        more = take_arrivals(upstream_url, lane)
        arrivals = Arrivals(sorted(arrivals.times + more.times), arrivals.dropped + more.dropped)
    return arrivals


def _provider(subject: JobSubject, upstream_url: str, lane: str, name: str,
              rpm: int = 0) -> str:
    return add_provider(subject.setup.base_url, subject.setup.admin_token, name=name,
                        provider_base_url=lane_url(upstream_url, lane), activate=False,
                        options={"rpm": rpm})


# --- the scenarios ---------------------------------------------------------------------------

def rate_job(runner: Runner, subject: JobSubject, results: JobResults) -> None:
    """1,000 requests, 200 ms upstream, a 600 rpm provider: how close to 100 s?"""
    upstream = runner.upstream_url
    reset_upstream(upstream, RATE_LANE)
    configure_lane(upstream, RATE_LANE, delay_ms=RATE_DELAY_MS, record=True)
    take_arrivals(upstream, RATE_LANE)
    provider_id = _provider(subject, upstream, RATE_LANE, "bench-rate", rpm=RATE_RPM)
    lines = _lines(RATE_ITEMS, "rate")
    run = JobRun(JOB_RATE, subject.config, _label(subject), subject.runners, RATE_ITEMS)
    rate = RateJob(run, RATE_RPM, RATE_DELAY_MS)
    runner.log(f"{JOB_RATE} {subject.config}: {RATE_ITEMS:,} requests, {RATE_DELAY_MS} ms "
               f"upstream, {RATE_RPM} rpm provider (bound {rate.bound_s:.0f} s)")
    run_job(subject, run, json_submission(subject.setup, lines, provider_id), runner.log,
            min(subject.limit_s, 4 * rate.bound_s))
    run.arrivals = _drain_arrivals(upstream, RATE_LANE, run.completed + run.failed)
    reset_upstream(upstream, RATE_LANE)
    most, _ = rate.most_in_window()
    runner.log(f"  {JOB_RATE} {subject.config}: {run.status} in {run.wall_s:.1f} s "
               f"({rate.ratio:.3f} × the bound), upstream saw {run.upstream_count:,}, most in "
               f"any 60 s: {most}, steady {rate.steady_rpm() or 0:.0f}/min")
    results.rate.append(rate)


def throughput_job(runner: Runner, subject: JobSubject, results: JobResults) -> None:
    """100,000 requests at 0 ms: submission, items/s, wall time, RSS; against the ceilings.

    On the queue runner with 2 workers, then again with 1 (`compare_items` requests).
    """
    upstream = runner.upstream_url
    set_upstream_delay(upstream, 0)
    reset_upstream(upstream, THROUGHPUT_LANE)
    configure_lane(upstream, THROUGHPUT_LANE, record=True)
    take_arrivals(upstream, THROUGHPUT_LANE)
    provider_id = _provider(subject, upstream, THROUGHPUT_LANE, "bench-throughput")
    counts = [2, 1] if subject.queue else [1]
    for workers in counts:
        if subject.queue:
            while len(subject.workers) > workers:
                subject.remove_worker()
        concurrency = JOB_CONCURRENCY * workers
        direct = _ceiling(runner, subject.subject, direct_load(upstream), DIRECT, concurrency)
        generate = _ceiling(runner, subject.subject, generate_load(subject.setup), GENERATE,
                            concurrency)
        size = subject.throughput_items if workers == counts[0] else subject.compare_items
        run = JobRun(JOB_THROUGHPUT, subject.config, _label(subject), subject.runners, size)
        submission = jsonl_submission(subject.setup, _lines(size, f"tp{workers}"), provider_id)
        runner.log(f"{JOB_THROUGHPUT} {subject.config} ({run.label}): {size:,} requests, 0 ms")
        run_job(subject, run, submission, runner.log, subject.limit_s, poll_s=2.0)
        del submission
        run.arrivals = _drain_arrivals(upstream, THROUGHPUT_LANE, run.completed + run.failed)
        runner.log(f"  {JOB_THROUGHPUT} {subject.config} ({run.label}): {run.status}, "
                   f"{run.items_per_s:,.0f} items/s over {run.running_s:.1f} s, wall "
                   f"{run.wall_s:.1f} s, upstream saw {run.upstream_count:,}")
        results.throughput.append(ThroughputJob(run, concurrency, direct, generate))
    reset_upstream(upstream, THROUGHPUT_LANE)


def _label(subject: JobSubject) -> str:
    if not subject.queue:
        return "inline (serve)"
    count = len(subject.workers)
    return f"queue, {count} worker{'s' if count != 1 else ''}"


def _ceiling(runner: Runner, subject: Subject, load: Load, target: str,
             connections: int) -> Measurement | None:
    """A baseline row: `load` at `connections`, 0 ms upstream, measured like the others."""
    try:
        return runner.measure(subject, JOB_CEILING, target, runner.wrk_run(load, connections), 0,
                              connections)
    except RuntimeError as exc:
        runner.note(f"{subject.config}: the {target} ceiling at {connections} connections was "
                    f"not measured: {str(exc)[:300]}")
        return None


JobScenario = Callable[[Runner, JobSubject, JobResults], None]
# Run in this order for every job Turnout start; `--scenarios` (or `python -m bench jobs`)
# picks them by name.
JOB_SCENARIOS: dict[str, JobScenario] = {
    JOB_RATE: rate_job,
    JOB_THROUGHPUT: throughput_job,
}


def start_worker_process(procs: Any, env: dict[str, str], name: str) -> Managed:
    """`turnout worker` with its own /metrics port (ready when that answers)."""
    port = free_port()
    worker: Managed = procs.start(f"turnout-{name}", [
        "uv", "run", "turnout", "worker", "--metrics-port", str(port)], env)
    wait_ready(f"http://127.0.0.1:{port}/metrics", worker)
    return worker
