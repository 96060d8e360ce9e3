"""Property 14: health check scheduling — every enabled provider is checked once per interval,
rounds start on a fixed grid without overlapping or drifting, and only one replica leads."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.health.conftest import FakeAlerts, FakeStore, FakeTime
from turnout.health import HealthMonitor, HealthPolicy, HealthTracker, ProviderRef
from turnout.health.schedule import next_tick, run_every
from turnout.providers import HealthResult
from turnout.state.locks import MemoryLeaderLock

provider_sets = st.lists(
    st.tuples(st.booleans(), st.booleans()),  # (enabled, check succeeds)
    max_size=12,
)


def build_monitor(time: FakeTime, store: FakeStore, check, *, interval_s: float,
                  lock: MemoryLeaderLock | None = None, sleep=None):
    return HealthMonitor(
        tracker=HealthTracker(HealthPolicy()), store=store, check=check,
        locks=lock or MemoryLeaderLock(clock=time.clock), events=None, alerts=FakeAlerts(),
        interval_s=interval_s, clock=time.clock, sleep=sleep or time.sleep, now=time.utc,
    )


@settings(max_examples=150, deadline=None)
@given(
    providers=provider_sets,
    interval_s=st.sampled_from([0.5, 1.0, 60.0]),
    durations=st.lists(st.floats(0, 2.5), min_size=1, max_size=8),  # in intervals
)
async def test_property_14_health_check_scheduling(providers, interval_s, durations):
    time = FakeTime()
    refs = [ProviderRef(f"p{i}", f"t{i % 3}", f"n{i}", "openai", enabled)
            for i, (enabled, _) in enumerate(providers)]
    healthy = {ref.id: ok for ref, (_, ok) in zip(refs, providers, strict=True)}
    starts: list[float] = []
    ends: list[float] = []
    checked: list[list[str]] = []
    done = asyncio.Event()

    def round_started() -> None:
        starts.append(time.now)
        checked.append([])
        time.now += durations[len(starts) - 1] * interval_s  # the round takes this long
        ends.append(time.now)

    async def check(ref: ProviderRef) -> HealthResult:
        checked[-1].append(ref.id)
        return HealthResult(healthy[ref.id], 5.0)

    async def sleep(seconds: float) -> None:
        if len(starts) == len(durations):
            done.set()
            await asyncio.Event().wait()
        await FakeTime.sleep(time, seconds)

    store = FakeStore(refs=refs, on_enabled=round_started)
    monitor = build_monitor(time, store, check, interval_s=interval_s, sleep=sleep)
    await monitor.start()
    await asyncio.wait_for(done.wait(), 30)
    await monitor.close()

    first = starts[0]
    for k, (start, checks) in enumerate(zip(starts, checked, strict=True)):
        # Every enabled provider exactly once per round, disabled ones never.
        assert sorted(checks) == sorted(ref.id for ref in refs if ref.enabled)
        # Rounds start on the grid first + n·interval …
        ticks = (start - first) / interval_s
        assert math.isclose(ticks, round(ticks), abs_tol=1e-6)
        if k:
            # … at the first tick not before the previous round ended: no overlap, no burst,
            # and exactly one interval apart whenever a round fits in its interval.
            assert start >= ends[k - 1] - 1e-9
            assert start - interval_s < max(ends[k - 1], starts[k - 1]) + 1e-9
            if durations[k - 1] <= 1:
                assert math.isclose(start - starts[k - 1], interval_s)
    # What was checked is stored, and the stored status is what the tracker holds.
    for ref in refs:
        stored = store.rows.get(ref.id)
        if not ref.enabled:
            assert stored is None
        else:
            assert stored == monitor.tracker.state(ref.id)
            assert stored.status == ("healthy" if healthy[ref.id] else (
                "unhealthy" if len(starts) >= 3 else "degraded"))


@given(
    previous=st.floats(0, 1e6), interval_s=st.floats(0.01, 3600), late_by=st.floats(0, 10)
)
def test_next_tick_is_the_first_grid_point_not_in_the_past(previous, interval_s, late_by):
    now = previous + late_by * interval_s
    tick = next_tick(previous, now, interval_s)
    steps = (tick - previous) / interval_s
    assert math.isclose(steps, round(steps), rel_tol=1e-9, abs_tol=1e-6)
    assert round(steps) >= 1
    assert tick >= now - 1e-6 * max(1.0, interval_s)
    assert round(steps) == 1 or tick - interval_s < now + 1e-6 * max(1.0, interval_s)


async def test_a_failing_round_does_not_end_the_schedule():
    time = FakeTime()
    calls = 0
    done = asyncio.Event()

    async def job() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            done.set()
        if calls == 1:
            raise RuntimeError("database down")

    task = asyncio.create_task(run_every(10.0, job, clock=time.clock, sleep=time.sleep))
    await asyncio.wait_for(done.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls >= 3


async def test_only_the_replica_holding_the_lock_runs_a_round():
    time = FakeTime()
    refs = [ProviderRef("p1", "t1", "a", "openai"), ProviderRef("p2", "t1", "b", "qwen")]
    store = FakeStore(refs=refs)
    checks: list[str] = []

    def checker(replica: str):
        async def check(ref: ProviderRef) -> HealthResult:
            checks.append(replica)
            return HealthResult(True, 3.0)
        return check

    lock = MemoryLeaderLock(clock=time.clock)
    first = build_monitor(time, store, checker("first"), interval_s=1.0, lock=lock)
    second = build_monitor(time, store, checker("second"), interval_s=1.0, lock=lock.sibling())
    for _ in range(3):
        await first.tick()
        await second.tick()
        time.now += 1.0
    assert checks == ["first"] * 6
    # Both replicas see the same status: the follower reads what the leader stored.
    assert second.tracker.state("p1").status == first.tracker.state("p1").status == "healthy"
    # A leader that stops hands over at once.
    await first.close()
    await second.tick()
    assert checks[-2:] == ["second", "second"]


async def test_stopping_mid_round_lets_the_database_write_finish():
    time = FakeTime()
    saving, release = asyncio.Event(), asyncio.Event()

    class SlowStore(FakeStore):
        async def save(self, writes):
            saving.set()
            await release.wait()
            return await super().save(writes)

    store = SlowStore(refs=[ProviderRef("p1", "t1", "a", "openai")])

    async def check(ref: ProviderRef) -> HealthResult:
        return HealthResult(True, 1.0)

    monitor = build_monitor(time, store, check, interval_s=60.0)
    await monitor.start()
    await asyncio.wait_for(saving.wait(), 30)
    closing = asyncio.create_task(monitor.close())
    await asyncio.sleep(0.01)
    assert not closing.done()  # waiting for the write, not cutting it short
    release.set()
    await asyncio.wait_for(closing, 30)
    assert store.rows["p1"].status == "healthy"
