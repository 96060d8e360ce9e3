"""The results tables, the verdicts against the targets, and bench/RESULTS.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.backends import CONFIG_LABELS
from bench.hedging import BASE_DELAY_MS, CONNECTIONS, TAIL_MS, TAIL_RATE, UNHEDGED, HedgingRun
from bench.jobs import LIMIT_WINDOW_S, RATE_TARGET, RateJob, RssSample, ThroughputJob
from bench.scenarios import (
    BARE_AUTH,
    BASELINES,
    CACHE,
    CACHE_HIT,
    CHAT,
    DIRECT,
    GENERATE,
    LOAD,
    REFERENCE,
    SEQUENTIAL,
    STREAM,
    TARGET_LABELS,
    Measurement,
    SoakResult,
)
from bench.usage_report import UsageRouteRun

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"
MAX_ERROR_SHARE = 0.001  # a run with more failed/non-2xx answers than this is not a valid figure
BUSY_OTHER_CPU = 0.10
VERDICT_WORKERS = 2  # the targets are set for Turnout with this many workers
RPS_FLOOR = 3000.0  # a. 0 ms upstream, 50 connections
OF_REFERENCE_FLOOR, OF_REFERENCE_AIM = 0.70, 0.80
OF_DIRECT_AT_50MS = 0.95  # b. 50 ms upstream, 50 connections
ADDED_P99_AT_50MS = 10.0
SEQUENTIAL_ADDED_P50, SEQUENTIAL_ADDED_P99 = 0.5, 1.5  # c.
STREAM_ADDED_TTFB_P50 = 1.0  # d.
RSS_DRIFT = 0.05  # e.
DIRECT_RPS_FLOOR = 50_000.0  # f. the upstream must not be what limits a row
GATEWAY_TARGETS = (CHAT, GENERATE)
VERDICTS_OF = (f"gateway targets for Turnout with {VERDICT_WORKERS} workers; jobs for the "
               "serving process and its job runners")


@dataclass
class Row:
    m: Measurement
    direct: Measurement | None
    reference: Measurement | None = None

    @property
    def of_direct(self) -> float | None:
        """RPS ÷ DIRECT's RPS in the same scenario."""
        if self.direct is None or self.m.target == DIRECT or not self.direct.result.rps:
            return None
        return self.m.result.rps / self.direct.result.rps

    @property
    def of_reference(self) -> float | None:
        """RPS ÷ the reference proxy's RPS in the same scenario (Turnout rows only)."""
        ref = self.reference
        if ref is None or self.m.target in BASELINES or not ref.result.rps:
            return None
        return self.m.result.rps / ref.result.rps

    def added(self, pct: float) -> float | None:
        """Latency percentile minus DIRECT's, in ms."""
        if self.direct is None or self.m.target == DIRECT:
            return None
        return self.m.result.p(pct) - self.direct.result.p(pct)

    def latency_of_reference(self, pct: float) -> float | None:
        """Latency percentile ÷ the reference proxy's (Turnout rows only)."""
        ref = self.reference
        if ref is None or self.m.target in BASELINES or not ref.result.p(pct):
            return None
        return self.m.result.p(pct) / ref.result.p(pct)


@dataclass
class Check:
    config: str
    name: str  # which target, e.g. "a. 0 ms upstream, 50 conns: …"
    target: str  # chat, generate, soak, direct
    measured: str
    passed: bool | None  # None: not measured (or, with `info`, not a target)
    info: bool = False


def _baseline_for(target: str, m: Measurement, all_: list[Measurement]) -> Measurement | None:
    for other in all_:
        if (other.target == target and other.kind == m.kind and other.config == m.config
                and other.workers == m.workers and other.delay_ms == m.delay_ms
                and other.connections == m.connections):
            return other
    return None


def rows(measurements: list[Measurement]) -> list[Row]:
    return [Row(m, _baseline_for(DIRECT, m, measurements),
                _baseline_for(REFERENCE, m, measurements)) for m in measurements]


def configs(measurements: list[Measurement]) -> list[str]:
    return list(dict.fromkeys(m.config for m in measurements))


