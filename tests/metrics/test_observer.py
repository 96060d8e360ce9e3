"""The metrics observer and gauges without HTTP: one request traced from attempt to finish."""

from __future__ import annotations

import logging

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from turnout.errors import UpstreamServerError, UpstreamTimeout
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.context import Attempt, AttemptStatus, Caller
from turnout.gateway.events import ObserverGroup, Operation, Outcome, RequestFinished
from turnout.health import HealthPolicy, HealthTracker, ProviderRef
from turnout.health import Outcome as HealthOutcome
from turnout.jobs.stats import JobStats
from turnout.metrics import GatewayMetrics, ModelLabels
from turnout.metrics.labels import MAX_CONFIGURED, OTHER, catalog_models
from turnout.metrics.observer import MetricsObserver
from turnout.providers import Usage
from turnout.store.types import utcnow


def ref(provider_id: str, kind: str) -> ProviderRef:
    return ProviderRef(provider_id, "t1", provider_id, kind)


def attempt(
    provider_id: str, ms: float, status: AttemptStatus = AttemptStatus.ERROR, kind: str = "openai"
) -> Attempt:
    error = UpstreamServerError() if status is AttemptStatus.ERROR else None
    return Attempt(ref(provider_id, kind), "caller-chosen-42", status, latency_ms=ms, error=error)


def finished(attempts: list[Attempt], *, cost: float = 0.0, **fields) -> RequestFinished:
    values = {
        "caller": Caller("t1"),
        "request_id": "r1",
        "operation": Operation.GENERATE,
        "outcome": Outcome.OK,
        "provider": attempts[-1].provider if attempts else None,
        "model": "qwen-plus-2025-07-28",
        "usage": Usage(1000, 500, 1500),
        "cost": cost,
        "latency_ms": 650.0,
        "attempts": tuple(attempts),
        "cacheable": True,
        "configured_models": ("house-model-v2",),
    }
    return RequestFinished(**(values | fields))


def values(metrics: GatewayMetrics) -> dict[tuple[str, frozenset], float]:
    text = metrics.render().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


def one_request(observer: MetricsObserver, *, cost: float = 0.12) -> None:
    """Two failed tries on an openai provider, a lost hedge, then a qwen one that answers."""
    tries = [
        attempt("a", 100),
        attempt("a", 200),
        attempt("c", 50, AttemptStatus.CANCELLED, "deepseek"),
        attempt("b", 300, AttemptStatus.OK, "qwen"),
    ]
    observer.request_finished(finished(tries, cost=cost))


def test_one_request_gives_retries_failovers_hedges_overhead_tokens_and_cost():
    metrics = GatewayMetrics()
    observer = MetricsObserver(metrics)
    one_request(observer)
    got = values(metrics)

    def at(name: str, **labels: str) -> float:
        return got.get((name, frozenset(labels.items())), 0.0)

    assert at("turnout_retries_total", provider_type="openai") == 1
    assert at("turnout_failovers_total", provider_type="openai") == 1
    assert at("turnout_retries_total", provider_type="qwen") == 0
    assert at("turnout_hedges_cancelled_total", provider_type="deepseek") == 1
    assert at("turnout_upstream_duration_seconds_count", provider_type="openai",
              outcome="error") == 2
    # 650 ms in all, 600 ms of it in calls that counted (the cancelled hedge ran alongside).
    assert abs(at("turnout_gateway_overhead_seconds_sum", provider_type="qwen") - 0.05) < 1e-9
    # The dated snapshot counts under its catalog name; the event's cost is used as is.
    ok = {"provider_type": "qwen", "model": "qwen-plus", "status": "ok"}
    assert at("turnout_requests_total", **ok) == 1
    assert at("turnout_tokens_total", provider_type="qwen", model="qwen-plus",
              kind="completion") == 500
    assert at("turnout_cost_total", provider_type="qwen", model="qwen-plus") == 0.12
    assert at("turnout_cache_lookups_total", provider_type="qwen", result="miss") == 1

    # Configured models get labels of their own; a model the caller named does not.
    assert metrics.models.label("house-model-v2") == "house-model-v2"
    assert metrics.models.label("caller-chosen-42") == "other"

    one_request(observer, cost=0.25)
    one_request(observer, cost=0.25)
    again = values(metrics)
    assert again[("turnout_retries_total", frozenset({"provider_type": "openai"}.items()))] == 3
    assert again[("turnout_cost_total", frozenset({
        "provider_type": "qwen", "model": "qwen-plus"}.items()))] == 0.62


