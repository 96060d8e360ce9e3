"""`uv run python -m bench` (or `make bench`): Turnout versus the fake upstream, in one run.

Starts the fake upstream and Turnout as their own processes on 127.0.0.1, configures Turnout
through its HTTP API, drives both with wrk, prints a table with the verdicts against the targets
of issue 4, and writes it to bench/RESULTS.md. Every started process is ended by its PID.
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
from pathlib import Path
from types import FrameType

from bench import report
from bench.machine import describe
from bench.processes import Managed, ProcessSet, free_port, wait_ready
from bench.profile import profile_generate
from bench.scenarios import (
    CHAT,
    CHAT_PATH,
    GENERATE,
    GENERATE_PATH,
    Runner,
    SoakResult,
    chat_load,
    generate_load,
    preflight,
    reference_load,
)
from bench.setup import TurnoutSetup, configure_turnout, route_exists, set_upstream_delay
from bench.wrk import Wrk, WrkMissing, ensure_wrk, wrk_version

CORES_NOTE = ("wrk runs with 1 thread: this machine's {n} CPU(s) are shared by the load "
              "generator, the fake upstream and Turnout, so absolute figures are a lower bound "
              "for Turnout alone; compare against DIRECT from the same run.")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds per measured run (default 10; 3 with --quick)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds of warm-up before each run (default 2; 1 with --quick)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", default="1,2", help="Turnout worker counts (default 1,2)")
    parser.add_argument("--delays", default="0,50", help="upstream delays in ms (default 0,50)")
    parser.add_argument("--soak-minutes", type=float, default=None,
                        help="soak length (default 10; 1 with --quick; 0 skips the soak)")
    parser.add_argument("--soak-workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="3 s runs, 1-minute soak with RSS at 10 s and 60 s")
    parser.add_argument("--redis", default=None, help="TURNOUT_REDIS_URL for Turnout")
    parser.add_argument("--database", default=None,
                        help="TURNOUT_DATABASE_URL for Turnout (default: SQLite in a temp dir)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="also run py-spy on one Turnout worker during an extra generate "
                        "load run per worker count; collapsed stacks go to DIR")
    parser.add_argument("--quiet-wait", type=float, default=None, metavar="SECONDS",
                        help="before each run wait up to this long for other processes to leave "
                        "the CPUs (default 30; 0 with --quick)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument("--no-reference", action="store_true",
                        help="do not run the reference proxy (no scaled targets)")
    args = parser.parse_args(argv)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    if args.quiet_wait is None:
        args.quiet_wait = 0.0 if args.quick else 30.0
    if args.soak_minutes is None:
        args.soak_minutes = 1.0 if args.quick else 10.0
    args.worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    args.delay_list = [int(d) for d in args.delays.split(",") if d.strip()]
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.procs = ProcessSet(workdir)
        self.password = "bench-" + secrets.token_urlsafe(12)
        self.notes: list[str] = []

    def start_upstream(self) -> str:
        port = free_port()
        upstream = self.procs.start("fake-upstream",
                                    ["uv", "run", "turnout", "fake-upstream", "--port", str(port)])
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/_fake/health", upstream)
        print(f"fake upstream pid {upstream.pid} on {url}", flush=True)
        return url

    def start_turnout(self, workers: int) -> tuple[Managed, str]:
        port = free_port()
        data_dir = self.workdir / f"data-w{workers}"
        data_dir.mkdir()
        env = {
            "TURNOUT_DATA_DIR": str(data_dir),
            "TURNOUT_ADMIN_PASSWORD": self.password,
            "TURNOUT_OUTBOUND_ALLOWLIST": "127.0.0.1",
            "TURNOUT_LOG_LEVEL": "WARNING",
        }
        if self.args.redis:
            env["TURNOUT_REDIS_URL"] = self.args.redis
        if self.args.database:
            env["TURNOUT_DATABASE_URL"] = self.args.database
        server = self.procs.start(f"turnout-w{workers}", [
            "uv", "run", "turnout", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)], env)
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/healthz", server)
        print(f"turnout pid {server.pid} on {url} ({workers} worker(s))", flush=True)
        return server, url

    def start_reference(self, upstream_url: str, workers: int) -> tuple[Managed, str] | None:
        """The reference proxy with `workers` workers, checked; None (with a note) if it fails."""
        port = free_port()
        proxy = self.procs.start(f"reference-w{workers}", [
            "uv", "run", "uvicorn", "bench.reference_proxy:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--loop", "uvloop",
            "--http", "httptools", "--no-access-log", "--log-level", "warning",
        ], {"BENCH_REFERENCE_UPSTREAM": f"{upstream_url}/openai/v1"})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{url}/openapi.json", proxy)
            preflight(reference_load(url))
        except RuntimeError as exc:
            self.note(f"reference proxy not measured: {exc}")
            self.procs.stop(proxy)
            return None
        print(f"reference proxy pid {proxy.pid} on {url} ({workers} worker(s))", flush=True)
        return proxy, url

    def gateway_targets(self, setup: TurnoutSetup) -> list[str]:
        """The gateway endpoints this Turnout serves and answers correctly (checked once)."""
        targets = []
        loads = {GENERATE: (GENERATE_PATH, generate_load(setup)),
                 CHAT: (CHAT_PATH, chat_load(setup))}
        for target, (path, load) in loads.items():
            if not route_exists(setup.base_url, "POST", path, setup.api_key):
                self.note(f"{path} is not served by this Turnout build: not measured.")
                continue
            try:
                preflight(load)
            except RuntimeError as exc:
                self.note(f"{path} failed its check request, not measured: {exc}")
                continue
            targets.append(target)
        return targets

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
            print("note:", text, flush=True)

    def run(self) -> tuple[list[report.Measurement], SoakResult | None, dict[str, object]]:
        args = self.args
        binary = ensure_wrk()
        machine = describe(wrk_version(binary))
        print(CORES_NOTE.format(n=machine["nproc"]), flush=True)
        busy = float(machine["background_cpu"])  # type: ignore[arg-type]
        print(f"CPUs busy with other work before the run: {busy:.0%} "
              f"(load average {machine['loadavg']})", flush=True)
        if busy > 0.10:
            self.note(f"{busy:.0%} of the CPUs were busy with other work when the run began; "
                      "figures are depressed accordingly.")
        upstream_url = self.start_upstream()
        runner = Runner(Wrk(binary), upstream_url, args.duration, args.warmup, args.connections)
        runner.quiet_wait_s = args.quiet_wait
        soak: SoakResult | None = None
        for workers in args.worker_counts:
            reference = None if args.no_reference else self.start_reference(upstream_url, workers)
            runner.reference_url = reference[1] if reference else None
            server, url = self.start_turnout(workers)
            setup = configure_turnout(url, self.password, upstream_url)
            runner.server_pid = server.pid
            targets = self.gateway_targets(setup)
            runner.load_matrix(setup, workers, args.delay_list, targets)
            runner.sequential(setup, workers, targets)
            if GENERATE in targets:
                second = runner.cache(setup, workers)
                if second.get("cached") is not True:
                    self.note(f"{workers}w: a repeated temperature-0 generate answered "
                              f"cached={second.get('cached')!r}; the cache-hit row may be misses.")
            if args.profile is not None and GENERATE in targets:
                print(profile_generate(runner, setup, server.pid, workers, args.profile),
                      flush=True)
            if workers == args.soak_workers and args.soak_minutes > 0 and GENERATE in targets:
                soak = self.soak(runner, setup, server, workers)
            self.procs.stop(server)
            if reference is not None:
                self.procs.stop(reference[0])
        if args.soak_minutes > 0 and soak is None:
            self.note("soak not run (needs /api/v1/llm/generate and "
                      f"--soak-workers {args.soak_workers} among --workers).")
        set_upstream_delay(upstream_url, 0)
        return runner.measurements, soak, machine

    def soak(self, runner: Runner, setup: TurnoutSetup, server: Managed,
             workers: int) -> SoakResult:
        total = self.args.soak_minutes * 60
        first = 10.0 if total <= 60 else 60.0
        every = 10.0 if total <= 120 else 30.0
        print(f"soak: {total:.0f} s of generate load, RSS at {first:.0f} s and at the end",
              flush=True)
        return runner.soak(setup, server.pid, workers, total, first, every)


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
        except WrkMissing as exc:
            print(exc, file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted: stopping every process the benchmark started", file=sys.stderr)
            return 130
        finally:
            bench.procs.stop_all()
    notes = [CORES_NOTE.format(n=machine["nproc"]), *bench.notes,
             f"Runs: {args.duration:g} s each after {args.warmup:g} s warm-up, "
             f"{args.connections} connections (1 for sequential and cache); wall time "
             f"{(time.monotonic() - t0) / 60:.1f} min."]
    print()
    print(report.text_report(measurements, soak, notes))
    if not args.no_write:
        report.write_results(report.markdown_report(measurements, soak, machine, command,
                                                    started, notes))
        print(f"\nwritten to {report.RESULTS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