def _valid(m: Measurement | None) -> bool:
    return m is not None and m.result.error_share <= MAX_ERROR_SHARE


def _errors_note(*measured: Measurement) -> str:
    """INVALID for each run with too many errors; how busy the machine was at worst."""
    note = "".join(f" — INVALID: {m.result.error_count} errors {m.result.errors}"
                   for m in measured if not _valid(m))
    busiest = max(m.other_cpu for m in measured)
    if busiest > BUSY_OTHER_CPU:
        note += f" (machine busy: {busiest:.0%} other CPU)"
    return note


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _find(table: list[Row], config: str, kind: str, target: str,
          delay_ms: int | None = None) -> Row | None:
    for row in table:
        m = row.m
        if (m.config, m.kind, m.target, m.workers) == (config, kind, target, VERDICT_WORKERS) \
                and (delay_ms is None or m.delay_ms == delay_ms):
            return row
    return None


def _ok(row: Row, *baselines: Measurement | None) -> bool:
    return _valid(row.m) and all(_valid(b) for b in baselines)


def _check_a(table: list[Row], config: str, target: str) -> Check:
    name = (f"a. 0 ms upstream, 50 conns: ≥ {RPS_FLOOR:,.0f} rps and ≥ "
            f"{OF_REFERENCE_FLOOR:.0%} of REFERENCE (aim {OF_REFERENCE_AIM:.0%})")
    row = _find(table, config, LOAD, target, 0)
    if row is None:
        return Check(config, name, target, "not measured", None)
    share, rps = row.of_reference, row.m.result.rps
    if row.reference is None:
        return Check(config, name, target, f"{rps:,.0f} rps; REFERENCE not measured", None)
    aim = "—" if share is None else ("reached" if share >= OF_REFERENCE_AIM else "not reached")
    measured = (f"{rps:,.0f} rps, {_fmt(share, '.0%')} of REFERENCE "
                f"({row.reference.result.rps:,.0f} rps); "
                f"aim {OF_REFERENCE_AIM:.0%} {aim}" + _errors_note(row.m))
    passed = share is not None and _ok(row, row.reference) and rps >= RPS_FLOOR \
        and share >= OF_REFERENCE_FLOOR
    return Check(config, name, target, measured, passed)


def _check_b(table: list[Row], config: str, target: str) -> Check:
    name = (f"b. 50 ms upstream, 50 conns: ≥ {OF_DIRECT_AT_50MS:.0%} of DIRECT's rps and "
            f"added p99 ≤ {ADDED_P99_AT_50MS:g} ms")
    row = _find(table, config, LOAD, target, 50)
    if row is None:
        return Check(config, name, target, "not measured", None)
    share, p99 = row.of_direct, row.added(99)
    measured = (f"{_fmt(share, '.1%')} of DIRECT, added p99 {_fmt(p99, '+.2f')} ms"
                + _reference_note(row, 99, rps=True) + _errors_note(row.m))
    passed = share is not None and p99 is not None and _ok(row, row.direct) \
        and share >= OF_DIRECT_AT_50MS and p99 <= ADDED_P99_AT_50MS
    return Check(config, name, target, measured, passed)


def _check_c(table: list[Row], config: str, target: str) -> Check:
    name = (f"c. sequential: added p50 ≤ {SEQUENTIAL_ADDED_P50:g} ms and added p99 ≤ "
            f"{SEQUENTIAL_ADDED_P99:g} ms")
    row = _find(table, config, SEQUENTIAL, target)
    if row is None:
        return Check(config, name, target, "not measured", None)
    p50, p99 = row.added(50), row.added(99)
    measured = (f"added p50 {_fmt(p50, '+.2f')} ms, p99 {_fmt(p99, '+.2f')} ms"
                + _reference_note(row, 50) + _errors_note(row.m))
    passed = p50 is not None and p99 is not None and _ok(row, row.direct) \
        and p50 <= SEQUENTIAL_ADDED_P50 and p99 <= SEQUENTIAL_ADDED_P99
    return Check(config, name, target, measured, passed)


