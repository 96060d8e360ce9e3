"""Serving processes: a short interpreter-lock switch interval, start-up objects frozen."""

from __future__ import annotations

import gc
import sys

from turnout.serving import SWITCH_INTERVAL_S, tune_for_serving


def test_tuning_sets_the_switch_interval_and_freezes_start_up_objects() -> None:
    interval = sys.getswitchinterval()
    try:
        tune_for_serving()
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        assert gc.get_freeze_count() > 0
    finally:
        sys.setswitchinterval(interval)
        gc.unfreeze()
