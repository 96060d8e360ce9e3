"""POST one JSON payload to a webhook, retrying transient failures with exponential backoff."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger("turnout.alerts")
# Worth another try: the receiver is overloaded, restarting or throttling us.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
HEADERS = {"Content-Type": "application/json", "User-Agent": "turnout-alerts/1"}


@dataclass(frozen=True, slots=True)
class RetryPlan:
    attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    timeout_s: float = 5.0

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Full jitter over base·2^(attempt−1), capped."""
        return rng.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


async def deliver(
    http: aiohttp.ClientSession,
    url: str,
    body: bytes,
    plan: RetryPlan,
    *,
    rng: random.Random,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> bool:
    """Whether the receiver accepted `body` (a 2xx) within the plan's attempts."""
    host = urlsplit(url).hostname
    timeout = aiohttp.ClientTimeout(total=plan.timeout_s)
    for attempt in range(1, plan.attempts + 1):
        try:
            # Redirects are not followed: the outbound guard approved this URL, not another.
            async with http.post(
                url, data=body, headers=HEADERS, timeout=timeout, allow_redirects=False
            ) as response:
                if 200 <= response.status < 300:
                    return True
                problem = f"HTTP {response.status}"
                if response.status not in RETRYABLE_STATUSES:
                    log.warning("alert webhook on %s refused the alert: %s", host, problem)
                    return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            problem = type(exc).__name__
        log.info("alert webhook on %s failed (attempt %d): %s", host, attempt, problem)
        if attempt < plan.attempts:
            await sleep(plan.delay_s(attempt, rng))
    log.warning("alert webhook on %s gave up after %d attempts", host, plan.attempts)
    return False