def _check_d(table: list[Row], config: str, target: str) -> Check:
    name = f"d. streaming: added time to first byte ≤ {STREAM_ADDED_TTFB_P50:g} ms at p50"
    row = _find(table, config, STREAM, target)
    if row is None:
        return Check(config, name, target, "not measured", None)
    p50 = row.added(50)
    measured = (f"added p50 {_fmt(p50, '+.2f')} ms, p99 {_fmt(row.added(99), '+.2f')} ms"
                + _reference_note(row, 50) + _errors_note(row.m))
    passed = p50 is not None and _ok(row, row.direct) and p50 <= STREAM_ADDED_TTFB_P50
    return Check(config, name, target, measured, passed)


def _check_f(table: list[Row], config: str) -> Check:
    name = f"f. DIRECT ≥ {DIRECT_RPS_FLOOR:,.0f} requests/s (0 ms, 50 conns)"
    row = _find(table, config, LOAD, DIRECT, 0)
    if row is None:
        return Check(config, name, DIRECT, "not measured", None)
    rps = row.m.result.rps
    return Check(config, name, DIRECT, f"{rps:,.0f} rps" + _errors_note(row.m),
                 _valid(row.m) and rps >= DIRECT_RPS_FLOOR)


def _check_soak(soak: SoakResult) -> Check:
    name = f"e. soak: RSS within ±{RSS_DRIFT:.0%} from {soak.first_at_s:.0f} s to the end"
    return Check(soak.config, name, f"generate, {soak.workers}w, {soak.duration_s / 60:g} min",
                 f"{soak.first_kib / 1024:.1f} → {soak.last_kib / 1024:.1f} MiB "
                 f"({soak.change:+.1%})", abs(soak.change) <= RSS_DRIFT)


def _cache_info(measurements: list[Measurement], config: str) -> list[Check]:
    found = {m.target: m for m in measurements
             if m.kind == CACHE and m.config == config and m.workers == VERDICT_WORKERS}
    hit, bare = found.get(CACHE_HIT), found.get(BARE_AUTH)
    if hit is None or bare is None:
        return []
    diff = hit.result.p50 - bare.result.p50
    return [Check(config, "cache hit over bare auth, p50", "generate",
                  f"{hit.result.p50:.2f} − {bare.result.p50:.2f} = {diff:+.2f} ms"
                  + _errors_note(hit, bare), None, info=True)]


def _reference_note(row: Row, pct: float, rps: bool = False) -> str:
    """What the reference proxy measured in the same scenario, for comparison."""
    ref, direct = row.reference, row.direct
    if ref is None or direct is None or not direct.result.rps:
        return ""
    added = ref.result.p(pct) - direct.result.p(pct)
    share = f"{ref.result.rps / direct.result.rps:.1%} of DIRECT's rps, " if rps else ""
    return f" (REFERENCE, same run: {share}added p{pct:g} {added:+.2f} ms)"


ConfigChecks = Callable[[list[Row], list[Measurement], str], list[Check]]


def _gateway_checks(table: list[Row], measurements: list[Measurement],
                    config: str) -> list[Check]:
    """The targets of the scenarios that ran in `config` (a partial run checks only those)."""
    kinds = {m.kind for m in measurements if m.config == config}
    by_kind = {_check_a: LOAD, _check_b: LOAD, _check_c: SEQUENTIAL, _check_d: STREAM}
    out = [check(table, config, target) for check, kind in by_kind.items() if kind in kinds
           for target in GATEWAY_TARGETS]
    direct = [_check_f(table, config)] if LOAD in kinds else []
    return [*out, *direct, *_cache_info(measurements, config)]


# Per configuration, in this order; a later scenario adds its own function here.
CONFIG_CHECKS: list[ConfigChecks] = [_gateway_checks]


