"""With PROMETHEUS_MULTIPROC_DIR set (as `turnout serve --workers N` does), every worker's
counts add up in whichever worker answers /metrics, and a worker that stopped leaves none of
its live gauges behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

WORKER = """
import sys
from turnout.metrics import GatewayMetrics, multiprocess

metrics = GatewayMetrics()
assert multiprocess()
if sys.argv[1] == "serve":
    metrics.requests("openai", "gpt-4.1-mini", "ok").inc()
    metrics.usage_rows_pending.inc()
    if sys.argv[2] == "stop":
        metrics.close()
else:
    sys.stdout.write(metrics.render().decode())
"""


def run(directory: Path, *args: str) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *args], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_workers_counts_are_summed_and_stopped_workers_gauges_dropped(tmp_path):
    run(tmp_path, "serve", "stop")
    run(tmp_path, "serve", "keep")
    text = run(tmp_path, "render")
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }
    ok = (("model", "gpt-4.1-mini"), ("provider_type", "openai"), ("status", "ok"))
    assert found[("turnout_requests_total", ok)] == 2
    assert found[("turnout_usage_rows_pending", ())] == 1
