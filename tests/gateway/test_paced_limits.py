"""Batch work is paced: its share of a provider's rpm arrives evenly, not at a minute's start."""

from __future__ import annotations

from turnout.configs.runtime import LiveProvider
from turnout.gateway.limits import Limits
from turnout.state.ratelimit import MemoryRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def provider(rpm: int) -> LiveProvider:
    return LiveProvider(id="p1", tenant_id="t1", name="main", provider_type="openai",
                        enabled=True, options={"rpm": rpm}, adapter=None)  # type: ignore[arg-type]


async def allowed_at_once(limits: Limits, live: LiveProvider, **how: object) -> int:
    count = 0
    while await limits.check_provider(live, 1, **how) is None:  # type: ignore[arg-type]
        count += 1
    return count


async def test_an_unpaced_caller_may_spend_the_minute_at_once():
    limits = Limits(MemoryRateLimiter(clock=Clock()))
    assert await allowed_at_once(limits, provider(600)) == 600


async def test_paced_work_gets_its_share_a_few_seconds_at_a_time():
    clock = Clock()
    limits = Limits(MemoryRateLimiter(clock=clock))
    live = provider(600)
    assert await allowed_at_once(limits, live, share=0.8, paced=True) == 24  # 480 rpm × 3 s
    refused = await limits.check_provider(live, 1, share=0.8, paced=True)
    assert refused is not None and 0 < refused.retry_after_s <= 3.15
    clock.now += refused.retry_after_s
    assert await limits.check_provider(live, 1, share=0.8, paced=True) is None
    # Interactive requests are not paced: the rest of the minute is theirs.
    assert await allowed_at_once(limits, live) == 600 - 25


async def test_over_a_minute_paced_work_stays_near_its_share_and_never_over_it():
    clock = Clock()
    limits = Limits(MemoryRateLimiter(clock=clock))
    live = provider(600)
    sent = 0
    while clock.now < 1060.0:
        refused = await limits.check_provider(live, 1, share=0.8, paced=True)
        if refused is None:
            sent += 1
        else:
            clock.now += refused.retry_after_s
    assert 0.95 * 480 <= sent <= 480


async def test_a_paced_job_gets_its_whole_share_minute_after_minute_and_never_more():
    """Ten minutes of paced requests at 600 rpm, each asked again when its refusal says: at
    least 99 % of 6,000 are granted, the first 1,000 within 100 s (the job at exactly the
    limit), and no 60 s window holds more than 600."""
    clock = Clock()
    limits = Limits(MemoryRateLimiter(clock=clock))
    live = provider(600)
    granted: list[float] = []
    while clock.now < 1600.0:
        refused = await limits.check_provider(live, 1, paced=True)
        if refused is None:
            granted.append(clock.now - 1000.0)
        else:
            clock.now += refused.retry_after_s
    assert len(granted) >= 0.99 * 6000
    assert granted[999] < 100.0
    assert max(sum(1 for other in granted if at <= other < at + 60) for at in granted) <= 600
