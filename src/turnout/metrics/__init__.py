"""Prometheus metrics of the gateway, provider health and jobs (all named `turnout_*`)."""

from turnout.metrics.labels import ModelLabels
from turnout.metrics.limits import MeteredLimits
from turnout.metrics.observer import MetricsObserver, ObserverGroup
from turnout.metrics.registry import CONTENT_TYPE, GatewayMetrics, circuit_counts, multiprocess

__all__ = [
    "CONTENT_TYPE",
    "GatewayMetrics",
    "MeteredLimits",
    "MetricsObserver",
    "ModelLabels",
    "ObserverGroup",
    "circuit_counts",
    "multiprocess",
]
