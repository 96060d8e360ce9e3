"""The measurements: load at 0/50 ms upstream delay, sequential overhead, cache hit, soak."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import cpu
from bench.processes import server_rss
from bench.setup import CHAT_MODEL, UPSTREAM_API_KEY, TurnoutSetup, call, set_upstream_delay
from bench.wrk import Load, Wrk, WrkResult, stop

PROMPT = [{"role": "user", "content": "hello bench"}]
GENERATE_PATH = "/api/v1/llm/generate"
CHAT_PATH = "/v1/chat/completions"
ME_PATH = "/api/v1/auth/me"
QUIET_THRESHOLD = 0.10  # share of all CPUs used by others below which the machine counts as quiet

# target names used in rows and checks
DIRECT, GENERATE, CHAT, CACHE_HIT, BARE_AUTH = "direct", "generate", "chat", "cache-hit", "auth-me"
REFERENCE = "reference"
BASELINES = (DIRECT, REFERENCE)  # measured for comparison, not Turnout
TARGET_LABELS = {
    DIRECT: "DIRECT upstream /openai/v1/chat/completions",
    REFERENCE: "REFERENCE minimal FastAPI + aiohttp proxy of the research notes "
    "(bench/reference_proxy.py), Turnout's worker count, POST /v1/chat/completions",
    GENERATE: "TURNOUT POST /api/v1/llm/generate",
    CHAT: "TURNOUT POST /v1/chat/completions",
    CACHE_HIT: "TURNOUT generate, temperature 0 (cache hit)",
    BARE_AUTH: "TURNOUT GET /api/v1/auth/me (bare auth)",
}


def _json(payload: object) -> str:
    return json.dumps(payload, separators=(",", ":"))


def direct_load(upstream_url: str) -> Load:
    body = {"model": CHAT_MODEL, "messages": PROMPT, "temperature": 0.7}
    return Load(f"{upstream_url}/openai/v1/chat/completions", "POST", _json(body),
                UPSTREAM_API_KEY)


def reference_load(reference_url: str) -> Load:
    from bench.reference_proxy import KEY

    body = {"model": CHAT_MODEL, "messages": PROMPT, "temperature": 0.7}
    return Load(f"{reference_url}/v1/chat/completions", "POST", _json(body), KEY)


def generate_load(setup: TurnoutSetup, temperature: float = 0.7) -> Load:
    body = {"messages": PROMPT, "options": {"temperature": temperature}}
    return Load(f"{setup.base_url}{GENERATE_PATH}", "POST", _json(body), setup.api_key)


def chat_load(setup: TurnoutSetup) -> Load:
    body = {"model": "auto", "messages": PROMPT, "temperature": 0.7}
    return Load(f"{setup.base_url}{CHAT_PATH}", "POST", _json(body), setup.api_key)


def auth_load(setup: TurnoutSetup) -> Load:
    return Load(f"{setup.base_url}{ME_PATH}", "GET", "", setup.api_key)


@dataclass
class Measurement:
    kind: str  # "load" | "sequential" | "cache"
    target: str
    workers: int
    delay_ms: int
    connections: int
    result: WrkResult
    other_cpu: float = 0.0  # share of all CPUs used by processes outside the benchmark
    worker_cpu: list[float] = field(default_factory=list)  # per Turnout worker, share of a CPU

    @property
    def worker_cpu_text(self) -> str:
        return "+".join(f"{share:.0%}" for share in self.worker_cpu) or "—"


@dataclass
class SoakResult:
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


def preflight(load: Load, expect_text: str = "echo: hello bench") -> dict[str, object]:
    """One request like wrk's, checked by hand: it must answer 200 with the echoed prompt."""
    body = json.loads(load.body) if load.body else None
    status, payload = call(load.method, load.url, body, load.token)
    if status != 200:
        raise RuntimeError(f"{load.method} {load.url} answered {status}: {payload}")
    if expect_text and expect_text not in json.dumps(payload):
        raise RuntimeError(f"{load.url} did not echo the prompt: {payload}")
    return payload if isinstance(payload, dict) else {}


