"""A model's answer → Label Studio result items, checked against the labeling config.

The answer is one JSON object with a key per control (`prompt.answer_schema`). It may come as
the content of a message (JSON, perhaps fenced or after a sentence, from a provider that
ignored structured output) or as a tool call's arguments. Whatever does not fit the config is
an AnswerIssue; an answer with any issue yields no result items at all, so a half-valid answer
is never written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from turnout.annotation.controls.base import ParseContext
from turnout.annotation.issues import AnswerIssue, Region, shown
from turnout.annotation.label_config import TaskSpec
from turnout.annotation.sources import SourceText
from turnout.errors import PredictionInvalid

MAX_ANSWER_CHARS = 1_000_000
MAX_ISSUES = 100  # kept per answer: enough to repair from, small enough to store
_FENCED = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ValidatedAnswer:
    """What parsing one answer gave: its regions when valid, its issues otherwise."""

    regions: tuple[Region, ...]
    issues: tuple[AnswerIssue, ...]
    answer: Mapping[str, Any] | None  # the decoded JSON object, None when there was none

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def results(self) -> list[dict[str, Any]]:
        """The Label Studio `result` items; empty for an invalid answer."""
        return [dict(region.item) for region in self.regions] if self.ok else []

    def issue_dicts(self) -> list[dict[str, Any]]:
        return [issue.as_dict() for issue in self.issues]

    def raise_if_invalid(self) -> None:
        """PredictionInvalid carrying the issues, for an answer that cannot be written."""
        if self.issues:
            raise PredictionInvalid(self.issue_dicts())


def read_answer(
    spec: TaskSpec,
    sources: Mapping[str, SourceText],
    answer: str | Mapping[str, Any],
    *,
    all_occurrences: bool = False,
) -> ValidatedAnswer:
    """Parse and validate `answer` (text or decoded tool arguments) for one task.

    `sources` are the task's texts (`sources.task_sources`); `all_occurrences` labels every
    occurrence of a quoted span instead of the one the model names.
    """
    decoded, problem = _decode(answer)
    if decoded is None:
        return ValidatedAnswer((), (problem,) if problem else (), None)
    ctx = ParseContext(sources, all_occurrences)
    regions: list[Region] = []
    for control in spec.controls:
        if control.name not in decoded:
            ctx.issue(control.name, "missing_control", control=shown(control.name))
            continue
        value = decoded[control.name]
        if value is None:
            if control.required:
                ctx.issue(control.name, "required")
            continue
        regions.extend(control.parse(value, control.name, ctx))
    names = {control.name for control in spec.controls}
    for key in decoded:
        if key not in names:
            ctx.issue(str(key), "unknown_control", name=shown(key))
    return ValidatedAnswer(tuple(regions), tuple(ctx.issues[:MAX_ISSUES]), decoded)


def _decode(answer: str | Mapping[str, Any]) -> tuple[Mapping[str, Any] | None,
                                                      AnswerIssue | None]:
    if isinstance(answer, Mapping):
        return answer, None
    if len(answer) > MAX_ANSWER_CHARS:
        return None, AnswerIssue("", "annotation.too_large", {"max": MAX_ANSWER_CHARS})
    value, reason = _json_in(answer)
    if reason is not None:
        return None, AnswerIssue("", "annotation.not_json", {"reason": reason})
    if not isinstance(value, dict):
        return None, AnswerIssue("", "annotation.not_object")
    return value, None


def _json_in(text: str) -> tuple[Any, str | None]:
    """The JSON value the text is, or holds in a ``` fence or after some prose."""
    first_error = None
    for candidate in _candidates(text):
        try:
            return _strict_loads(candidate), None
        except (ValueError, RecursionError) as exc:
            first_error = first_error or exc
    return None, shown(str(first_error) if first_error else "empty")


def _candidates(text: str) -> Sequence[str]:
    found = [text.strip()]
    found.extend(match.group(1).strip() for match in _FENCED.finditer(text))
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        found.append(text[start : end + 1])
    return [candidate for candidate in found if candidate]


def _strict_loads(text: str) -> Any:
    """json.loads without NaN or Infinity, which JSON has not and Label Studio cannot store."""
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