def _hedging_checks(extras: Sequence[object], config: str) -> list[Check]:
    """The hedged run's p99 and upstream calls per request over the unhedged run's."""
    out = []
    for run, base in _hedging_pairs(extras):
        if run.config != config:
            continue
        h, u = run.measurement.result, base.measurement.result
        out.append(Check(config, "hedging: p99 and upstream calls per request, hedged ÷ "
                         "unhedged (same run)", f"generate, {run.workers}w",
                         f"p99 {u.p99:,.0f} → {h.p99:,.0f} ms ({_ratio(h.p99, u.p99)}), calls "
                         f"per request {base.calls_per_request:.3f} → "
                         f"{run.calls_per_request:.3f} "
                         f"({_ratio(run.calls_per_request, base.calls_per_request)})"
                         + _errors_note(run.measurement, base.measurement), None, info=True))
    return out


def _usage_checks(extras: Sequence[object], config: str) -> list[Check]:
    runs = [r for r in extras if isinstance(r, UsageRouteRun) and r.config == config]
    if not runs:
        return []
    largest = max(runs, key=lambda r: (r.rows_total, r.days))
    smallest = min((r for r in runs if r.days == largest.days), key=lambda r: r.rows_total)
    return [Check(config, f"usage report: GET /api/v1/llm/usage, {largest.days}-day window",
                  "usage", f"median {largest.median_s * 1000:,.0f} ms over "
                  f"{largest.rows_in_window:,} rows ({_ratio(largest.median_s, smallest.median_s)}"
                  f" the {smallest.rows_in_window:,}-row figure)", None, info=True)]


def _job_checks(extras: Sequence[object], config: str) -> list[Check]:
    out = []
    for rate in (r for r in extras if isinstance(r, RateJob) and r.run.config == config):
        run = rate.run
        name = (f"job-rate: {run.items:,} requests at {rate.rpm} rpm finish within "
                f"{RATE_TARGET:.0%} of {rate.bound_s:.0f} s")
        ok = run.status == "completed" and run.completed == run.items
        out.append(Check(config, name, run.label,
                         f"{run.status} in {run.wall_s:.1f} s = {rate.ratio:.3f} × the bound; "
                         f"load {run.load_start} → {run.load_end}",
                         ok and abs(rate.ratio - 1) <= RATE_TARGET))
        most, at = rate.most_in_window()
        out.append(Check(config, f"job-rate: at most {rate.rpm} upstream arrivals in any "
                         f"{LIMIT_WINDOW_S:.0f} s window", run.label,
                         f"{most} (window from {at:.0f} s), {run.upstream_count:,} arrivals in "
                         f"all, {run.arrivals.dropped if run.arrivals else 0} unrecorded",
                         bool(run.arrivals) and most <= rate.rpm))
    for tp in (t for t in extras if isinstance(t, ThroughputJob) and t.run.config == config):
        run = tp.run
        out.append(Check(config, "job-throughput: items/s ÷ the same run's ceilings", run.label,
                         _throughput_text(tp), None, info=True))
        growth = _steady_growth(run.rss)
        if growth is not None:
            out.append(Check(config, f"job-throughput: RSS of every process within "
                             f"±{RSS_DRIFT:.0%} from the run's middle to its end", run.label,
                             f"{growth:+.1%} (per process below)", abs(growth) <= RSS_DRIFT))
    return out


def checks(measurements: list[Measurement], soak: SoakResult | None,
           extras: Sequence[object] = ()) -> list[Check]:
    table = rows(measurements)
    out: list[Check] = []
    names = configs(measurements) + [c for c in _extra_configs(extras)
                                     if c not in configs(measurements)]
    for config in names:
        for config_checks in CONFIG_CHECKS:
            out.extend(config_checks(table, measurements, config))
        if soak is not None and soak.config == config:
            out.append(_check_soak(soak))
        out.extend([*_hedging_checks(extras, config), *_usage_checks(extras, config),
                    *_job_checks(extras, config)])
    return out


def _extra_configs(extras: Sequence[object]) -> list[str]:
    found = []
    for item in extras:
        if isinstance(item, HedgingRun | UsageRouteRun):
            found.append(item.config)
        elif isinstance(item, RateJob | ThroughputJob):
            found.append(item.run.config)
    return list(dict.fromkeys(found))


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "—"


