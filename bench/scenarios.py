"""The measurements: load at 0/50 ms upstream delay, sequential, cache hit, streaming, soak.

Each scenario measures DIRECT (the upstream itself) and the reference proxy beside Turnout, in
the same run, so that every Turnout figure can be read against both. Scenarios are registered in
`SCENARIOS` by name and run in that order for each Turnout start (a `Subject`); the hedging
and usage-report scenarios (bench/hedging.py, bench/usage_report.py) are functions of the same
shape, added after them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import cpu, ttfb
from bench.processes import server_rss
from bench.setup import CHAT_MODEL, UPSTREAM_API_KEY, TurnoutSetup, call
from bench.upstream import lane_url, set_upstream_delay
from bench.wrk import Load, Wrk, WrkResult, stop

PROMPT = [{"role": "user", "content": "hello bench"}]
EXPECTED_TEXT = "echo: hello bench"
GENERATE_PATH = "/api/v1/llm/generate"
CHAT_PATH = "/v1/chat/completions"
ME_PATH = "/api/v1/auth/me"
QUIET_THRESHOLD = 0.10  # share of all CPUs used by others below which the machine counts as quiet
TEMPERATURE = 0.7  # not cacheable: Turnout caches temperature-0 answers only

# scenario kinds
LOAD, SEQUENTIAL, CACHE, STREAM = "load", "sequential", "cache", "stream"
# target names used in rows and checks
DIRECT, GENERATE, CHAT, CACHE_HIT, BARE_AUTH = "direct", "generate", "chat", "cache-hit", "auth-me"
REFERENCE = "reference"
BASELINES = (DIRECT, REFERENCE)  # measured for comparison, not Turnout
TARGET_LABELS = {
    DIRECT: "DIRECT: the upstream itself, POST /openai/v1/chat/completions",
    REFERENCE: "REFERENCE: the minimal FastAPI + aiohttp proxy of the research notes "
    "(bench/reference_proxy.py), Turnout's worker count, POST /v1/chat/completions",
    GENERATE: "TURNOUT POST /api/v1/llm/generate",
    CHAT: "TURNOUT POST /v1/chat/completions",
    CACHE_HIT: "TURNOUT generate, temperature 0 (cache hit)",
    BARE_AUTH: "TURNOUT GET /api/v1/auth/me (bare auth)",
}
# How each target's stream ends when it ends well (see ttfb.complete).
OPENAI_DONE, GENERATE_DONE = b"data: [DONE]", b"event: done"


def _json(payload: object) -> str:
    return json.dumps(payload, separators=(",", ":"))


def _chat_body(model: str, stream: bool) -> dict[str, object]:
    body: dict[str, object] = {"model": model, "messages": PROMPT, "temperature": TEMPERATURE}
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return body


def direct_load(upstream_url: str, stream: bool = False) -> Load:
    return Load(f"{lane_url(upstream_url)}/chat/completions", "POST",
                _json(_chat_body(CHAT_MODEL, stream)), UPSTREAM_API_KEY)


def reference_load(reference_url: str, stream: bool = False) -> Load:
    from bench.reference_proxy import KEY

    return Load(f"{reference_url}{CHAT_PATH}", "POST", _json(_chat_body(CHAT_MODEL, stream)), KEY)


def generate_load(setup: TurnoutSetup, temperature: float = TEMPERATURE,
                  stream: bool = False) -> Load:
    body: dict[str, object] = {"messages": PROMPT, "options": {"temperature": temperature}}
    if stream:
        body["stream"] = True
    return Load(f"{setup.base_url}{GENERATE_PATH}", "POST", _json(body), setup.api_key)


def chat_load(setup: TurnoutSetup, stream: bool = False) -> Load:
    return Load(f"{setup.base_url}{CHAT_PATH}", "POST", _json(_chat_body("auto", stream)),
                setup.api_key)


def auth_load(setup: TurnoutSetup) -> Load:
    return Load(f"{setup.base_url}{ME_PATH}", "GET", "", setup.api_key)


@dataclass
class Subject:
    """One Turnout start, what it serves, and the baselines it is measured against."""

    config: str  # "embedded" | "pg-redis"
    workers: int
    upstream_url: str
    setup: TurnoutSetup
    server_pid: int
    reference_url: str | None = None
    targets: list[str] = field(default_factory=list)  # Turnout targets that answered their check
    stream_targets: list[str] = field(default_factory=list)  # ... and streamed correctly
    reference_streams: bool = False  # the reference proxy streamed correctly
    database_url: str = ""  # Turnout's database (SQLAlchemy URL), for scenarios that fill it
    # What scenarios set up before Turnout's first request, by scenario name.
    prepared: dict[str, object] = field(default_factory=dict)

    def loads(self, stream: bool = False) -> dict[str, Load]:
        """What is sent to each target, baselines first."""
        out = {DIRECT: direct_load(self.upstream_url, stream)}
        if self.reference_url and (self.reference_streams or not stream):
            out[REFERENCE] = reference_load(self.reference_url, stream)
        turnout = {GENERATE: generate_load(self.setup, stream=stream),
                   CHAT: chat_load(self.setup, stream)}
        for target in self.stream_targets if stream else self.targets:
            out[target] = turnout[target]
        return out


@dataclass
class Measurement:
    kind: str  # LOAD | SEQUENTIAL | CACHE | STREAM (or a later scenario's)
    config: str
    target: str
    workers: int
    delay_ms: int
    connections: int
    result: WrkResult  # for STREAM: the latencies are times to first byte
    other_cpu: float = 0.0  # share of all CPUs used by processes outside the benchmark
    worker_cpu: list[float] = field(default_factory=list)  # per Turnout worker, share of a CPU

    @property
    def worker_cpu_text(self) -> str:
        return "+".join(f"{share:.0%}" for share in self.worker_cpu) or "—"


@dataclass
class SoakResult:
    config: str
    workers: int
    duration_s: float
    first_at_s: float
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, KiB total)
    first_kib: int = 0
    last_kib: int = 0
    per_process_first: dict[int, int] = field(default_factory=dict)
    per_process_last: dict[int, int] = field(default_factory=dict)
    result: WrkResult | None = None

    @property
    def change(self) -> float:
        return (self.last_kib - self.first_kib) / self.first_kib if self.first_kib else 0.0


def preflight(load: Load, expect_text: str = EXPECTED_TEXT) -> dict[str, object]:
    """One request like wrk's, checked by hand: it must answer 200 with the echoed prompt."""
    body = json.loads(load.body) if load.body else None
    status, payload = call(load.method, load.url, body, load.token)
    if status != 200:
        raise RuntimeError(f"{load.method} {load.url} answered {status}: {payload}")
    if expect_text and expect_text not in json.dumps(payload):
        raise RuntimeError(f"{load.url} did not echo the prompt: {payload}")
    return payload if isinstance(payload, dict) else {}