def test_a_cache_hit_is_counted_as_a_hit_without_calls():
    metrics = GatewayMetrics()
    hit = attempt("b", 0, AttemptStatus.CACHE_HIT, "qwen")
    MetricsObserver(metrics).request_finished(finished([hit], usage=Usage()))
    got = values(metrics)
    assert got[("turnout_cache_lookups_total",
                frozenset({"provider_type": "qwen", "result": "hit"}.items()))] == 1
    assert ("turnout_upstream_duration_seconds_count",
            frozenset({"provider_type": "qwen", "outcome": "ok"}.items())) not in got


async def test_gauges_follow_provider_health_and_circuits():
    metrics = GatewayMetrics()
    tracker = HealthTracker(HealthPolicy(failure_threshold=1, recovery_threshold=1))
    circuit = CircuitBreaker(failure_threshold=1)
    metrics.watch(health=tracker, circuit=circuit, provider_type_of=tracker.provider_type)
    provider = ProviderRef("a", "t1", "alpha", "openai")
    tracker.record(provider, HealthOutcome(False, utcnow(), "traffic", error="TIMEOUT"))
    circuit.record_failure("a", UpstreamTimeout())
    got = values(metrics)
    assert got[("turnout_provider_health",
                frozenset({"provider_type": "openai", "status": "unhealthy"}.items()))] == 1
    assert got[("turnout_circuit_state",
                frozenset({"provider_type": "openai", "state": "open"}.items()))] == 1
    tracker.record(provider, HealthOutcome(True, utcnow(), "traffic"))
    circuit.reset("a")
    got = values(metrics)
    assert got[("turnout_provider_health",
                frozenset({"provider_type": "openai", "status": "unhealthy"}.items()))] == 0
    assert got[("turnout_circuit_state",
                frozenset({"provider_type": "openai", "state": "open"}.items()))] == 0


def test_job_gauges_show_the_counted_figures_and_drop_what_is_gone():
    metrics = GatewayMetrics()
    metrics.show_jobs(JobStats(
        jobs={("batch", "running"): 2},
        open_items={("batch", "pending"): 40, ("batch", "completed"): 10},
        queue_messages={"queued": 3},
    ))
    got = values(metrics)
    assert got[("turnout_jobs", frozenset({"kind": "batch", "status": "running"}.items()))] == 2
    assert got[("turnout_job_items_open",
                frozenset({"kind": "batch", "status": "pending"}.items()))] == 40
    assert got[("turnout_job_queue_messages", frozenset({"status": "queued"}.items()))] == 3
    metrics.show_jobs(JobStats(jobs={("batch", "completed"): 2}))
    got = values(metrics)
    assert got[("turnout_jobs", frozenset({"kind": "batch", "status": "running"}.items()))] == 0
    assert got[("turnout_job_items_open",
                frozenset({"kind": "batch", "status": "pending"}.items()))] == 0
    assert got[("turnout_job_queue_messages", frozenset({"status": "queued"}.items()))] == 0


def test_a_failing_observer_never_fails_the_request(caplog):
    class Broken:
        def request_finished(self, event):
            raise RuntimeError("bug")

    metrics = GatewayMetrics()
    group = ObserverGroup(Broken(), MetricsObserver(metrics))
    with caplog.at_level(logging.ERROR, logger="turnout.gateway"):
        group.request_finished(finished([attempt("a", 5, AttemptStatus.OK)], model=None))
    assert len(caplog.records) == 1
    assert values(metrics)[("turnout_requests_total", frozenset(
        {"provider_type": "openai", "model": "none", "status": "ok"}.items()))] == 1


@settings(max_examples=100)
@given(configured=st.lists(st.text(min_size=1, max_size=30), max_size=400),
       asked=st.lists(st.text(max_size=40), max_size=200))
def test_model_labels_stay_within_a_bounded_set(configured, asked):
    labels = ModelLabels()
    for model in configured:
        labels.allow(model)
    allowed = catalog_models() | set(configured[: MAX_CONFIGURED * 2])
    seen = {labels.label(model) for model in asked}
    assert seen <= allowed | {OTHER, "none"}
    assert len(seen - catalog_models()) <= MAX_CONFIGURED + 2
    # A dated snapshot counts under the longest catalog name it extends.
    assert labels.label("gpt-4.1-mini-2025-04-14") == "gpt-4.1-mini"
    assert labels.label("customer-ticket-8841 wants a refund") == OTHER