def _hedging_pairs(extras: Sequence[object]) -> list[tuple[HedgingRun, HedgingRun]]:
    """Each hedged run with the unhedged run of its Turnout start."""
    runs = [r for r in extras if isinstance(r, HedgingRun)]
    return [(run, base) for run in runs if run.hedged for base in runs
            if not base.hedged and (base.config, base.workers) == (run.config, run.workers)]


def _throughput_text(tp: ThroughputJob) -> str:
    run = tp.run
    text = (f"{run.status}: {run.items_per_s:,.0f} items/s ({run.items:,} items, "
            f"{run.completed:,} completed, {run.failed:,} failed)")
    for label, ceiling in (("DIRECT", tp.direct), ("generate", tp.generate)):
        if ceiling is not None and ceiling.result.rps:
            text += (f"; {_ratio(run.items_per_s, ceiling.result.rps)} {label} at "
                     f"{ceiling.connections} conns ({ceiling.result.rps:,.0f} rps)")
    return text + f"; load {run.load_start} → {run.load_end}"


def _steady_growth(rss: list[RssSample]) -> float | None:
    """Total RSS at the end over the sample nearest the middle, minus 1."""
    if len(rss) < 3:
        return None
    middle = min(rss, key=lambda s: abs(s.at_s - rss[-1].at_s / 2))
    return rss[-1].total / middle.total - 1 if middle.total else None


def _verdict(check: Check) -> str:
    if check.info:
        return "info"
    return {True: "PASS", False: "FAIL", None: "n/a"}[check.passed]


HEADER = ("scenario", "target", "workers", "delay", "conns", "RPS", "p50 ms", "p99 ms",
          "RPS ÷ DIRECT", "RPS ÷ REF", "added p50", "added p99", "p50 ÷ REF", "p99 ÷ REF",
          "errors", "other CPU", "Turnout CPU")
RIGHT_FROM = 2  # columns from here on are right-aligned


def _cells(row: Row) -> tuple[str, ...]:
    m, r = row.m, row.m.result
    return (m.kind, m.target, str(m.workers), f"{m.delay_ms} ms", str(m.connections),
            f"{r.rps:,.0f}", f"{r.p50:.2f}", f"{r.p99:.2f}", _fmt(row.of_direct, ".2f"),
            _fmt(row.of_reference, ".2f"), _fmt(row.added(50), "+.2f"),
            _fmt(row.added(99), "+.2f"), _fmt(row.latency_of_reference(50), ".2f"),
            _fmt(row.latency_of_reference(99), ".2f"), str(r.error_count), f"{m.other_cpu:.0%}",
            m.worker_cpu_text + ("" if _valid(m) else " INVALID"))


def _config_title(config: str) -> str:
    return f"{config}: {CONFIG_LABELS.get(config, config)}"


