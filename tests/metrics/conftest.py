from tests.health.conftest import paused_monitor

__all__ = ["paused_monitor"]
