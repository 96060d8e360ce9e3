"""Shared runtime state: response cache, rate limits, change events and leader locks.

Each concern is a small Protocol with an in-process implementation (one replica, the default)
and a Redis one (any number of replicas, when ``TURNOUT_REDIS_URL`` is set). ``create_state``
picks the kind once; the app creates it in its lifespan and injects it.
"""

from turnout.state.cache import ResponseCache
from turnout.state.events import Event, EventBus, Subscription
from turnout.state.factory import StateBackends, create_state
from turnout.state.locks import LeaderLock
from turnout.state.ratelimit import RateDecision, RateLimiter

__all__ = [
    "Event",
    "EventBus",
    "LeaderLock",
    "RateDecision",
    "RateLimiter",
    "ResponseCache",
    "StateBackends",
    "Subscription",
    "create_state",
]