def _text_table(table: list[Row]) -> list[str]:
    cells = [HEADER, *(_cells(r) for r in table)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = ["  ".join(cell.rjust(w) if i >= RIGHT_FROM else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
             for line in cells]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def text_report(measurements: list[Measurement], soak: SoakResult | None,
                notes: list[str], extras: Sequence[object] = ()) -> str:
    table = rows(measurements)
    lines: list[str] = []
    for config in configs(measurements):
        lines += [f"== {_config_title(config)}",
                  *_text_table([r for r in table if r.m.config == config]), ""]
    lines += [*extra_sections(extras), ""]
    lines.append(f"Verdicts ({VERDICTS_OF}):")
    for check in checks(measurements, soak, extras):
        lines.append(f"[{_verdict(check)}] {check.config} "
                     f"{check.target} — {check.name}: {check.measured}")
    lines.extend(["", *notes])
    return "\n".join(lines)


COLUMNS_EXPLAINED = (
    "Every row is one measured run; DIRECT and REFERENCE rows are measured in the same scenario "
    "of the same run, just before Turnout's. `RPS ÷ DIRECT` = the row's requests/s divided by "
    "DIRECT's (the same client straight at the upstream): 1.00 would mean the hop costs no "
    "throughput at all. `RPS ÷ REF` = Turnout's requests/s divided by the reference proxy's: "
    "1.00 means as fast as the minimal proxy, above 1 faster. `added p50` / `added p99` = the "
    "row's latency percentile minus DIRECT's, in ms: what the hop adds to a call. `p50 ÷ REF` / "
    "`p99 ÷ REF` = Turnout's latency percentile divided by the reference proxy's: below 1 means "
    "lower latency than the minimal proxy. In `stream` rows the latencies are times to first "
    "byte (request written → first byte of the response body, i.e. of the first Server-Sent "
    "Event) and RPS is one connection's rate of whole streams. `other CPU` = share of all CPUs "
    "used by processes outside the benchmark during the run; `Turnout CPU` = share of one CPU "
    "used by each Turnout worker process during the run. A row with more than 0.1 % failed or "
    "non-2xx answers is marked INVALID and fails its verdict."
)


def markdown_report(measurements: list[Measurement], soak: SoakResult | None,
                    machine: dict[str, object], command: str, started: str,
                    notes: list[str], extras: Sequence[object] = (),
                    title: str = "Turnout benchmark results") -> str:
    packages = machine.get("packages", {})
    assert isinstance(packages, dict)
    out = [
        f"# {title}",
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
        f"- Load generator: {machine['wrk']}, 1 thread; streams: bench/ttfb.py. Upstream: "
        f"{machine.get('upstream', 'nginx')} with its Lua module, answering canned OpenAI "
        "bodies (bench/upstream_server.lua). The load generator, the upstream, the reference "
        "proxy and Turnout share the same cores.",
    ]
    if measurements:
        out += ["", "## Measurements", "", COLUMNS_EXPLAINED, "",
                "Targets: " + "; ".join(f"`{k}` = {v}" for k, v in TARGET_LABELS.items()) + "."]
    table = rows(measurements)
    for config in configs(measurements):
        out += ["", f"### {_config_title(config)}", "",
                "| " + " | ".join(HEADER) + " |",
                "|" + "|".join("---" if i < RIGHT_FROM else "---:"
                               for i in range(len(HEADER))) + "|"]
        out.extend("| " + " | ".join(_cells(r)) + " |" for r in table if r.m.config == config)
    out += ["", *extra_sections(extras)]
    out += ["", f"## Verdicts ({VERDICTS_OF})", "",
            "| config | target | check | measured | verdict |", "|---|---|---|---|---|"]
    out.extend(f"| {c.config} | {c.target} | {c.name} | {c.measured} | "
               f"**{_verdict(c)}** |" for c in checks(measurements, soak, extras))
    out.extend(_soak_section(soak))
    if notes:
        out.extend(["", "## Notes", "", *(f"- {n}" for n in notes)])
    return "\n".join(out) + "\n"


def _soak_section(soak: SoakResult | None) -> list[str]:
    if soak is None:
        return []
    out = ["", f"## Soak ({soak.config}, {soak.workers} workers, generate, 50 connections, "
           "0 ms upstream)", "", "| t (s) | RSS of the Turnout worker processes (MiB) |",
           "|---:|---:|"]
    out.extend(f"| {at:.0f} | {kib / 1024:.1f} |" for at, kib in soak.samples)
    if soak.result is not None:
        r = soak.result
        out.extend(["", f"Soak load: {r.requests:,} requests, {r.rps:,.0f} rps, p50 "
                    f"{r.p50:.2f} ms, p99 {r.p99:.2f} ms, errors {r.error_count}."])
    return out


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(cells) + " |" for cells in body)]


