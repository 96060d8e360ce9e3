"""Buffered metric updates land in the registry exactly as direct updates would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from turnout.metrics.buffer import MetricBuffer

BUCKETS = (0.005, 0.05, 0.5, 5.0)


def pair() -> tuple[tuple[Counter, Histogram], tuple[Counter, Histogram], CollectorRegistry,
                    CollectorRegistry]:
    direct, buffered = CollectorRegistry(), CollectorRegistry()
    made = []
    for registry in (direct, buffered):
        counter = Counter("t_requests", "requests", ["kind"], registry=registry)
        histogram = Histogram("t_seconds", "seconds", ["kind"], buckets=BUCKETS, registry=registry)
        made.append((counter, histogram))
    return made[0], made[1], direct, buffered


@settings(max_examples=100)
@given(
    observations=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.floats(0, 10), st.integers(1, 5)), max_size=60
    )
)
def test_a_flush_gives_what_direct_updates_give(observations):
    (counter, histogram), (b_counter, b_histogram), direct, buffered = pair()
    buffer = MetricBuffer()
    for kind, seconds, amount in observations:
        counter.labels(kind).inc(amount)
        histogram.labels(kind).observe(seconds)
        buffer.inc(b_counter.labels(kind), amount)
        buffer.observe(b_histogram.labels(kind), seconds)
    buffer.flush()
    assert _values(buffered) == _values(direct)


def _values(registry: CollectorRegistry) -> list[str]:
    lines = generate_latest(registry).decode().splitlines()
    return [line for line in lines if "_created" not in line]


def test_nothing_moves_until_the_flush_and_a_flush_applies_once():
    _, (counter, histogram), _, buffered = pair()
    buffer = MetricBuffer()
    buffer.inc(counter.labels("a"), 2)
    buffer.observe(histogram.labels("a"), 0.01)
    assert 't_requests_total{kind="a"} 0.0' in _values(buffered)
    buffer.flush()
    buffer.flush()
    text = _values(buffered)
    assert 't_requests_total{kind="a"} 2.0' in text
    assert 't_seconds_bucket{kind="a",le="0.05"} 1.0' in text
    assert 't_seconds_count{kind="a"} 1.0' in text
