"""The metrics observer and gauges without HTTP: one request traced from attempt to finish."""

from __future__ import annotations

import asyncio
import logging

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from turnout.errors import UpstreamServerError, UpstreamTimeout
from turnout.gateway.candidates import Candidate
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.context import Attempt, Caller, GatewayRequest
from turnout.health import HealthPolicy, HealthTracker, Outcome, ProviderRef
from turnout.metrics import GatewayMetrics, ModelLabels
from turnout.metrics.labels import MAX_CONFIGURED, OTHER, catalog_models
from turnout.metrics.observer import MetricsObserver, ObserverGroup
from turnout.providers import ChatRequest, Usage
from turnout.store.types import utcnow


class Connection:
    chat_model = "house-model-v2"
    embedding_model = None


class Adapter:
    connection = Connection()


class Live:
    adapter = Adapter()

    def __init__(self, provider_id: str, provider_type: str) -> None:
        self.id, self.provider_type = provider_id, provider_type


def candidate(provider_id: str, provider_type: str) -> Candidate:
    return Candidate(Live(provider_id, provider_type), None, chosen=False)  # type: ignore[arg-type]


def attempt(provider_id: str, ms: float, status: str = "error", kind: str = "openai") -> Attempt:
    return Attempt(provider_id, provider_id, kind, "caller-chosen-42", status, latency_ms=ms)


def request(**kwargs) -> GatewayRequest:
    chat = ChatRequest(messages=({"role": "user", "content": "hi"},), **kwargs)
    return GatewayRequest(caller=Caller("t1"), request_id="r1", chat=chat)


def values(metrics: GatewayMetrics) -> dict[tuple[str, frozenset], float]:
    text = metrics.render().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


async def one_request(observer: MetricsObserver, *, cost: float | None = None) -> None:
    """Two failed tries on an openai provider, then a qwen one that answers."""
    tries = [attempt("a", 100), attempt("a", 200), attempt("b", 300, "ok", "qwen")]
    observer.attempt(candidate("a", "openai"), tries[0], UpstreamServerError())
    observer.attempt(candidate("a", "openai"), tries[1], UpstreamTimeout())
    observer.attempt(candidate("b", "qwen"), tries[2], None)
    extra = {"attempts": tries} | ({} if cost is None else {"cost": cost})
    observer.finished(
        request(temperature=0), status="ok", cached=False, latency_ms=650.0,
        provider_type="qwen", model="qwen-plus-2025-07-28", usage=Usage(1000, 500, 1500), **extra,
    )


async def test_one_request_gives_retries_failovers_overhead_tokens_and_cost():
    metrics = GatewayMetrics()
    observer = MetricsObserver(metrics)
    await asyncio.create_task(one_request(observer))
    got = values(metrics)

    def at(name: str, **labels: str) -> float:
        return got.get((name, frozenset(labels.items())), 0.0)

    assert at("turnout_retries_total", provider_type="openai") == 1
    assert at("turnout_failovers_total", provider_type="openai") == 1
    assert at("turnout_retries_total", provider_type="qwen") == 0
    assert at("turnout_upstream_duration_seconds_count", provider_type="openai",
              outcome="error") == 2
    # 650 ms in all, 600 ms of it upstream.
    assert abs(at("turnout_gateway_overhead_seconds_sum", provider_type="qwen") - 0.05) < 1e-9
    # The dated snapshot counts under its catalog name; the catalog price gives the cost.
    ok = {"provider_type": "qwen", "model": "qwen-plus", "status": "ok"}
    assert at("turnout_requests_total", **ok) == 1
    assert at("turnout_tokens_total", provider_type="qwen", model="qwen-plus",
              kind="completion") == 500
    assert at("turnout_cost_total", provider_type="qwen", model="qwen-plus") > 0
    assert at("turnout_cache_lookups_total", provider_type="qwen", result="miss") == 1

    # Configured models get labels of their own; a model the caller named does not.
    assert metrics.models.label("house-model-v2") == "house-model-v2"
    assert metrics.models.label("caller-chosen-42") == "other"

    # The next request in the same task starts a fresh trace; a reported cost is used as is.
    await one_request(observer, cost=0.25)
    await one_request(observer, cost=0.25)
    again = values(metrics)
    assert again[("turnout_retries_total", frozenset({"provider_type": "openai"}.items()))] == 3
    assert again[("turnout_cost_total", frozenset({
        "provider_type": "qwen", "model": "qwen-plus"}.items()))] == (
        at("turnout_cost_total", provider_type="qwen", model="qwen-plus") + 0.5)


async def test_gauges_follow_provider_health_and_circuits():
    metrics = GatewayMetrics()
    tracker = HealthTracker(HealthPolicy(failure_threshold=1, recovery_threshold=1))
    circuit = CircuitBreaker(failure_threshold=1)
    metrics.watch(health=tracker, circuit=circuit, provider_type_of=tracker.provider_type)
    ref = ProviderRef("a", "t1", "alpha", "openai")
    tracker.record(ref, Outcome(False, utcnow(), "traffic", error="TIMEOUT"))
    circuit.record_failure("a", UpstreamTimeout())
    got = values(metrics)
    assert got[("turnout_provider_health",
                frozenset({"provider_type": "openai", "status": "unhealthy"}.items()))] == 1
    assert got[("turnout_circuit_state",
                frozenset({"provider_type": "openai", "state": "open"}.items()))] == 1
    tracker.record(ref, Outcome(True, utcnow(), "traffic"))
    circuit.reset("a")
    got = values(metrics)
    assert got[("turnout_provider_health",
                frozenset({"provider_type": "openai", "status": "unhealthy"}.items()))] == 0
    assert got[("turnout_circuit_state",
                frozenset({"provider_type": "openai", "state": "open"}.items()))] == 0


def test_job_gauges_track_running_jobs_and_pending_items():
    metrics = GatewayMetrics()
    metrics.job_started("batch", 3)
    metrics.job_item_done("batch", ok=True)
    metrics.job_item_done("batch", ok=False)
    got = values(metrics)
    assert got[("turnout_jobs_running", frozenset({"kind": "batch"}.items()))] == 1
    assert got[("turnout_job_items_pending", frozenset({"kind": "batch"}.items()))] == 1
    metrics.job_finished("batch", items_left=1)
    got = values(metrics)
    assert got[("turnout_jobs_running", frozenset({"kind": "batch"}.items()))] == 0
    assert got[("turnout_job_items_pending", frozenset({"kind": "batch"}.items()))] == 0
    assert got[("turnout_job_items_total",
                frozenset({"kind": "batch", "status": "failed"}.items()))] == 1


def test_a_failing_observer_never_fails_the_request(caplog):
    class Broken:
        def attempt(self, *args):
            raise RuntimeError("bug")

        def finished(self, request, **details):
            raise RuntimeError("bug")

    metrics = GatewayMetrics()
    group = ObserverGroup(Broken(), MetricsObserver(metrics))  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="turnout.metrics"):
        group.attempt(candidate("a", "openai"), attempt("a", 5, "ok"), None)
        group.finished(request(), status="ok", cached=False, latency_ms=9.0,
                       provider_type="openai", model=None, usage=Usage())
    assert len(caplog.records) == 2
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