def _hedging_section(extras: Sequence[object]) -> list[str]:
    runs = [r for r in extras if isinstance(r, HedgingRun)]
    if not runs:
        return []
    bases = {(b.config, b.workers): b for b in runs if not b.hedged}
    body = []
    for run in runs:
        m, base = run.measurement.result, bases.get((run.config, run.workers))
        p99_ratio = cpr_ratio = "—"
        if base is not None and run.hedged:
            p99_ratio = _ratio(m.p99, base.measurement.result.p99)
            cpr_ratio = _ratio(run.calls_per_request, base.calls_per_request)
        body.append((run.config, str(run.workers), run.measurement.target, f"{m.rps:,.0f}",
                     f"{m.p50:,.1f}", f"{m.p99:,.1f}", f"{run.calls_per_request:.3f}",
                     f"{run.primary_calls:,} / {run.fallback_calls:,}", p99_ratio, cpr_ratio,
                     str(m.error_count), f"{run.measurement.other_cpu:.0%}", run.load))
    return ["## Hedging", "",
            f"generate routed to a primary whose upstream lane answers in {BASE_DELAY_MS} ms, "
            f"{TAIL_RATE:.0%} of its answers {TAIL_MS:,} ms later; fallback on a lane answering "
            f"in {BASE_DELAY_MS} ms; {CONNECTIONS} connections; the primary's hedging off "
            f"(`{UNHEDGED}`) and on (its default delay, from its observed p95). Upstream calls "
            "are counted by the upstream. `÷ unhedged` = the hedged figure over the unhedged "
            "run's of the same benchmark run: the p99 cut, and the extra upstream load.", "",
            *_table(("config", "workers", "run", "RPS", "p50 ms", "p99 ms", "calls/request",
                     "primary / fallback calls", "p99 ÷ unhedged", "calls/request ÷ unhedged",
                     "errors", "other CPU", "load average"), body), ""]


def _usage_section(extras: Sequence[object]) -> list[str]:
    runs = [r for r in extras if isinstance(r, UsageRouteRun)]
    if not runs:
        return []
    first: dict[tuple[str, int], UsageRouteRun] = {}
    for run in runs:
        first.setdefault((run.config, run.days), run)
    body = [(r.config, f"{r.rows_total:,}", f"{r.days} d", f"{r.rows_in_window:,}",
             f"{r.first_s * 1000:,.0f}", f"{r.median_s * 1000:,.0f}",
             _ratio(r.median_s, first[(r.config, r.days)].median_s), r.load) for r in runs]
    return ["## Usage report", "",
            "GET /api/v1/llm/usage (totals and breakdowns by provider, model and day, "
            "percentiles of latency) over the benchmark tenant's usage rows, written straight "
            "into Turnout's database in steps and spread over 30 days; each window timed "
            f"{len(runs[0].seconds)} times in a row (`first` with cold caches). `÷ first step` "
            "= the median over the median at the smallest row count of the same window.", "",
            *_table(("config", "rows in the table", "window", "rows in the window", "first ms",
                     "median ms", "÷ first step", "load average"), body), ""]


def _kib(kib: int | None) -> str:
    return "—" if kib is None else f"{kib / 1024:,.0f}"


