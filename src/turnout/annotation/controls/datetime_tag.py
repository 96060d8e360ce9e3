"""<DateTime>: a date, a time, both, or a year, stored as Label Studio's tag formats it.

The model always answers in ISO form; the stored value follows the tag: `%Y-%m-%dT%H:%M` by
default, `%Y-%m-%d` with only="date", `%H:%M` with only="time", the year alone with only="year",
or the tag's own strftime `format` (d3's directives, which Python's strftime shares for the
ones accepted here).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from turnout.annotation.controls.base import (
    Control,
    ParseContext,
    UnsupportedTag,
    bad_attr,
    flag,
    reject_per_region,
    required_attr,
)
from turnout.annotation.issues import Region, shown
from turnout.annotation.xmlconfig import ConfigNode

if TYPE_CHECKING:
    from turnout.annotation.sources import SourceText

Form = Literal["datetime", "date", "time", "year"]
# What the model writes, and how it is read, per form.
_ISO: dict[Form, tuple[str, str]] = {
    "datetime": ("%Y-%m-%dT%H:%M", "2024-05-31T14:30"),
    "date": ("%Y-%m-%d", "2024-05-31"),
    "time": ("%H:%M", "14:30"),
    "year": ("%Y", "2024"),
}
_PATTERNS: dict[Form, str] = {
    "datetime": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}",
    "date": r"\d{4}-\d{2}-\d{2}",
    "time": r"\d{2}:\d{2}",
    "year": r"\d{4}",
}
_SAFE_DIRECTIVES = frozenset("YymdHMSBbIpj%")


@dataclass(frozen=True, kw_only=True)
class DateTimeControl(Control):
    tag = "DateTime"
    result_type = "datetime"
    form: Form = "datetime"
    output_format: str | None = None
    minimum: str | None = None
    maximum: str | None = None

    @classmethod
    def from_node(cls, node: ConfigNode) -> DateTimeControl:
        reject_per_region(node)
        output_format = node.attr("format")
        if output_format and not set(re.findall(r"%(.)", output_format)) <= _SAFE_DIRECTIVES:
            raise bad_attr(node, "format")
        return cls(
            name=required_attr(node, "name"),
            to_name=required_attr(node, "toName"),
            line=node.line,
            required=flag(node, "required"),
            form=_form(node.attr("only")),
            output_format=output_format or None,
            minimum=(node.attr("min") or "").strip() or None,
            maximum=(node.attr("max") or "").strip() or None,
        )

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{_PATTERNS[self.form]}$"}

    def describe(self) -> str:
        bounds = "".join(
            f", {word} {bound}"
            for word, bound in (("not before", self.minimum), ("not after", self.maximum))
            if bound
        )
        example = _ISO[self.form][1]
        return f'a {self.form} written like "{example}"{bounds} ({self.null_rule()})'

    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        iso, example = _ISO[self.form]
        moment = _read(value, self.form)
        if moment is None:
            ctx.issue(at, "bad_datetime", form=self.form, example=example)
            return []
        if not self._in_range(moment):
            low, high = self.minimum or "…", self.maximum or "…"
            ctx.issue(at, "out_of_range", min=low, max=high)
            return []
        stored = moment.strftime(self.output_format or iso)
        return [self.region({"datetime": stored}, [str(value)], at, ctx)]

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        iso = _ISO[self.form][0]
        for item in items:
            stored = item.get("value", {}).get("datetime")
            try:
                return datetime.strptime(str(stored), self.output_format or iso).strftime(iso)
            except ValueError:
                continue
        return None

    def _in_range(self, moment: datetime) -> bool:
        if self.form == "time":
            return True  # Label Studio bounds dates and years only
        key = moment.strftime("%Y" if self.form == "year" else "%Y-%m-%d")
        width = len(key)
        low = (self.minimum or "")[:width]
        high = (self.maximum or "")[:width]
        return (not low or key >= low) and (not high or key <= high)


def _form(only: str | None) -> Form:
    parts = {part.strip().lower() for part in (only or "").split(",") if part.strip()}
    if not parts or parts == {"date", "time"}:
        return "datetime"
    for form in ("date", "time", "year"):
        if parts == {form}:
            return form
    raise UnsupportedTag("datetime_parts", f'only="{shown(only)}"')


def _read(value: Any, form: Form) -> datetime | None:
    if not isinstance(value, str) or not re.fullmatch(_PATTERNS[form], value, re.ASCII):
        return None
    try:
        return datetime.strptime(value, _ISO[form][0])
    except ValueError:
        return None
