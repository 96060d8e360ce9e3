"""Every `turnout_*` metric, on a registry of the app's own (several apps share a test process).

Labels are bounded: provider *type* (a catalog key), model names through `ModelLabels`,
and small fixed vocabularies — never tenant, user, key or provider ids, nor any prompt text.
With several worker processes (PROMETHEUS_MULTIPROC_DIR set before start, as `turnout serve
--workers N` does) values live in that directory and `render()` sums every worker's.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from turnout.metrics.buffer import MetricBuffer
from turnout.metrics.labels import ModelLabels

if TYPE_CHECKING:
    from turnout.jobs.stats import JobStats

CONTENT_TYPE = CONTENT_TYPE_LATEST
REQUEST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
OVERHEAD_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
CHECK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30)

M = TypeVar("M", Counter, Gauge, Histogram)
Labels = TypeVar("Labels", bound=tuple[str, ...])


def multiprocess() -> bool:
    """Whether prometheus-client chose multi-process values (decided when it was imported)."""
    return values.ValueClass is not values.MutexValue


class Children(Generic[M]):
    """A metric's label children, made once: `labels()` validates and locks on every call."""

    __slots__ = ("_made", "_metric")
    _metric: M
    _made: dict[tuple[str, ...], M]

    def __init__(self, metric: M) -> None:
        self._metric = metric
        self._made = {}

    def __call__(self, *label_values: str) -> M:
        child = self._made.get(label_values)
        if child is None:
            child = self._made[label_values] = self._metric.labels(*label_values)
        return child


class HealthCounts(Protocol):
    def counts(self) -> Mapping[tuple[str, str], int]: ...


class CircuitSnapshots(Protocol):
    def snapshot(self) -> Mapping[str, Any]: ...


