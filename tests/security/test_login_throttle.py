"""The login throttle: `max` failures per username and per address, then refusal until the
oldest failures leave the window; successes cost nothing. In process and on Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.errors import LoginThrottled
from turnout.security.login_throttle import LoginLimits, LoginThrottle
from turnout.state.factory import redis_client
from turnout.state.ratelimit import MemoryRateLimiter, RedisRateLimiter

LIMITS = LoginLimits(per_user=4, per_address=6, window_s=60.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def limiter_and_clock(request, redis_url) -> AsyncIterator[tuple[object, Clock]]:
    clock = Clock()
    if request.param == "memory":
        yield MemoryRateLimiter(clock=clock), clock
        return
    if redis_url is None:
        pytest.skip("needs Redis (TURNOUT_TEST_REDIS_URL)")
    client = redis_client(redis_url)
    namespace = f"turnout-test-login-{secrets.token_hex(4)}"
    yield RedisRateLimiter(client, namespace=namespace, clock=clock), clock
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def fail(throttle: LoginThrottle, username: str, address: str) -> None:
    await throttle.check(username=username, address=address)
    await throttle.failed(username=username, address=address)


async def test_a_username_is_refused_after_its_failures_until_the_window_passes(
    limiter_and_clock,
):
    limiter, clock = limiter_and_clock
    throttle = LoginThrottle(limiter, LIMITS)
    for n in range(LIMITS.per_user):
        await fail(throttle, "ann", f"10.0.0.{n}")  # a new address each time
    with pytest.raises(LoginThrottled) as refused:
        await throttle.check(username="ann", address="10.9.9.9")
    assert 0 < refused.value.retry_after_s <= LIMITS.window_s * 1.05
    await throttle.check(username="bob", address="10.9.9.9")  # others are not affected
    clock.now += refused.value.retry_after_s
    await throttle.check(username="ann", address="10.9.9.9")


async def test_an_address_is_refused_after_its_failures_across_usernames(limiter_and_clock):
    limiter, _ = limiter_and_clock
    throttle = LoginThrottle(limiter, LIMITS)
    for n in range(LIMITS.per_address):
        await fail(throttle, f"user-{n}", "192.0.2.7")
    with pytest.raises(LoginThrottled):
        await throttle.check(username="someone-new", address="192.0.2.7")
    await throttle.check(username="someone-new", address="192.0.2.8")


@settings(max_examples=100, deadline=None)
@given(outcomes=st.lists(st.booleans(), max_size=3 * LIMITS.per_user))
async def test_only_failures_count_and_a_throttled_attempt_is_never_verified(outcomes):
    """Within one window: attempts are admitted (and verified) until `per_user` of them have
    failed, whatever number of successes came between; after that, every attempt is refused."""
    throttle = LoginThrottle(MemoryRateLimiter(clock=Clock()), LIMITS)
    failures = 0
    for succeeds in outcomes:
        address = f"198.51.100.{secrets.randbelow(200)}"
        try:
            await throttle.check(username="ann", address=address)
        except LoginThrottled:
            assert failures == LIMITS.per_user
            continue
        assert failures < LIMITS.per_user
        if not succeeds:
            failures += 1
            await throttle.failed(username="ann", address=address)
