"""Provider health: scheduled checks and live traffic, shared status, alerts on transitions."""

from turnout.health.factory import create_health_monitor
from turnout.health.monitor import HealthMonitor
from turnout.health.observer import HealthObserver
from turnout.health.status import STATUSES, HealthPolicy, HealthState, HealthStatus, Outcome
from turnout.health.tracker import HealthTracker, ProviderRef, Transition

__all__ = [
    "STATUSES",
    "HealthMonitor",
    "HealthObserver",
    "HealthPolicy",
    "HealthState",
    "HealthStatus",
    "HealthTracker",
    "Outcome",
    "ProviderRef",
    "Transition",
    "create_health_monitor",
]
