"""Circuit breaker: trips on transient failures only, probes one at a time, backs off."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from turnout.errors import (
    UpstreamAuthError,
    UpstreamInvalidRequest,
    UpstreamRateLimited,
    UpstreamServerError,
    UpstreamTimeout,
)
from turnout.gateway.circuit import CircuitBreaker, CircuitStatus


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, **kwargs: float) -> CircuitBreaker:
    return CircuitBreaker(clock=clock, **kwargs)  # type: ignore[arg-type]


def fail(circuit: CircuitBreaker, times: int, error: BaseException | None = None) -> None:
    for _ in range(times):
        circuit.record_failure("p1", error or UpstreamTimeout("slow"))


def test_five_consecutive_transient_failures_open_the_circuit() -> None:
    circuit = breaker(Clock())
    fail(circuit, 4)
    assert circuit.state("p1") == "closed" and circuit.allow("p1")
    circuit.record_success("p1")
    fail(circuit, 4)
    assert circuit.state("p1") == "closed"
    fail(circuit, 1, UpstreamServerError("502"))
    assert circuit.state("p1") == "open"
    assert not circuit.allow("p1")
    assert circuit.state("p2") == "closed" and circuit.allow("p2")


def test_refusals_never_trip_it() -> None:
    circuit = breaker(Clock())
    for error in (UpstreamAuthError("key"), UpstreamInvalidRequest("body"), ValueError("bug")):
        fail(circuit, 50, error)
    assert circuit.state("p1") == "closed"
    assert circuit.snapshot() == {}


def test_half_open_lets_one_probe_through_and_its_success_closes() -> None:
    clock = Clock()
    circuit = breaker(clock)
    fail(circuit, 5)
    clock.now += 29.9
    assert not circuit.allow("p1")
    clock.now += 0.1
    assert circuit.state("p1") == "half_open"
    assert circuit.allow("p1")
    assert not circuit.allow("p1")
    circuit.record_success("p1")
    assert circuit.state("p1") == "closed"
    assert circuit.allow("p1") and circuit.allow("p1")


def test_failed_probes_double_the_cooldown_up_to_the_cap() -> None:
    clock = Clock()
    circuit = breaker(clock, cooldown_s=30, max_cooldown_s=200)
    fail(circuit, 5)
    cooldowns = []
    for _ in range(5):
        cooldowns.append(circuit.snapshot()["p1"].cooldown_s)
        clock.now += cooldowns[-1]
        assert circuit.allow("p1")
        fail(circuit, 1)
    assert cooldowns == [30, 60, 120, 200, 200]
    clock.now += 200
    assert circuit.allow("p1")
    circuit.record_success("p1")
    fail(circuit, 5)
    assert circuit.snapshot()["p1"].cooldown_s == 30


def test_a_longer_retry_after_is_honoured_within_the_cap() -> None:
    clock = Clock()
    circuit = breaker(clock, max_cooldown_s=300)
    fail(circuit, 4)
    fail(circuit, 1, UpstreamRateLimited("429", retry_after_s=90))
    assert circuit.snapshot()["p1"] == CircuitStatus("open", 5, 90, 90)
    clock.now += 89
    assert not circuit.allow("p1")
    clock.now += 1
    assert circuit.allow("p1")
    fail(circuit, 1, UpstreamRateLimited("429", retry_after_s=86_400))
    assert circuit.snapshot()["p1"].cooldown_s == 300


def test_a_lost_probe_frees_its_slot_after_the_probe_timeout() -> None:
    clock = Clock()
    circuit = breaker(clock, probe_timeout_s=60)
    fail(circuit, 5)
    clock.now += 30
    assert circuit.allow("p1")
    clock.now += 59
    assert not circuit.allow("p1")
    clock.now += 1
    assert circuit.allow("p1")


def test_a_refused_probe_frees_the_slot_without_deciding() -> None:
    clock = Clock()
    circuit = breaker(clock)
    fail(circuit, 5)
    clock.now += 30
    assert circuit.allow("p1")
    circuit.record_failure("p1", UpstreamInvalidRequest("bad body"))
    assert circuit.state("p1") == "half_open"
    assert circuit.allow("p1")


def test_late_outcomes_while_open_are_ignored() -> None:
    clock = Clock()
    circuit = breaker(clock)
    fail(circuit, 5)
    circuit.record_success("p1")
    fail(circuit, 3)
    assert circuit.snapshot()["p1"] == CircuitStatus("open", 5, 30, 30)


def test_reset_forgets_history() -> None:
    circuit = breaker(Clock())
    fail(circuit, 5)
    circuit.reset("p1")
    assert circuit.state("p1") == "closed" and circuit.snapshot() == {}


THRESHOLD, COOLDOWN, MAX_COOLDOWN, PROBE_TIMEOUT = 3, 10.0, 35.0, 50.0


class CircuitMachine(RuleBasedStateMachine):
    """The breaker against a plain model of the documented state machine."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.circuit = CircuitBreaker(
            failure_threshold=THRESHOLD,
            cooldown_s=COOLDOWN,
            max_cooldown_s=MAX_COOLDOWN,
            probe_timeout_s=PROBE_TIMEOUT,
            clock=self.clock,
        )
        self.state = "closed"
        self.failures = 0
        self.cooldown = 0.0
        self.reopen_at = 0.0
        self.probe_until: float | None = None

    def tick(self) -> None:
        if self.state == "open" and self.clock.now >= self.reopen_at:
            self.state, self.probe_until = "half_open", None

    def trip(self, cooldown: float, retry_after: float | None) -> None:
        if retry_after:
            cooldown = max(cooldown, min(retry_after, MAX_COOLDOWN))
        self.state, self.cooldown = "open", cooldown
        self.reopen_at = self.clock.now + cooldown

    @rule(seconds=st.sampled_from([0.0, 0.5, 5.0, 9.99, 10.0, 20.0, 35.0, 60.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds

    @rule()
    def allow(self) -> None:
        self.tick()
        probe_free = self.probe_until is None or self.clock.now >= self.probe_until
        expected = self.state == "closed" or (self.state == "half_open" and probe_free)
        if self.state == "half_open" and expected:
            self.probe_until = self.clock.now + PROBE_TIMEOUT
        assert self.circuit.allow("p") is expected

    @rule()
    def success(self) -> None:
        self.tick()
        self.circuit.record_success("p")
        if self.state != "open":
            self.state, self.failures, self.cooldown, self.probe_until = "closed", 0, 0.0, None

    @rule(retry_after=st.sampled_from([None, 0.0, 4.0, 25.0, 1000.0]))
    def transient_failure(self, retry_after: float | None) -> None:
        self.tick()
        self.circuit.record_failure("p", UpstreamRateLimited("429", retry_after_s=retry_after))
        if self.state == "open":
            return
        self.failures += 1
        if self.state == "half_open":
            self.trip(min(self.cooldown * 2, MAX_COOLDOWN), retry_after)
        elif self.failures >= THRESHOLD:
            self.trip(COOLDOWN, retry_after)

    @rule(error=st.sampled_from([UpstreamAuthError("key"), UpstreamInvalidRequest("body")]))
    def refusal(self, error: BaseException) -> None:
        self.tick()
        before = self.circuit.state("p")
        self.circuit.record_failure("p", error)
        assert self.circuit.state("p") == before
        if self.state == "half_open":
            self.probe_until = None

    @invariant()
    def agrees_with_the_model(self) -> None:
        self.tick()
        assert self.circuit.state("p") == self.state
        status = self.circuit.snapshot().get("p")
        if status is None:
            assert (self.state, self.failures) == ("closed", 0)
            return
        assert status.consecutive_failures == self.failures
        assert COOLDOWN <= status.cooldown_s <= MAX_COOLDOWN or self.state == "closed"
        assert status.retry_in_s == (self.reopen_at - self.clock.now if self.state == "open" else 0)

    @invariant()
    def open_means_enough_failures(self) -> None:
        if self.state != "closed":
            assert self.failures >= THRESHOLD


TestCircuitMachine = CircuitMachine.TestCase
TestCircuitMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
