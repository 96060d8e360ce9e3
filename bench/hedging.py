"""Hedged attempts against a provider with a slow tail: p99 and upstream calls, hedged or not.

Two upstream lanes record every arrival: `hedgeprimary` answers after BASE_DELAY_MS, except a
share TAIL_RATE of its requests that take TAIL_MS longer (the lane's hang, which then answers
normally); `hedgefallback` always answers after BASE_DELAY_MS. generate requests name a primary
provider on the first lane, and the tenant's routing lets them fall back (and hedge) to a
provider on the second: once to a primary with hedging off (`hedging: false`), once to one with
it on (the default delay, derived from the primary's observed p95 between 250 ms and 5 s). Each
run: CONNECTIONS clients for at least MIN_RUN_S after a warm-up from which the primary's latency
is learnt.

The providers and the routing are made by `prepare`, right after Turnout is configured and
before any request reaches it, and never changed afterwards: with the embedded configuration
each serving process keeps its own copy of the routing, and a change made through one of them
is not seen by the others (their change notices are in-process). The benchmark's own provider,
the active one, has hedging off, so the load scenarios never hedge to this fallback.

Reported per run: requests/s, p50, p99, and upstream calls per answered request, counted by the
upstream. The hedged run is read against the unhedged one of the same run: p99 hedged ÷
unhedged (the tail cut) and calls per request hedged ÷ unhedged (the extra upstream load).
Requests still in flight when wrk stops are not counted as answered but their calls are, a few
in a few thousand.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bench.scenarios import PROMPT, TEMPERATURE, Measurement, Runner, Subject, load_average
from bench.setup import TurnoutSetup, add_provider, expect
from bench.upstream import configure_lane, lane_url, reset_upstream, take_arrivals
from bench.wrk import Load

HEDGING = "hedging"  # the scenario's name and its rows' kind
UNHEDGED, HEDGED = "unhedged", "hedged"  # the rows' targets
PRIMARY_LANE, FALLBACK_LANE = "hedgeprimary", "hedgefallback"
BASE_DELAY_MS = 20
TAIL_RATE, TAIL_MS = 0.02, 2000
CONNECTIONS = 20
MIN_RUN_S, MIN_WARMUP_S = 10.0, 3.0
SETTLE_S = TAIL_MS / 1000 + 1.0  # after a run, for the calls of requests still in flight


@dataclass
class HedgingRun:
    config: str
    workers: int
    measurement: Measurement  # target UNHEDGED or HEDGED
    primary_calls: int  # arrivals at the primary's lane during the run
    fallback_calls: int  # ... and at the fallback's
    dropped: int  # arrivals the upstream could not record (its store was full)
    load: str  # load averages when the run ended

    @property
    def hedged(self) -> bool:
        return self.measurement.target == HEDGED

    @property
    def calls_per_request(self) -> float:
        """Upstream calls per answered request (1.00: no call beyond the one needed)."""
        answered = self.measurement.result.requests
        return (self.primary_calls + self.fallback_calls) / answered if answered else 0.0


@dataclass(frozen=True)
class HedgingSetup:
    primaries: dict[str, str]  # UNHEDGED / HEDGED → the primary provider's id
    fallback: str


def prepare(setup: TurnoutSetup, upstream_url: str) -> HedgingSetup:
    """The primaries and the fallback, and routing that lets a named primary fall back."""

    def provider(name: str, lane: str, hedging: bool) -> str:
        return add_provider(setup.base_url, setup.admin_token, name=name,
                            provider_base_url=lane_url(upstream_url, lane), activate=False,
                            options={"hedging": hedging})

    fallback = provider("bench-hedge-fallback", FALLBACK_LANE, hedging=True)
    primaries = {UNHEDGED: provider("bench-hedge-off", PRIMARY_LANE, False),
                 HEDGED: provider("bench-hedge-on", PRIMARY_LANE, True)}
    expect("PUT", f"{setup.base_url}/api/v1/llm/routing", {
        "active_provider_id": setup.provider_id, "fallback_provider_ids": [fallback],
        "fallback_for_pinned": True}, setup.admin_token, ok=(200,))
    return HedgingSetup(primaries, fallback)


def _load(setup: TurnoutSetup, provider_id: str) -> Load:
    body = {"messages": PROMPT, "provider_id": provider_id,
            "options": {"temperature": TEMPERATURE}}
    return Load(f"{setup.base_url}/api/v1/llm/generate", "POST",
                json.dumps(body, separators=(",", ":")), setup.api_key)


def _forget_arrivals(upstream_url: str) -> None:
    time.sleep(SETTLE_S)
    for lane in (PRIMARY_LANE, FALLBACK_LANE):
        take_arrivals(upstream_url, lane)


def _run(runner: Runner, subject: Subject, target: str, load: Load) -> HedgingRun:
    """Warm up, forget the warm-up's calls, measure, count the run's calls."""
    upstream = subject.upstream_url
    runner.wrk.run(load, CONNECTIONS, max(runner.warmup_s, MIN_WARMUP_S))
    _forget_arrivals(upstream)
    warmup, duration = runner.warmup_s, runner.duration_s
    runner.warmup_s, runner.duration_s = 0.0, max(duration, MIN_RUN_S)
    try:
        m = runner.measure(subject, HEDGING, target, runner.wrk_run(load, CONNECTIONS),
                           BASE_DELAY_MS, CONNECTIONS)
    finally:
        runner.warmup_s, runner.duration_s = warmup, duration
    ended_load = load_average()
    time.sleep(SETTLE_S)
    primary, fallback = (take_arrivals(upstream, lane) for lane in (PRIMARY_LANE, FALLBACK_LANE))
    run = HedgingRun(subject.config, subject.workers, m, len(primary.times),
                     len(fallback.times), primary.dropped + fallback.dropped, ended_load)
    runner.log(f"  {HEDGING} {target}: {run.calls_per_request:.3f} upstream calls per request "
               f"(primary {run.primary_calls:,}, fallback {run.fallback_calls:,}); load "
               f"{ended_load}")
    return run


def hedging(runner: Runner, subject: Subject) -> None:
    """The primary with a slow tail, unhedged then hedged (providers made by `prepare`)."""
    prepared = subject.prepared.get(HEDGING)
    if not isinstance(prepared, HedgingSetup):
        runner.note(f"{HEDGING} {subject.config}: its providers were not prepared; not run")
        return
    upstream = subject.upstream_url
    configure_lane(upstream, PRIMARY_LANE, delay_ms=BASE_DELAY_MS, hang_rate=TAIL_RATE,
                   hang_ms=TAIL_MS, record=True)
    configure_lane(upstream, FALLBACK_LANE, delay_ms=BASE_DELAY_MS, record=True)
    try:
        runner.log(f"{HEDGING} {subject.config}: primary {BASE_DELAY_MS} ms with "
                   f"{TAIL_RATE:.0%} taking +{TAIL_MS} ms, fallback {BASE_DELAY_MS} ms, "
                   f"{CONNECTIONS} connections")
        for target, primary in prepared.primaries.items():
            load = _load(subject.setup, primary)
            runner.results.append(_run(runner, subject, target, load))
    finally:
        for lane in (PRIMARY_LANE, FALLBACK_LANE):
            reset_upstream(upstream, lane)
            take_arrivals(upstream, lane)
