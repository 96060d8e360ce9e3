"""<Rating> and <Number>: one number for the whole object, in the config's range."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.annotation.controls.base import (
    Control,
    ParseContext,
    bad_attr,
    finite_number,
    flag,
    is_number,
    number_attr,
    reject_per_region,
    required_attr,
)
from turnout.annotation.issues import Region
from turnout.annotation.xmlconfig import ConfigNode

if TYPE_CHECKING:
    from turnout.annotation.sources import SourceText

MAX_RATING = 100


@dataclass(frozen=True, kw_only=True)
class RatingControl(Control):
    tag = "Rating"
    result_type = "rating"
    max_rating: int = 5

    @classmethod
    def from_node(cls, node: ConfigNode) -> RatingControl:
        reject_per_region(node)
        top = number_attr(node, "maxRating")
        if top is not None and (top != int(top) or not 1 <= top <= MAX_RATING):
            raise bad_attr(node, "maxRating")
        return cls(
            name=required_attr(node, "name"),
            to_name=required_attr(node, "toName"),
            line=node.line,
            required=flag(node, "required"),
            max_rating=int(top) if top is not None else 5,
        )

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": self.max_rating}

    def describe(self) -> str:
        return f"a whole number from 1 to {self.max_rating} ({self.null_rule()})"

    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        if not finite_number(value) or value != int(value):
            ctx.issue(at, "expected.integer")
            return []
        if not 1 <= value <= self.max_rating:
            ctx.issue(at, "out_of_range", min=1, max=self.max_rating)
            return []
        values = [str(rating) for rating in range(1, self.max_rating + 1)]
        return [self.region({"rating": int(value)}, [json.dumps(value)], at, ctx, [values])]

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        return _first(items, "rating")


@dataclass(frozen=True, kw_only=True)
class NumberControl(Control):
    tag = "Number"
    result_type = "number"
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None

    @classmethod
    def from_node(cls, node: ConfigNode) -> NumberControl:
        reject_per_region(node)
        low, high, step = (number_attr(node, n) for n in ("min", "max", "step"))
        if low is not None and high is not None and low > high:
            raise bad_attr(node, "max")
        if step is not None and step <= 0:
            raise bad_attr(node, "step")
        return cls(
            name=required_attr(node, "name"),
            to_name=required_attr(node, "toName"),
            line=node.line,
            required=flag(node, "required"),
            minimum=low,
            maximum=high,
            step=step,
        )

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if self._whole() else "number"}
        if self.minimum is not None:
            schema["minimum"] = _compact(self.minimum)
        if self.maximum is not None:
            schema["maximum"] = _compact(self.maximum)
        return schema

    def describe(self) -> str:
        low = "" if self.minimum is None else f" ≥ {_compact(self.minimum)}"
        high = "" if self.maximum is None else f" ≤ {_compact(self.maximum)}"
        step = "" if self.step is None else f", in steps of {_compact(self.step)}"
        return f"a number{low}{high}{step} ({self.null_rule()})"

    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        if not finite_number(value):
            ctx.issue(at, "expected.number")
            return []
        low = -math.inf if self.minimum is None else self.minimum
        high = math.inf if self.maximum is None else self.maximum
        if not low <= value <= high:
            ctx.issue(at, "out_of_range", min=_compact(low), max=_compact(high))
            return []
        if self.step is not None and not _on_step(value, self.minimum or 0.0, self.step):
            ctx.issue(at, "off_step", step=_compact(self.step))
            return []
        number = int(value) if self._whole() else value
        return [self.region({"number": number}, [json.dumps(value)], at, ctx)]

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        return _first(items, "number")

    def _whole(self) -> bool:
        origin = self.minimum or 0.0
        return self.step is not None and self.step == int(self.step) and origin == int(origin)


def _on_step(value: float, origin: float, step: float) -> bool:
    steps = (value - origin) / step
    return abs(steps - round(steps)) <= 1e-9 * max(1.0, abs(steps))


def _compact(number: float) -> float | int | str:
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    return int(number) if number == int(number) else number


def _first(items: Sequence[Mapping[str, Any]], key: str) -> Any:
    for item in items:
        value = item.get("value", {}).get(key)
        if is_number(value):
            return value
    return None