def done_marker(target: str) -> bytes:
    return GENERATE_DONE if target == GENERATE else OPENAI_DONE


def preflight_stream(target: str, load: Load) -> None:
    ttfb.preflight_stream(load, done_marker(target), EXPECTED_TEXT)


Run = Callable[[float], WrkResult]  # one measured (or warm-up) run of the given seconds


class Runner:
    """Runs each measurement after a warm-up and records it with the machine's state."""

    def __init__(self, wrk: Wrk, upstream_url: str, duration_s: float, warmup_s: float,
                 connections: int, delays_ms: list[int],
                 log: Callable[[str], None] = print) -> None:
        self.wrk = wrk
        self.upstream_url = upstream_url
        self.duration_s = duration_s
        self.warmup_s = warmup_s
        self.connections = connections
        self.delays_ms = delays_ms
        self.log = log
        self.note = log  # for what belongs in the report's notes too
        self.measurements: list[Measurement] = []
        # What scenarios measure besides wrk rows (bench/hedging.py, bench/usage_report.py).
        self.results: list[object] = []
        self.quiet_wait_s = 0.0  # before each run, wait up to this long for other work to stop

    def _wait_for_quiet(self) -> None:
        if self.quiet_wait_s <= 0:
            return
        waited = time.monotonic()
        share = cpu.wait_for_quiet(QUIET_THRESHOLD, self.quiet_wait_s)
        if time.monotonic() - waited > 1.5:
            self.log(f"  (waited {time.monotonic() - waited:.0f} s for other work to leave "
                     f"the CPUs; {share:.0%} busy at start)")

    def measure(self, subject: Subject, kind: str, target: str, run: Run, delay_ms: int,
                connections: int) -> Measurement:
        self._wait_for_quiet()
        if self.warmup_s > 0:
            run(self.warmup_s)
        serving = list(server_rss(subject.server_pid)) if target not in BASELINES else []
        before, ticks, started = cpu.mark(), cpu.process_ticks(serving), time.monotonic()
        result = run(self.duration_s)
        worker_cpu = cpu.per_process_share(ticks, cpu.process_ticks(serving),
                                           time.monotonic() - started)
        other = cpu.other_share(before, cpu.mark())
        m = Measurement(kind, subject.config, target, subject.workers, delay_ms, connections,
                        result, other, worker_cpu)
        self.measurements.append(m)
        errors = f"  errors {result.errors}" if result.error_count else ""
        self.log(f"  {subject.config:<8} {kind:<10} {target:<9} {subject.workers}w "
                 f"{delay_ms:>3} ms c{connections:<3} {result.rps:>9.0f} rps  "
                 f"p50 {result.p50:7.2f} ms  p99 {result.p99:7.2f} ms  other CPU {other:4.0%}"
                 f"  Turnout CPU {m.worker_cpu_text}" + errors)
        return m

    def wrk_run(self, load: Load, connections: int) -> Run:
        return lambda seconds: self.wrk.run(load, connections, seconds)

    def load_matrix(self, subject: Subject) -> None:
        """50 connections at each upstream delay."""
        loads = subject.loads()
        for delay in self.delays_ms:
            set_upstream_delay(self.upstream_url, delay)
            for target, load in loads.items():
                self.measure(subject, LOAD, target, self.wrk_run(load, self.connections), delay,
                             self.connections)
        set_upstream_delay(self.upstream_url, 0)

    def sequential(self, subject: Subject) -> None:
        """One connection, 0 ms upstream: the latency each hop adds."""
        set_upstream_delay(self.upstream_url, 0)
        for target, load in subject.loads().items():
            self.measure(subject, SEQUENTIAL, target, self.wrk_run(load, 1), 0, 1)

    def cache(self, subject: Subject) -> None:
        """Cache hit vs bare auth, one connection."""
        if GENERATE not in subject.targets:
            return
        set_upstream_delay(self.upstream_url, 0)
        hit = generate_load(subject.setup, temperature=0)
        # The first request fills the cache of whichever worker took it; each urllib request
        # is a new connection, so a few more make sure some worker answered from its cache.
        answers = [preflight(hit) for _ in range(4)]
        if not any(a.get("cached") is True for a in answers[1:]):
            self.note(f"{subject.config} {subject.workers}w: a repeated temperature-0 "
                     "generate never answered cached=true; the cache-hit row may be misses.")
        self.measure(subject, CACHE, BARE_AUTH, self.wrk_run(auth_load(subject.setup), 1), 0, 1)
        self.measure(subject, CACHE, CACHE_HIT, self.wrk_run(hit, 1), 0, 1)

    def streaming(self, subject: Subject) -> None:
        """Time to first byte of streamed answers, one connection, 0 ms upstream."""
        set_upstream_delay(self.upstream_url, 0)
        for target, load in subject.loads(stream=True).items():
            self.measure(subject, STREAM, target, _ttfb_run(load, done_marker(target)), 0, 1)

    def soak(self, subject: Subject, duration_s: float, first_at_s: float,
             every_s: float) -> SoakResult:
        """Generate load for `duration_s`; Turnout's RSS at `first_at_s` and at the end."""
        set_upstream_delay(self.upstream_url, 0)
        soak = SoakResult(config=subject.config, workers=subject.workers, duration_s=duration_s,
                          first_at_s=first_at_s)
        proc = self.wrk.start(generate_load(subject.setup), self.connections, duration_s)
        started = time.monotonic()
        checkpoints = sorted({*_every(every_s, duration_s - 1), first_at_s, duration_s - 1})
        try:
            for at in checkpoints:
                time.sleep(max(0.0, started + at - time.monotonic()))
                per_process = server_rss(subject.server_pid)
                total = sum(per_process.values())
                soak.samples.append((at, total))
                if at == first_at_s:
                    soak.first_kib, soak.per_process_first = total, per_process
                if at == checkpoints[-1]:
                    soak.last_kib, soak.per_process_last = total, per_process
                self.log(f"  soak t={at:5.0f} s  RSS {total / 1024:7.1f} MiB  "
                         + " ".join(f"{pid}:{kib / 1024:.1f}" for pid, kib in per_process.items()))
            soak.result = self.wrk.finish(proc, duration_s)
        finally:
            stop(proc)
        return soak


def _ttfb_run(load: Load, marker: bytes) -> Run:
    return lambda seconds: ttfb.run(load, seconds, marker)


def _every(step: float, until: float) -> list[float]:
    out, at = [], step
    while at < until:
        out.append(at)
        at += step
    return out


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` shows them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


Scenario = Callable[[Runner, Subject], None]
# Run in this order for every Turnout start; `--scenarios` picks by name. bench/__main__.py
# adds the scenarios of their own modules (hedging, usage report) after these.
SCENARIOS: dict[str, Scenario] = {
    LOAD: Runner.load_matrix,
    SEQUENTIAL: Runner.sequential,
    CACHE: Runner.cache,
    STREAM: Runner.streaming,
}
