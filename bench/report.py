"""The results table, the pass/fail verdicts against issue 4's targets, and bench/RESULTS.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import (
    BARE_AUTH,
    BASELINES,
    CACHE_HIT,
    DIRECT,
    REFERENCE,
    TARGET_LABELS,
    Measurement,
    SoakResult,
)

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"
MAX_ERROR_SHARE = 0.001  # a run with more failed/non-2xx answers than this is not a valid figure
RPS_FLOOR = {1: 1500.0, 2: 3000.0}
# The reference proxy's throughput at 0 ms on the machine the floors were set on (research notes)
RESEARCH_REFERENCE_RPS = {1: 3728.0, 2: 7000.0}
RATIO_FLOOR = 0.93
ADDED_P99_CEILING_MS = 10.0
SEQUENTIAL_ADDED_P50_MS = 1.0
CACHE_OVER_AUTH_MS = 0.5
RSS_DRIFT = 0.05


@dataclass
class Row:
    m: Measurement
    direct: Measurement | None
    reference: Measurement | None = None

    @property
    def ratio(self) -> float | None:
        if self.direct is None or self.m.target == DIRECT or not self.direct.result.rps:
            return None
        return self.m.result.rps / self.direct.result.rps

    @property
    def of_reference(self) -> float | None:
        """RPS as a share of the reference proxy's in the same scenario (Turnout rows only)."""
        ref = self.reference
        if ref is None or self.m.target in BASELINES or not ref.result.rps:
            return None
        return self.m.result.rps / ref.result.rps

    def added(self, pct: float) -> float | None:
        if self.direct is None or self.m.target == DIRECT:
            return None
        return self.m.result.p(pct) - self.direct.result.p(pct)


@dataclass
class Check:
    target: str
    scenario: str
    measured: str
    passed: bool | None  # None: not measured


def _baseline_for(target: str, m: Measurement, all_: list[Measurement]) -> Measurement | None:
    for other in all_:
        if (other.target == target and other.kind == m.kind and other.workers == m.workers
                and other.delay_ms == m.delay_ms and other.connections == m.connections):
            return other
    return None


def rows(measurements: list[Measurement]) -> list[Row]:
    return [Row(m, _baseline_for(DIRECT, m, measurements),
                _baseline_for(REFERENCE, m, measurements)) for m in measurements]


def _valid(m: Measurement) -> bool:
    return m.result.error_share <= MAX_ERROR_SHARE


BUSY_OTHER_CPU = 0.10


def _errors_note(m: Measurement) -> str:
    note = "" if _valid(m) else f" — INVALID: {m.result.error_count} errors {m.result.errors}"
    if m.other_cpu > BUSY_OTHER_CPU:
        note += f" (machine busy: {m.other_cpu:.0%} other CPU)"
    return note


def checks(measurements: list[Measurement], soak: SoakResult | None) -> list[Check]:
    out: list[Check] = []
    table = rows(measurements)
    for row in table:
        m = row.m
        if m.target in BASELINES:
            continue
        if m.kind == "load" and m.delay_ms == 0 and m.workers in RPS_FLOOR:
            floor = RPS_FLOOR[m.workers]
            out.append(Check(f"≥ {floor:,.0f} rps at 0 ms ({m.workers} worker(s))",
                             f"{m.target}, {m.workers}w", f"{m.result.rps:,.0f} rps"
                             + _errors_note(m), _valid(m) and m.result.rps >= floor))
            if row.reference is not None and _valid(row.reference):
                out.append(_scaled_floor_check(row, floor))
        if m.kind == "load" and m.delay_ms == 50:
            ratio, p99 = row.ratio, row.added(99)
            ok = ratio is not None and p99 is not None and _valid(m) and (
                ratio >= RATIO_FLOOR and p99 <= ADDED_P99_CEILING_MS)
            out.append(Check(f"≥ {RATIO_FLOOR:.0%} of direct and added p99 ≤ "
                             f"{ADDED_P99_CEILING_MS:g} ms at 50 ms, {m.connections} conns",
                             f"{m.target}, {m.workers}w",
                             f"{_fmt(ratio, '.1%')} of direct, added p99 {_fmt(p99, '+.2f')} ms"
                             + _reference_note(row) + _errors_note(m), ok))
        if m.kind == "sequential":
            p50 = row.added(50)
            out.append(Check(f"sequential added p50 ≤ {SEQUENTIAL_ADDED_P50_MS:g} ms",
                             f"{m.target}, {m.workers}w",
                             f"added p50 {_fmt(p50, '+.2f')} ms, p99 {_fmt(row.added(99), '+.2f')}"
                             " ms" + _reference_note(row, 50) + _errors_note(m),
                             p50 is not None and _valid(m) and p50 <= SEQUENTIAL_ADDED_P50_MS))
    out.extend(_cache_checks(measurements))
    if soak is not None:
        out.append(Check(f"RSS within ±{RSS_DRIFT:.0%} from {soak.first_at_s:.0f} s to end of soak",
                         f"generate, {soak.workers}w, {soak.duration_s / 60:g} min",
                         f"{soak.first_kib / 1024:.1f} → {soak.last_kib / 1024:.1f} MiB "
                         f"({soak.change:+.1%})", abs(soak.change) <= RSS_DRIFT))
    return out


