"""The extension point: one Control subclass per Label Studio control tag.

A control knows its slice of the config (`from_node`), the JSON schema of its answer
(`schema`), how to explain it in a prompt (`describe`), how to turn an answer into result items
(`parse`, issues into the context) and how to turn human result items back into an answer
(`answer_from`, for few-shot examples).
"""

from __future__ import annotations

import itertools
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from turnout.annotation.issues import AnswerIssue, Region, shown
from turnout.annotation.xmlconfig import ConfigNode
from turnout.errors import LabelConfigInvalid

if TYPE_CHECKING:
    from turnout.annotation.sources import SourceText

# Tags that only lay out or decorate the interface; they may wrap options.
LAYOUT_TAGS = frozenset(
    {"view", "header", "style", "filter", "collapse", "hypertext-style", "script", "markdown"}
)
TRUE_VALUES = frozenset({"true", "1", "yes"})


class UnsupportedTag(Exception):  # collected by the config reader, never raised out
    """A tag or attribute pre-annotation cannot answer; `reason` is a short stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Option:
    """A Choice or Label: the value shown to the model, the one stored (alias), a hint, and
    how many regions may carry it (a Label's `maxUsages`)."""

    value: str
    alias: str | None = None
    hint: str | None = None
    max_uses: int | None = None

    @property
    def stored(self) -> str:
        return self.alias or self.value


@dataclass(slots=True)
class ParseContext:
    """What parsing one answer needs besides the answer: the task's texts, the project's span
    rule, and where issues and region ids go."""

    sources: Mapping[str, SourceText]
    all_occurrences: bool = False
    issues: list[AnswerIssue] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def issue(self, at: str, code: str, **params: Any) -> None:
        self.issues.append(AnswerIssue(at, f"annotation.{code}", params))

    def new_id(self) -> str:
        return f"r{next(self._ids)}"


@dataclass(frozen=True, kw_only=True)
class Control(ABC):
    """A control tag of the config, with the object it labels."""

    tag: ClassVar[str]  # as Label Studio spells it
    result_type: ClassVar[str]  # the result item's `type`
    name: str
    to_name: str
    line: int
    required: bool = False

    @classmethod
    @abstractmethod
    def from_node(cls, node: ConfigNode) -> Control:
        """This control read from its tag; LabelConfigInvalid or UnsupportedTag otherwise."""

    @abstractmethod
    def schema(self) -> dict[str, Any]:
        """The JSON schema of a non-null answer."""

    @abstractmethod
    def describe(self) -> str:
        """What to answer for this control, for the prompt (one or a few lines)."""

    @abstractmethod
    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        """Result regions for a non-null answer; problems go to `ctx.issues`."""

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        """The answer that writes these (human) result items, or None when they say nothing."""
        return None

    def answer_schema(self) -> dict[str, Any]:
        """The schema the model follows: null allowed unless the config requires an answer."""
        if self.required:
            return self.schema()
        return {"anyOf": [self.schema(), {"type": "null"}]}

    def null_rule(self) -> str:
        return "required" if self.required else "null when nothing applies"

    def region(self, value: Mapping[str, Any], raw: Sequence[str], at: str, ctx: ParseContext,
               allowed: Sequence[Sequence[str]] = ()) -> Region:
        item = {
            "id": ctx.new_id(),
            "from_name": self.name,
            "to_name": self.to_name,
            "type": self.result_type,
            "value": dict(value),
        }
        return Region(item, tuple(raw), at, tuple(tuple(values) for values in allowed))


def flag(node: ConfigNode, name: str) -> bool:
    return (node.attr(name) or "").strip().lower() in TRUE_VALUES


def required_attr(node: ConfigNode, name: str) -> str:
    value = node.attr(name)
    if value is None or not value.strip():
        raise LabelConfigInvalid("missing_attribute", tag=node.tag, attribute=name, line=node.line)
    return value.strip()


def bad_attr(node: ConfigNode, name: str) -> LabelConfigInvalid:
    value = shown(node.attr(name))
    return LabelConfigInvalid(
        "invalid_attribute", tag=node.tag, attribute=name, value=value, line=node.line
    )


def number_attr(node: ConfigNode, name: str) -> float | None:
    text = node.attr(name)
    if text is None or not text.strip():
        return None
    try:
        number = float(text)
    except ValueError:
        raise bad_attr(node, name) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise bad_attr(node, name)
    return number


def reject_per_region(node: ConfigNode) -> None:
    """perRegion/perItem answers belong to regions or items a model does not draw."""
    for name in ("perRegion", "perItem"):
        if flag(node, name):
            raise UnsupportedTag("per_region", f'{name}="true"')


def plain(value: Any) -> str:
    """A string compared loosely: trimmed and case-folded."""
    return value.strip().casefold() if isinstance(value, str) else ""


def match_option(options: Sequence[Option], value: Any) -> Option | None:
    """The option written exactly, else the only one equal ignoring case and outer spaces."""
    if not isinstance(value, str):
        return None
    exact = next((option for option in options if option.value == value), None)
    if exact is not None:
        return exact
    loose = [option for option in options if plain(option.value) == plain(value)]
    return loose[0] if len(loose) == 1 else None


def option_list(options: Sequence[Option]) -> str:
    parts = []
    for option in options:
        hint = f" ({option.hint})" if option.hint else ""
        parts.append(f"{_quoted(option.value)}{hint}")
    return ", ".join(parts)


def allowed(options: Sequence[Option]) -> str:
    """The allowed values for an issue message, cut like any shown value."""
    return shown(", ".join(option.value for option in options))


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite_number(value: Any) -> bool:
    """A JSON number that is not a boolean, infinite, NaN or too big for a float."""
    if not is_number(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
