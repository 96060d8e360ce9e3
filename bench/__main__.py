"""`uv run python -m bench` (or `make bench`): Turnout against its upstream and a minimal proxy.

Starts the upstream (nginx answering canned OpenAI bodies, bench/upstream.py), the reference
proxy and Turnout as their own processes on 127.0.0.1, configures Turnout through its HTTP API,
and measures every scenario against DIRECT (the upstream itself) and the reference proxy in the
same run, once per Turnout configuration (embedded; PostgreSQL + Redis). Then the durable-jobs
scenarios (bench/jobs.py), on a Turnout started for them per configuration. Prints the tables
and the verdicts and writes them to bench/RESULTS.md. Every started process is ended by its PID.

Names after the options pick scenarios or groups of them: `python -m bench jobs` runs only the
job scenarios, `python -m bench gateway` only the others (with the soak), `python -m bench
job-rate hedging` those two. A run of every scenario rewrites the generated block of
bench/RESULTS.md; a run of some of them appends its figures to the file, dated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from bench import report
from bench.backends import (
    CONFIGS,
    EMBEDDED,
    PG_REDIS,
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    BackendUnavailable,
    turnout_env,
)
from bench.hedging import HEDGING, hedging, prepare
from bench.jobs import (
    JOB_CONCURRENCY,
    JOB_SCENARIOS,
    THROUGHPUT_ITEMS,
    JobResults,
    JobSubject,
    start_worker_process,
)
from bench.machine import describe
from bench.processes import Managed, ProcessSet, free_port, wait_ready
from bench.profile import profile_generate
from bench.scenarios import (
    CHAT,
    CHAT_PATH,
    DIRECT,
    GENERATE,
    GENERATE_PATH,
    REFERENCE,
    SCENARIOS,
    Runner,
    SoakResult,
    Subject,
    chat_load,
    direct_load,
    generate_load,
    preflight,
    preflight_stream,
    reference_load,
)
from bench.setup import ApiError, TurnoutSetup, configure_turnout, route_exists
from bench.upstream import Nginx, NginxMissing, Upstream, ensure_nginx, start_upstream
from bench.usage_report import ROW_STEPS, USAGE_REPORT, usage_report_scenario
from bench.wrk import Load, Wrk, WrkMissing, ensure_wrk, wrk_version

CORES_NOTE = ("wrk runs with 1 thread: this machine's {n} CPU(s) are shared by the load "
              "generator, the upstream (nginx), the reference proxy and Turnout, so absolute "
              "figures are a lower bound for Turnout alone; read them against DIRECT and "
              "REFERENCE from the same run.")


GATEWAY, JOBS, SOAK = "gateway", "jobs", "soak"
# The gateway scenarios of their own modules after those of bench/scenarios.py; the soak last
# (bench.extras runs it, on the Turnout start it names).
GATEWAY_SCENARIOS = [*SCENARIOS, HEDGING, USAGE_REPORT, SOAK]
GROUPS = {GATEWAY: GATEWAY_SCENARIOS, JOBS: list(JOB_SCENARIOS)}
ALL_SCENARIOS = [*GATEWAY_SCENARIOS, *JOB_SCENARIOS]
QUICK_JOB_ITEMS = 10_000
QUICK_USAGE_ROWS = 100_000


def _names(text: str, known: tuple[str, ...] | list[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def _scenarios(picked: list[str], option: str) -> list[str]:
    """The scenarios named (groups expanded) in their registered order."""
    if not picked:
        return _names(option, ALL_SCENARIOS, "scenario")
    wanted = set(_names(",".join(picked), [*GROUPS, *ALL_SCENARIOS], "scenario or group"))
    for group, members in GROUPS.items():
        if group in wanted:
            wanted.update(members)
    return [name for name in ALL_SCENARIOS if name in wanted]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds per measured run (default 10; 3 with --quick)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds of warm-up before each run (default 2; 1 with --quick)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", default="2", help="Turnout worker counts (default 2)")
    parser.add_argument("--delays", default="0,50", help="upstream delays in ms (default 0,50)")
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help=f"Turnout configurations (default {','.join(CONFIGS)})")
    parser.add_argument("names", nargs="*", metavar="SCENARIO",
                        help=f"scenarios or groups to run ({', '.join(GROUPS)}; default all)")
    parser.add_argument("--scenarios", default=",".join(ALL_SCENARIOS),
                        help=f"scenarios per configuration (default {','.join(ALL_SCENARIOS)})")
    parser.add_argument("--soak-minutes", type=float, default=None,
                        help="soak length (default 10; 1 with --quick; 0 skips the soak)")
    parser.add_argument("--soak-workers", type=int, default=2)
    parser.add_argument("--soak-config", default=EMBEDDED, choices=CONFIGS)
    parser.add_argument("--quick", action="store_true",
                        help="3 s runs, 1-minute soak with RSS at 10 s and 60 s")
    parser.add_argument("--postgres", default=POSTGRES_ADMIN_URL, metavar="URL",
                        help="PostgreSQL server for pg-redis: a database is created on it for "
                        f"the run and dropped afterwards (default {POSTGRES_ADMIN_URL})")
    parser.add_argument("--redis", default=REDIS_URL, metavar="URL",
                        help=f"Redis database for pg-redis, flushed before and after "
                        f"(default {REDIS_URL})")
    parser.add_argument("--upstream-workers", type=int, default=2,
                        help="nginx worker processes of the upstream (default 2; one worker "
                        "caps DIRECT near 60,000 requests/s here)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="also run py-spy on one Turnout worker during an extra generate "
                        "load run per Turnout start; collapsed stacks go to DIR")
    parser.add_argument("--quiet-wait", type=float, default=None, metavar="SECONDS",
                        help="before each run wait up to this long for other processes to leave "
                        "the CPUs (default 30; 0 with --quick)")
    parser.add_argument("--usage-rows", type=int, default=None,
                        help=f"usage rows of the usage-report scenario's last step (default "
                        f"{ROW_STEPS[-1]:,}; {QUICK_USAGE_ROWS:,} with --quick)")
    parser.add_argument("--job-items", type=int, default=None,
                        help=f"requests of the throughput job (default {THROUGHPUT_ITEMS:,}; "
                        f"{QUICK_JOB_ITEMS:,} with --quick)")
    parser.add_argument("--job-compare-items", type=int, default=None,
                        help="requests of the throughput job run again with 1 worker on "
                        "pg-redis (default: --job-items)")
    parser.add_argument("--job-timeout", type=float, default=1800.0, metavar="SECONDS",
                        help="a job still running after this long is cancelled and reported "
                        "(default 1800; the rate-limited job gets at most 4 × its 100 s)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument("--no-reference", action="store_true",
                        help="do not run the reference proxy")
    args = parser.parse_args(argv)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    if args.quiet_wait is None:
        args.quiet_wait = 0.0 if args.quick else 30.0
    if args.soak_minutes is None:
        args.soak_minutes = 1.0 if args.quick else 10.0
    args.worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    args.delay_list = [int(d) for d in args.delays.split(",") if d.strip()]
    args.config_list = _names(args.configs, CONFIGS, "configuration")
    args.scenario_list = _scenarios(args.names, args.scenarios)
    args.gateway_list = [name for name in args.scenario_list if name in GATEWAY_SCENARIOS]
    args.job_list = [name for name in args.scenario_list if name in JOB_SCENARIOS]
    if args.usage_rows is None:
        args.usage_rows = QUICK_USAGE_ROWS if args.quick else ROW_STEPS[-1]
    args.partial = args.scenario_list != ALL_SCENARIOS
    if args.job_items is None:
        args.job_items = QUICK_JOB_ITEMS if args.quick else THROUGHPUT_ITEMS
    if args.job_compare_items is None:
        args.job_compare_items = args.job_items
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.procs = ProcessSet(workdir)
        self.password = "bench-" + secrets.token_urlsafe(12)
        self.notes: list[str] = []
        self.soak_result: SoakResult | None = None
        self.results: list[object] = []  # the runner's, besides its wrk rows
        self.job_results = JobResults()
        self.scenarios = {**SCENARIOS, HEDGING: hedging,
                          USAGE_REPORT: usage_report_scenario(args.usage_rows)}

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
            print("note:", text, flush=True)

    def start_upstream(self, nginx: Nginx) -> Upstream:
        """nginx, checked once with a plain and a streamed chat completion."""
        upstream = start_upstream(self.procs, nginx, self.workdir, self.args.upstream_workers)
        preflight(direct_load(upstream.url))
        preflight_stream(DIRECT, direct_load(upstream.url, stream=True))
        print(f"upstream nginx pid {upstream.process.pid} on {upstream.url}", flush=True)
        return upstream

    def turnout_process_env(self, env: dict[str, str]) -> dict[str, str]:
        """What every Turnout process of the run gets besides its configuration's services."""
        return {**env, "TURNOUT_ADMIN_PASSWORD": self.password,
                "TURNOUT_OUTBOUND_ALLOWLIST": "127.0.0.1", "TURNOUT_LOG_LEVEL": "WARNING"}

    def start_turnout(self, name: str, workers: int, env: dict[str, str]) -> tuple[Managed, str]:
        port = free_port()
        env = self.turnout_process_env(env)
        server = self.procs.start(f"turnout-{name}", [
            "uv", "run", "turnout", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)], env)
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/healthz", server)
        print(f"turnout pid {server.pid} on {url} ({name})", flush=True)
        return server, url

    def start_reference(self, upstream: Upstream,
                        workers: int) -> tuple[Managed, str, bool] | None:
        """The reference proxy with `workers` workers, checked: (process, URL, streams)."""
        port = free_port()
        proxy = self.procs.start(f"reference-w{workers}", [
            "uv", "run", "uvicorn", "bench.reference_proxy:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--loop", "uvloop",
            "--http", "httptools", "--no-access-log", "--log-level", "warning",
        ], {"BENCH_REFERENCE_UPSTREAM": upstream.lane_url()})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{url}/openapi.json", proxy)
            preflight(reference_load(url))
        except RuntimeError as exc:
            self.note(f"reference proxy not measured: {exc}")
            self.procs.stop(proxy)
            return None
        try:
            preflight_stream(REFERENCE, reference_load(url, stream=True))
            streams = True
        except RuntimeError as exc:
            self.note(f"the reference proxy's stream failed its check, not measured: {exc}")
            streams = False
        print(f"reference proxy pid {proxy.pid} on {url} ({workers} worker(s))", flush=True)
        return proxy, url, streams

    def gateway_targets(self, setup: TurnoutSetup, name: str) -> tuple[list[str], list[str]]:
        """The endpoints this Turnout serves and answers correctly, plain and streamed."""
        targets, streams = [], []
        loads: dict[str, tuple[str, Callable[..., Load]]] = {
            GENERATE: (GENERATE_PATH, generate_load), CHAT: (CHAT_PATH, chat_load)}
        for target, (path, load) in loads.items():
            if not route_exists(setup.base_url, "POST", path, setup.api_key):
                self.note(f"{name}: {path} is not served by this Turnout build: not measured.")
                continue
            try:
                preflight(load(setup))
                targets.append(target)
            except RuntimeError as exc:
                self.note(f"{name}: {path} failed its check request, not measured: {exc}")
            try:
                preflight_stream(target, load(setup, stream=True))
                streams.append(target)
            except RuntimeError as exc:
                self.note(f"{name}: streamed {path} failed its check, not measured: {exc}")
        return targets, streams

    def measure_config(self, runner: Runner, upstream: Upstream, config: str, workers: int,
                       reference: tuple[Managed, str, bool] | None) -> None:
        """Start Turnout in `config`, run every chosen scenario against it, stop it."""
        name = f"{config}-w{workers}"
        args = self.args
        try:
            with turnout_env(config, self.workdir / f"data-{name}", args.postgres,
                             args.redis) as env:
                server, url = self.start_turnout(name, workers, env)
                try:
                    setup = configure_turnout(url, self.password, upstream.lane_url())
                    prepared: dict[str, object] = {}
                    if HEDGING in args.gateway_list:
                        prepared[HEDGING] = prepare(setup, upstream.url)
                    targets, streams = self.gateway_targets(setup, name)
                    subject = Subject(config, workers, upstream.url, setup, server.pid,
                                      reference[1] if reference else None, targets, streams,
                                      bool(reference and reference[2]), database_url(env),
                                      prepared)
                    for scenario in args.gateway_list:
                        if scenario in self.scenarios:
                            self.scenarios[scenario](runner, subject)
                    self.extras(runner, subject)
                finally:
                    self.procs.stop(server)
        except BackendUnavailable as exc:
            self.note(f"configuration {config} skipped: {exc}")
        except (RuntimeError, ApiError) as exc:
            self.note(f"configuration {config} ({workers} workers) stopped early: "
                      f"{str(exc)[:500]}")

    def measure_jobs(self, runner: Runner, upstream: Upstream, config: str) -> None:
        """A Turnout for the job scenarios in `config`: one serving process, a job share of 1,
        on pg-redis the queue runner with 2 `turnout worker` processes; run them, stop it."""
        name = f"{config}-jobs"
        args = self.args
        queue = config == PG_REDIS
        try:
            with turnout_env(config, self.workdir / f"data-{name}", args.postgres,
                             args.redis) as env:
                env = {**env, "TURNOUT_JOB_LIMIT_SHARE": "1",
                       "TURNOUT_JOB_CONCURRENCY": str(JOB_CONCURRENCY),
                       "TURNOUT_JOB_RUNNER": "queue" if queue else "inline"}
                server, url = self.start_turnout(name, 1, env)
                worker_env = self.turnout_process_env(env)
                subject = JobSubject(
                    Subject(config, 1, upstream.url,
                            configure_turnout(url, self.password, upstream.lane_url()),
                            server.pid, targets=[GENERATE]),
                    worker_env, queue,
                    start_worker=lambda n: start_worker_process(self.procs, worker_env, n),
                    stop_worker=self.procs.stop, limit_s=args.job_timeout,
                    throughput_items=args.job_items, compare_items=args.job_compare_items)
                try:
                    for _ in range(2 if queue else 0):
                        subject.add_worker()
                    for scenario in args.job_list:
                        JOB_SCENARIOS[scenario](runner, subject, self.job_results)
                finally:
                    while subject.workers:
                        subject.remove_worker()
                    self.procs.stop(server)
        except BackendUnavailable as exc:
            self.note(f"jobs: configuration {config} skipped: {exc}")
        except (RuntimeError, ApiError) as exc:
            self.note(f"jobs: configuration {config} stopped early: {str(exc)[:500]}")

    def extras(self, runner: Runner, subject: Subject) -> None:
        """The optional profile and the soak, after the scenarios."""
        args = self.args
        if GENERATE not in subject.targets:
            return
        if args.profile is not None:
            label = f"{subject.config}-w{subject.workers}"
            print(profile_generate(runner, subject.setup, subject.server_pid, label,
                                   args.profile), flush=True)
        if (SOAK in args.gateway_list and args.soak_minutes > 0
                and subject.config == args.soak_config
                and subject.workers == args.soak_workers):
            total = args.soak_minutes * 60
            first = 10.0 if total <= 60 else 60.0
            every = 10.0 if total <= 120 else 30.0
            print(f"soak: {total:.0f} s of generate load, RSS at {first:.0f} s and at the end",
                  flush=True)
            self.soak_result = runner.soak(subject, total, first, every)

    def run(self) -> tuple[list[report.Measurement], SoakResult | None, dict[str, object]]:
        args = self.args
        binary, nginx = ensure_wrk(), ensure_nginx()
        machine = describe(wrk_version(binary), nginx.version())
        print(CORES_NOTE.format(n=machine["nproc"]), flush=True)
        busy = float(machine["background_cpu"])  # type: ignore[arg-type]
        print(f"CPUs busy with other work before the run: {busy:.0%} "
              f"(load average {machine['loadavg']})", flush=True)
        if busy > 0.10:
            self.note(f"{busy:.0%} of the CPUs were busy with other work when the run began; "
                      "figures are depressed accordingly.")
        upstream = self.start_upstream(nginx)
        runner = Runner(Wrk(binary), upstream.url, args.duration, args.warmup, args.connections,
                        args.delay_list)
        runner.quiet_wait_s = args.quiet_wait
        runner.note = self.note
        self.results = runner.results
        # The reference proxy is a baseline of bench/scenarios.py's scenarios only.
        wants_reference = not args.no_reference and any(s in SCENARIOS for s in args.gateway_list)
        for workers in args.worker_counts if args.gateway_list else []:
            reference = self.start_reference(upstream, workers) if wants_reference else None
            for config in args.config_list:
                self.measure_config(runner, upstream, config, workers, reference)
            if reference is not None:
                self.procs.stop(reference[0])
        for config in args.config_list if args.job_list else []:
            self.measure_jobs(runner, upstream, config)
        if SOAK in args.gateway_list and args.soak_minutes > 0 and self.soak_result is None:
            self.note(f"soak not run (needs {args.soak_config} among --configs, "
                      f"--soak-workers {args.soak_workers} among --workers, and a working "
                      "/api/v1/llm/generate).")
        return runner.measurements, self.soak_result, machine