def _scaled_floor_check(row: Row, floor: float) -> Check:
    """The RPS floor scaled by how fast the reference proxy is here versus in the research."""
    m, ref = row.m, row.reference
    assert ref is not None
    scaled = floor * ref.result.rps / RESEARCH_REFERENCE_RPS[m.workers]
    return Check(f"≥ {floor:,.0f} rps at 0 ms ({m.workers} worker(s)), scaled to this machine",
                 f"{m.target}, {m.workers}w",
                 f"{m.result.rps:,.0f} rps ≥ {scaled:,.0f} = {floor:,.0f} × reference "
                 f"{ref.result.rps:,.0f} here ÷ {RESEARCH_REFERENCE_RPS[m.workers]:,.0f} in the "
                 "research notes" + _errors_note(m), _valid(m) and m.result.rps >= scaled)


def _reference_note(row: Row, pct: float = 99) -> str:
    ref, direct = row.reference, row.direct
    if ref is None or direct is None or not direct.result.rps:
        return ""
    added = ref.result.p(pct) - direct.result.p(pct)
    return (f" (reference proxy, same run: {ref.result.rps / direct.result.rps:.1%} of "
            f"direct, added p{pct:g} {added:+.2f} ms)")


def _cache_checks(measurements: list[Measurement]) -> list[Check]:
    out: list[Check] = []
    for workers in sorted({m.workers for m in measurements if m.kind == "cache"}):
        found = {m.target: m for m in measurements if m.kind == "cache" and m.workers == workers}
        hit, bare = found.get(CACHE_HIT), found.get(BARE_AUTH)
        if hit is None or bare is None:
            continue
        diff = hit.result.p50 - bare.result.p50
        out.append(Check(f"cache hit ≤ {CACHE_OVER_AUTH_MS:g} ms over bare auth (p50)",
                         f"{workers}w", f"{hit.result.p50:.2f} − {bare.result.p50:.2f} = "
                         f"{diff:+.2f} ms" + _errors_note(hit) + _errors_note(bare),
                         _valid(hit) and _valid(bare) and diff <= CACHE_OVER_AUTH_MS))
    return out


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


HEADER = ("scenario", "target", "workers", "delay", "conns", "RPS", "p50 ms", "p99 ms",
          "RPS ÷ direct", "RPS ÷ reference", "added p50", "added p99", "errors", "other CPU",
          "Turnout CPU")


def _cells(row: Row) -> tuple[str, ...]:
    m, r = row.m, row.m.result
    return (m.kind, m.target, str(m.workers), f"{m.delay_ms} ms", str(m.connections),
            f"{r.rps:,.0f}", f"{r.p50:.2f}", f"{r.p99:.2f}", _fmt(row.ratio, ".2f"),
            _fmt(row.of_reference, ".2f"), _fmt(row.added(50), "+.2f"),
            _fmt(row.added(99), "+.2f"), str(r.error_count), f"{m.other_cpu:.0%}",
            m.worker_cpu_text)