class Runner:
    """Runs wrk with a warm-up, against one upstream and (optionally) one Turnout."""

    def __init__(self, wrk: Wrk, upstream_url: str, duration_s: float, warmup_s: float,
                 connections: int, log: Callable[[str], None] = print) -> None:
        self.wrk = wrk
        self.upstream_url = upstream_url
        self.duration_s = duration_s
        self.warmup_s = warmup_s
        self.connections = connections
        self.log = log
        self.measurements: list[Measurement] = []
        self.server_pid: int | None = None  # Turnout's, for per-worker CPU
        self.reference_url: str | None = None  # the reference proxy beside this Turnout
        self.quiet_wait_s = 0.0  # before each run, wait up to this long for other work to stop

    def measure(self, kind: str, target: str, load: Load, workers: int, delay_ms: int,
                connections: int) -> Measurement:
        if self.quiet_wait_s > 0:
            waited = time.monotonic()
            share = cpu.wait_for_quiet(QUIET_THRESHOLD, self.quiet_wait_s)
            if time.monotonic() - waited > 1.5:
                self.log(f"  (waited {time.monotonic() - waited:.0f} s for other work to leave "
                         f"the CPUs; {share:.0%} busy at start)")
        if self.warmup_s > 0:
            self.wrk.run(load, connections, self.warmup_s)
        serving = list(server_rss(self.server_pid)) if self.server_pid else []
        before, ticks, started = cpu.mark(), cpu.process_ticks(serving), time.monotonic()
        result = self.wrk.run(load, connections, self.duration_s)
        worker_cpu = cpu.per_process_share(ticks, cpu.process_ticks(serving),
                                           time.monotonic() - started)
        other = cpu.other_share(before, cpu.mark())
        m = Measurement(kind, target, workers, delay_ms, connections, result, other,
                        worker_cpu if target not in BASELINES else [])
        self.measurements.append(m)
        errors = f"  errors {result.errors}" if result.error_count else ""
        self.log(f"  {kind:<10} {target:<9} {workers}w {delay_ms:>3} ms c{connections:<3}"
                 f" {result.rps:>9.0f} rps  p50 {result.p50:7.2f} ms  p99 {result.p99:7.2f} ms"
                 + f"  other CPU {other:4.0%}  Turnout CPU {m.worker_cpu_text}" + errors)
        return m

    def _loads(self, setup: TurnoutSetup, targets: list[str]) -> tuple[dict[str, Load], list[str]]:
        """What wrk sends for each target, and the order to run them: baselines first."""
        loads = {DIRECT: direct_load(self.upstream_url), GENERATE: generate_load(setup),
                 CHAT: chat_load(setup)}
        baselines = [DIRECT]
        if self.reference_url:
            loads[REFERENCE] = reference_load(self.reference_url)
            baselines.append(REFERENCE)
        return loads, [*baselines, *targets]

    def load_matrix(self, setup: TurnoutSetup, workers: int, delays_ms: list[int],
                    targets: list[str]) -> None:
        loads, order = self._loads(setup, targets)
        for delay in delays_ms:
            set_upstream_delay(self.upstream_url, delay)
            for target in order:
                self.measure("load", target, loads[target], workers, delay, self.connections)
        set_upstream_delay(self.upstream_url, 0)

    def sequential(self, setup: TurnoutSetup, workers: int, targets: list[str]) -> None:
        set_upstream_delay(self.upstream_url, 0)
        loads, order = self._loads(setup, targets)
        for target in order:
            self.measure("sequential", target, loads[target], workers, 0, 1)

    def cache(self, setup: TurnoutSetup, workers: int) -> dict[str, object]:
        """Cache hit vs bare auth, one connection; answers what the warm-up request said."""
        set_upstream_delay(self.upstream_url, 0)
        hit = generate_load(setup, temperature=0)
        # The first request fills the cache of whichever worker took it; each urllib request
        # is a new connection, so a few more make sure some worker answered from its cache.
        answers = [preflight(hit) for _ in range(4)]
        second = {**answers[-1], "cached": any(a.get("cached") is True for a in answers[1:])}
        self.measure("cache", BARE_AUTH, auth_load(setup), workers, 0, 1)
        self.measure("cache", CACHE_HIT, hit, workers, 0, 1)
        return second

    def soak(self, setup: TurnoutSetup, server_pid: int, workers: int, duration_s: float,
             first_at_s: float, every_s: float) -> SoakResult:
        """Generate load for `duration_s`; Turnout's RSS at `first_at_s` and at the end."""
        set_upstream_delay(self.upstream_url, 0)
        soak = SoakResult(workers=workers, duration_s=duration_s, first_at_s=first_at_s)
        proc = self.wrk.start(generate_load(setup), self.connections, duration_s)
        started = time.monotonic()
        checkpoints = sorted({*_every(every_s, duration_s - 1), first_at_s, duration_s - 1})
        try:
            for at in checkpoints:
                time.sleep(max(0.0, started + at - time.monotonic()))
                per_process = server_rss(server_pid)
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


def _every(step: float, until: float) -> list[float]:
    out, at = [], step
    while at < until:
        out.append(at)
        at += step
    return out