def _jobs_section(extras: Sequence[object]) -> list[str]:
    rates = [r for r in extras if isinstance(r, RateJob)]
    tps = [t for t in extras if isinstance(t, ThroughputJob)]
    out: list[str] = []
    body: list[tuple[str, ...]] = []
    if rates:
        for rate in rates:
            run = rate.run
            most, _ = rate.most_in_window()
            steady = rate.steady_rpm()
            first = rate.first_arrival_s()
            body.append((run.config, run.label, f"{run.items:,}", f"{rate.delay_ms} ms",
                         f"{rate.rpm}", f"{run.submit_s:.1f}",
                         "—" if first is None else f"{first:.2f}", f"{run.wall_s:.1f}",
                         f"{rate.bound_s:.0f}", f"{rate.ratio:.3f}", f"{run.upstream_count:,}",
                         str(most), "—" if steady is None else f"{steady:.0f}",
                         f"{run.status} ({run.completed:,} ok, {run.failed:,} failed)",
                         f"{run.load_start} → {run.load_end}"))
        out += ["## Jobs: rate-limited (job-rate)", "",
                "A job of generate requests through a provider limited to `rpm`, its job share "
                "1 (TURNOUT_JOB_LIMIT_SHARE=1), the upstream answering after `delay`. `bound` = "
                "items ÷ rpm minutes, the job at exactly the limit; `wall` = POST sent → the "
                "job's finished_at; `wall ÷ bound` within 1 ± 0.05 is the target. Arrivals are "
                "counted by the upstream: `most in 60 s` is the most in any 60 s window (above "
                "rpm would break the limit), `steady/min` the rate between the first and last "
                "10 s slices, `first arrival s` = POST sent → the first request at the "
                "upstream.", "",
                *_table(("config", "runner", "items", "delay", "rpm", "submit s",
                         "first arrival s", "wall s", "bound s", "wall ÷ bound",
                         "upstream arrivals", "most in 60 s", "steady/min", "status",
                         "load average"), body), "",
                "Upstream arrivals per 10 s slice from the first one:", "",
                *(f"- {r.run.config} ({r.run.label}): "
                  + " ".join(str(count) for _, count in r.slices()) for r in rates), ""]
    if tps:
        body = []
        rss_body: list[tuple[str, ...]] = []
        for tp in tps:
            run = tp.run
            ceilings = []
            for ceiling in (tp.direct, tp.generate):
                ceilings += ["—", "—"] if ceiling is None or not ceiling.result.rps else [
                    f"{ceiling.result.rps:,.0f} (c{ceiling.connections})",
                    _ratio(run.items_per_s, ceiling.result.rps)]
            body.append((run.config, run.label, f"{run.items:,}", f"{run.submit_s:.1f}",
                         f"{run.running_s:.1f}", f"{run.wall_s:.1f}", f"{run.items_per_s:,.0f}",
                         *ceilings, f"{run.upstream_count:,}",
                         f"{run.status} ({run.completed:,} ok, {run.failed:,} failed)",
                         f"{run.load_start} → {run.load_end}"))
            points = run.rss_points() or {}
            for name in run.rss_before_kib | (run.rss[0].kib if run.rss else {}):
                values = [run.rss_before_kib.get(name)] + [
                    points[p].kib.get(name) if p in points else None
                    for p in ("start", "middle", "end", "max")]
                start, end = values[1], values[3]
                change = "—" if not start or end is None else f"{end / start - 1:+.1%}"
                rss_body.append((run.config, run.label, name, *map(_kib, values), change))
        out += ["## Jobs: throughput (job-throughput)", "",
                "A JSONL job of generate requests at 0 ms upstream, every prompt different "
                "(temperature 0.7: nothing from the cache). `submit` = the upload answered (the "
                "job stored); `running` = the job's started_at → finished_at; items/s = items ÷ "
                "running. Ceilings measured in the same run just before the job, at the job's "
                "concurrency: DIRECT (wrk straight at the upstream) and Turnout's own generate "
                "route; `÷` = items/s over their requests/s.", "",
                *_table(("config", "runner", "items", "submit s", "running s", "wall s",
                         "items/s", "DIRECT rps", "÷ DIRECT", "generate rps", "÷ generate",
                         "upstream arrivals", "status", "load average"), body), "",
                "RSS per Turnout process (MiB; serve's worker processes summed), sampled every "
                "2 s over the run: before the POST, the first sample, the one nearest the "
                "middle, the last, the largest; `change` = last ÷ first − 1.", "",
                *_table(("config", "runner", "process", "before", "start", "middle", "end",
                         "max", "change"), rss_body), "",
                "RSS over the run (MiB per process, every tenth of the run; t = seconds since "
                "the POST):", "",
                *_table(("config", "runner", "t s", "per process", "total"), [
                    (tp.run.config, tp.run.label, f"{sample.at_s:.0f}",
                     " · ".join(f"{name} {_kib(kib)}" for name, kib in sample.kib.items()),
                     _kib(sample.total))
                    for tp in tps for sample in tp.run.rss_timeline()]), ""]
    return out


def extra_sections(extras: Sequence[object]) -> list[str]:
    """The hedging, usage-report and job sections, for what ran."""
    return [*_hedging_section(extras), *_usage_section(extras), *_jobs_section(extras)]


def append_results(markdown: str, path: Path = RESULTS_PATH) -> None:
    """Add a partial run's report at the end of RESULTS.md, its headings one level down."""
    shifted = "\n".join("#" + line if line.startswith("#") else line
                        for line in markdown.splitlines())
    current = path.read_text() if path.exists() else ""
    path.write_text(current.rstrip("\n") + "\n\n" + shifted.rstrip("\n") + "\n")


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