class ProviderTypeOf(Protocol):
    def __call__(self, provider_id: str) -> str | None: ...


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = r = registry or CollectorRegistry()
        self.models = ModelLabels()
        self.buffer = MetricBuffer()
        self.requests = Children(
            Counter(
                "turnout_requests",
                "Gateway requests by provider type, model and outcome",
                ["provider_type", "model", "status"],
                registry=r,
            )
        )
        self.request_seconds = Children(
            Histogram(
                "turnout_request_duration_seconds",
                "Whole request latency, all attempts included",
                ["provider_type", "status"],
                buckets=REQUEST_BUCKETS,
                registry=r,
            )
        )
        self.upstream_seconds = Children(
            Histogram(
                "turnout_upstream_duration_seconds",
                "Latency of each upstream attempt",
                ["provider_type", "outcome"],
                buckets=REQUEST_BUCKETS,
                registry=r,
            )
        )
        self.overhead_seconds = Children(
            Histogram(
                "turnout_gateway_overhead_seconds",
                "Time a served request spent in the gateway, not upstream (total − attempts)",
                ["provider_type"],
                buckets=OVERHEAD_BUCKETS,
                registry=r,
            )
        )
        self.tokens = Children(
            Counter(
                "turnout_tokens",
                "Tokens by provider type, model and kind (prompt, completion)",
                ["provider_type", "model", "kind"],
                registry=r,
            )
        )
        self.cost = Children(
            Counter(
                "turnout_cost",
                "Cost of served requests, in the price book's currency",
                ["provider_type", "model"],
                registry=r,
            )
        )
        self.cache = Children(
            Counter(
                "turnout_cache_lookups",
                "Response cache lookups of cacheable requests (hit, miss)",
                ["provider_type", "result"],
                registry=r,
            )
        )
        self.rate_limited = Children(
            Counter(
                "turnout_rate_limited",
                "Requests held back by our own limits (api_key, provider, job: paced batch work)",
                ["scope", "provider_type"],
                registry=r,
            )
        )
        self.retries = Children(
            Counter(
                "turnout_retries",
                "Attempts repeated on the same provider",
                ["provider_type"],
                registry=r,
            )
        )
        self.failovers = Children(
            Counter(
                "turnout_failovers",
                "Requests moved on from a failing provider (labelled by it)",
                ["provider_type"],
                registry=r,
            )
        )
        self.hedges_cancelled = Children(
            Counter(
                "turnout_hedges_cancelled",
                "Attempts cancelled because a hedged attempt on another provider answered first",
                ["provider_type"],
                registry=r,
            )
        )
        self._define_health(r)
        self._define_jobs(r)
        self.usage_rows_pending = Gauge(
            "turnout_usage_rows_pending",
            "Usage rows recorded but not yet written to the database (rises while it is down)",
            registry=r,
            multiprocess_mode="livesum",
        )
        self._health_source: HealthCounts | None = None
        self._circuit_source: CircuitSnapshots | None = None
        self._provider_type_of: ProviderTypeOf = lambda _id: None
        self._shown: dict[str, set[tuple[str, ...]]] = {}

    def _define_health(self, r: CollectorRegistry) -> None:
        self.provider_health = Gauge(
            "turnout_provider_health",
            "Enabled providers by provider type and health status",
            ["provider_type", "status"],
            registry=r,
            multiprocess_mode="livemostrecent",
        )
        self.circuit_state = Gauge(
            "turnout_circuit_state",
            "Providers whose circuit breaker is open or half open",
            ["provider_type", "state"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self.health_checks = Children(
            Counter(
                "turnout_health_checks",
                "Scheduled health checks by outcome (ok, error)",
                ["provider_type", "outcome"],
                registry=r,
            )
        )
        self.health_check_seconds = Children(
            Histogram(
                "turnout_health_check_duration_seconds",
                "Latency of scheduled health checks",
                ["provider_type"],
                buckets=CHECK_BUCKETS,
                registry=r,
            )
        )
        self.health_transitions = Children(
            Counter(
                "turnout_health_transitions",
                "Provider health status changes, by new status",
                ["provider_type", "status"],
                registry=r,
            )
        )

    def _define_jobs(self, r: CollectorRegistry) -> None:
        # Gauges counted from the database at scrape time (jobs/stats.py): every process shows
        # the same figures, including the work of `turnout worker` processes.
        self.jobs = Gauge(
            "turnout_jobs",
            "Batch and pre-annotation jobs, by kind and status",
            ["kind", "status"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self.job_items_open = Gauge(
            "turnout_job_items_open",
            "Items of unfinished jobs by status; pending is the work waiting to be claimed",
            ["kind", "status"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self.job_queue_messages = Gauge(
            "turnout_job_queue_messages",
            "Messages in the job queue by status (queued, picked), with TURNOUT_JOB_RUNNER=queue",
            ["status"],
            registry=r,
            multiprocess_mode="livemax",
        )
        # Counted by the process that ran the item or finished the job.
        self.job_items = Children(
            Counter(
                "turnout_job_items",
                "Job items processed, by outcome (completed, failed)",
                ["kind", "status"],
                registry=r,
            )
        )
        self.jobs_finished = Children(
            Counter(
                "turnout_jobs_finished",
                "Jobs finished, by final status (completed, cancelled, failed)",
                ["kind", "status"],
                registry=r,
            )
        )

    # Health monitor hooks (health.monitor.HealthMetrics).
    def checked(self, provider_type: str, ok: bool, latency_ms: float) -> None:
        self.health_checks(provider_type, "ok" if ok else "error").inc()
        self.health_check_seconds(provider_type).observe(latency_ms / 1000)

    def transitioned(self, provider_type: str, to_status: str) -> None:
        self.health_transitions(provider_type, to_status).inc()

    def watch(
        self, *, health: HealthCounts, circuit: CircuitSnapshots, provider_type_of: ProviderTypeOf
    ) -> None:
        """Where `refresh()` reads provider health and circuit states."""
        self._health_source = health
        self._circuit_source = circuit
        self._provider_type_of = provider_type_of

    def refresh(self) -> None:
        """Set the state gauges from what this process knows now."""
        if self._health_source is not None:
            self._show("health", self.provider_health, self._health_source.counts())
        if self._circuit_source is not None:
            counts = circuit_counts(self._circuit_source.snapshot(), self._provider_type_of)
            self._show("circuit", self.circuit_state, counts)

    def show_jobs(self, stats: JobStats) -> None:
        """Set the job gauges from figures counted in the database."""
        self._show("jobs", self.jobs, stats.jobs)
        self._show("job_items", self.job_items_open, stats.open_items)
        self._show("queue", self.job_queue_messages,
                   {(status,): n for status, n in stats.queue_messages.items()})

    def flush(self) -> None:
        """Apply the buffered per-request updates (see buffer.py)."""
        self.buffer.flush()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric (of every worker process)."""
        self.flush()
        self.refresh()
        if not multiprocess():
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged)
        return generate_latest(merged)

    def close(self) -> None:
        """Apply what is buffered; a worker going away stops counting in the live gauges."""
        self.flush()
        if multiprocess():
            mark_process_dead(os.getpid())

    def _show(self, name: str, gauge: Gauge, counts: Mapping[Labels, int]) -> None:
        """Set each label set's count; label sets shown before and now absent go to zero."""
        for labels in self._shown.get(name, set()) - set(counts):
            gauge.labels(*labels).set(0)
        for labels, count in counts.items():
            gauge.labels(*labels).set(count)
        self._shown[name] = set(counts)


def circuit_counts(
    snapshot: Mapping[str, object], provider_type_of: ProviderTypeOf
) -> Tally[tuple[str, str]]:
    """Providers by (type, circuit state), for circuits not closed."""
    tally: Tally[tuple[str, str]] = Tally()
    for provider_id, status in snapshot.items():
        state = str(getattr(status, "state", "closed"))
        if state != "closed":
            tally[(provider_type_of(provider_id) or "unknown", state)] += 1
    return tally