def text_report(measurements: list[Measurement], soak: SoakResult | None,
                notes: list[str]) -> str:
    table = [HEADER, *(_cells(r) for r in rows(measurements))]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.rjust(w) if i >= 2 else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
             for line in table]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    for check in checks(measurements, soak):
        lines.append(f"[{_verdict(check.passed)}] {check.target} — {check.scenario}: "
                     f"{check.measured}")
    lines.extend(["", *notes])
    return "\n".join(lines)


def markdown_report(measurements: list[Measurement], soak: SoakResult | None,
                    machine: dict[str, object], command: str, started: str,
                    notes: list[str]) -> str:
    packages = machine.get("packages", {})
    assert isinstance(packages, dict)
    out = [
        "# Turnout benchmark results",
        "",
        f"- Date: {started}",
        f"- Command: `{command}`",
        f"- Source: commit {machine['revision']}",
        f"- Machine: {machine['nproc']} CPUs (nproc), {machine['memory_gib']} GiB memory, "
        f"{machine['cpu_model']}, Linux {machine['kernel']}",
        f"- Python {machine['python']}; "
        + ", ".join(f"{name} {version}" for name, version in packages.items()),
        f"- Before the run: load average {machine['loadavg']}, "
        f"{machine['background_cpu']:.0%} of the CPUs busy with other work.",
        f"- Load generator: {machine['wrk']}, 1 thread. The load generator, the fake upstream "
        "(one aiohttp process) and Turnout share the same cores, so every figure is "
        "CPU-bound by all three together; DIRECT is the same wrk against the fake upstream in "
        "the same run, REFERENCE the minimal proxy the targets were set by "
        "(`bench/reference_proxy.py`), also in the same run, which scales the absolute "
        "targets to this machine.",
        "",
        "## Measurements",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(HEADER))) + "|",
    ]
    out.extend("| " + " | ".join(_cells(r)) + " |" for r in rows(measurements))
    out.extend(["", "Targets: " + "; ".join(f"`{k}` = {v}" for k, v in TARGET_LABELS.items())
                + ". Latencies in ms; added = Turnout − DIRECT of the same scenario and workers. "
                "`other CPU` = share of all CPUs used by processes outside the benchmark during "
                "the measured run (other work on the shared machine); `Turnout CPU` = share of "
                "one CPU used by each Turnout worker process during the run (an uneven split "
                "means wrk's connections landed unevenly on the workers).",
                "", "## Against the targets of issue 4", "",
                "| target | scenario | measured | verdict |", "|---|---|---|---|"])
    out.extend(f"| {c.target} | {c.scenario} | {c.measured} | **{_verdict(c.passed)}** |"
               for c in checks(measurements, soak))
    if soak is not None:
        out.extend(["", f"## Soak ({soak.workers} workers, 50 connections, 0 ms upstream)", "",
                    "| t (s) | RSS of the Turnout worker processes (MiB) |", "|---:|---:|"])
        out.extend(f"| {at:.0f} | {kib / 1024:.1f} |" for at, kib in soak.samples)
        if soak.result is not None:
            r = soak.result
            out.extend(["", f"Soak load: {r.requests:,} requests, {r.rps:,.0f} rps, p50 "
                        f"{r.p50:.2f} ms, p99 {r.p99:.2f} ms, errors {r.error_count}."])
    if notes:
        out.extend(["", "## Notes", "", *(f"- {n}" for n in notes)])
    return "\n".join(out) + "\n"


BEGIN, END = "<!-- bench:begin (generated by `python -m bench`) -->", "<!-- bench:end -->"


def write_results(markdown: str, path: Path = RESULTS_PATH) -> None:
    """Replace the generated block of RESULTS.md, keeping any hand-written text around it."""
    block = f"{BEGIN}\n{markdown}{END}\n"
    if path.exists():
        current = path.read_text()
        if BEGIN in current and END in current:
            head, _, rest = current.partition(BEGIN)
            _, _, tail = rest.partition(END)
            path.write_text(head + block + ("\n" + tail.lstrip("\n") if tail.strip() else ""))
            return
    path.write_text(block)
