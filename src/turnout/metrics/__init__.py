"""Prometheus metrics of the gateway, provider health and jobs (all named `turnout_*`).

The gateway hooks live in `metrics.observer` and `metrics.limits`; this package itself stays
light, so a worker process can record metrics without loading the whole gateway.
"""

from turnout.metrics.labels import ModelLabels
from turnout.metrics.registry import CONTENT_TYPE, GatewayMetrics, circuit_counts, multiprocess

__all__ = ["CONTENT_TYPE", "GatewayMetrics", "ModelLabels", "circuit_counts", "multiprocess"]