def database_url(env: dict[str, str]) -> str:
    """The database a Turnout started with `env` uses (its default: SQLite in its data dir)."""
    return env.get("TURNOUT_DATABASE_URL") or \
        f"sqlite+aiosqlite:///{Path(env['TURNOUT_DATA_DIR']) / 'turnout.db'}"


def _raise_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    args = parse_args(raw)
    command = shlex.join(["uv", "run", "python", "-m", "bench", *raw])
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    signal.signal(signal.SIGTERM, _raise_on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started ignoring it
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="turnout-bench-") as tmp:
        bench = Bench(args, Path(tmp))
        try:
            measurements, soak, machine = bench.run()
        except (WrkMissing, NginxMissing) as exc:
            print(exc, file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted: stopping every process the benchmark started", file=sys.stderr)
            return 130
        finally:
            bench.procs.stop_all()
    notes = [CORES_NOTE.format(n=machine["nproc"]), *bench.notes,
             f"Runs: {args.duration:g} s each after {args.warmup:g} s warm-up, "
             f"{args.connections} connections (1 for sequential, cache and stream); "
             f"upstream: {args.upstream_workers} nginx worker(s); wall time "
             f"{(time.monotonic() - t0) / 60:.1f} min."]
    extras = [*bench.results, *bench.job_results.rate, *bench.job_results.throughput]
    print()
    print(report.text_report(measurements, soak, notes, extras))
    if args.no_write:
        return 0
    if args.partial:
        report.append_results(report.markdown_report(
            measurements, soak, machine, command, started, notes, extras,
            title=f"Run of {started}: {', '.join(args.scenario_list)}"))
    else:
        report.write_results(report.markdown_report(measurements, soak, machine, command,
                                                    started, notes, extras))
    print(f"\nwritten to {report.RESULTS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
