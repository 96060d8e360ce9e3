"""Faults to inject, and the book that hands the right one to each request."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from turnout.fakeupstream.errors import ALL_PRESETS
from turnout.fakeupstream.flavors import FLAVORS

# Not an error reply: a normal 200 whose choice stops with the flavour's content-filter finish.
CONTENT_FILTER_FINISH = "content_filter_finish"
KNOWN_ERRORS = frozenset((*ALL_PRESETS, CONTENT_FILTER_FINISH))


@dataclass(frozen=True)
class Fault:
    """What to do to a matching request instead of (or on top of) the normal reply.

    `error` names a preset (errors.PRESETS, or "content_filter_finish" for a 200 that stops with
    the flavour's filter finish reason); `status` and `body` override its status and body, and
    alone give a raw reply. `headers` and `retry_after_s` reach every reply, errors or not.
    `latency_s` delays, `hang` never answers, `drop_connection` closes without a reply.
    `malformed_json` halves a 200 body (or one stream event). `cut_stream_after` and
    `error_mid_stream` act on streamed replies only; with `error_mid_stream` the preset (default
    server_error) arrives as the stream's last event instead of as the status.
    `rate` applies the fault to that share of matching requests only (drawn from the book's
    seeded generator, so a run repeats). Requests refused for their credentials never reach a
    fault, so do not use one up.
    """

    error: str | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after_s: float | None = None
    latency_s: float = 0.0
    hang: bool = False
    drop_connection: bool = False
    malformed_json: bool = False
    cut_stream_after: int | None = None
    error_mid_stream: bool = False
    paths: tuple[str, ...] = ()
    flavors: tuple[str, ...] = ()
    rate: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate {self.rate} is not between 0 and 1")
        if self.error is not None and self.error not in KNOWN_ERRORS:
            raise ValueError(f"unknown error preset {self.error!r}; known: {sorted(KNOWN_ERRORS)}")
        unknown = [name for name in self.flavors if name not in FLAVORS]
        if unknown:
            raise ValueError(f"unknown flavours {unknown}; known: {sorted(FLAVORS)}")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status {self.status} is not an HTTP status")
        object.__setattr__(self, "paths", tuple(self.paths))
        object.__setattr__(self, "flavors", tuple(self.flavors))
        object.__setattr__(self, "headers", {str(k): str(v) for k, v in self.headers.items()})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from its JSON form (the HTTP control API); unknown keys are refused."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fault fields {unknown}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def matches(self, path: str, flavor: str) -> bool:
        if self.flavors and flavor not in self.flavors:
            return False
        return not self.paths or any(fragment in path for fragment in self.paths)

    @property
    def finish_filtered(self) -> bool:
        return self.error == CONTENT_FILTER_FINISH

    @property
    def error_preset(self) -> str | None:
        return None if self.finish_filtered else self.error

    def is_error_reply(self, streaming: bool) -> bool:
        """Whether the request is answered with an error status instead of a reply."""
        if streaming and self.error_mid_stream:
            return False
        return self.error_preset is not None or self.status is not None or self.body is not None


@dataclass
class _Queued:
    fault: Fault
    remaining: int


class FaultBook:
    """Queued faults (each for its next `times` matching requests, first queued first) over
    standing faults that apply to every matching request until cleared (the first that applies
    wins)."""

    def __init__(self, *, seed: int = 0) -> None:
        self._queue: list[_Queued] = []
        self._standing: list[Fault] = []
        self._rng = random.Random(seed)  # noqa: S311 - fault injection, not security

    def enqueue(self, fault: Fault, times: int = 1) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        self._queue.append(_Queued(fault, times))

    def set(self, fault: Fault | None) -> None:
        self._standing = [] if fault is None else [fault]

    def add_standing(self, fault: Fault) -> None:
        self._standing.append(fault)

    def clear(self) -> None:
        self._queue.clear()
        self._standing = []

    def take(self, path: str, flavor: str) -> Fault | None:
        """The fault for this request, using up one turn of a queued one."""
        for index, queued in enumerate(self._queue):
            if queued.fault.matches(path, flavor) and self._applies(queued.fault):
                queued.remaining -= 1
                if queued.remaining == 0:
                    del self._queue[index]
                return queued.fault
        for fault in self._standing:
            if fault.matches(path, flavor) and self._applies(fault):
                return fault
        return None

    def _applies(self, fault: Fault) -> bool:
        return fault.rate >= 1.0 or self._rng.random() < fault.rate

    def snapshot(self) -> dict[str, Any]:
        return {
            "queue": [{"fault": q.fault.to_dict(), "remaining": q.remaining} for q in self._queue],
            "standing": [fault.to_dict() for fault in self._standing],
        }
