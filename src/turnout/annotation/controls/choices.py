"""<Choices>: one or several of a fixed list of classes for the whole object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.annotation.controls.base import (
    Control,
    Option,
    ParseContext,
    UnsupportedTag,
    allowed,
    bad_attr,
    flag,
    match_option,
    option_list,
    reject_per_region,
    required_attr,
)
from turnout.annotation.controls.options import flat_options
from turnout.annotation.issues import Region, shown
from turnout.annotation.xmlconfig import ConfigNode
from turnout.errors import LabelConfigInvalid

if TYPE_CHECKING:
    from turnout.annotation.sources import SourceText

_MODES = {"single": False, "single-radio": False, "multiple": True}


@dataclass(frozen=True, kw_only=True)
class ChoicesControl(Control):
    tag = "Choices"
    result_type = "choices"
    options: tuple[Option, ...]
    multiple: bool = False

    @classmethod
    def from_node(cls, node: ConfigNode) -> ChoicesControl:
        value = node.attr("value") or ""
        if value.strip().startswith("$"):
            raise UnsupportedTag("dynamic_choices", f'value="{shown(value)}"')
        reject_per_region(node)
        mode = (node.attr("choice") or "single").strip().lower()
        if mode not in _MODES:
            raise bad_attr(node, "choice")
        options = flat_options(node, "choice")
        if not options:
            raise LabelConfigInvalid("no_options", tag=node.tag, line=node.line)
        return cls(
            name=required_attr(node, "name"),
            to_name=required_attr(node, "toName"),
            line=node.line,
            required=flag(node, "required"),
            options=options,
            multiple=_MODES[mode],
        )

    def schema(self) -> dict[str, Any]:
        one = {"type": "string", "enum": [option.value for option in self.options]}
        if not self.multiple:
            return one
        return {"type": "array", "items": one, "maxItems": len(self.options)}

    def describe(self) -> str:
        how = "a list of any of" if self.multiple else "exactly one of"
        return f"{how}: {option_list(self.options)} ({self.null_rule()})"

    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        picked = self._many(value, at, ctx) if self.multiple else self._one(value, at, ctx)
        if picked is None:
            return []
        stored = [option.stored for option, _ in picked]
        raw = [written for _, written in picked]
        values = [option.value for option in self.options]
        return [self.region({"choices": stored}, raw, at, ctx, [values] * len(raw))]

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        by_stored = {option.stored: option.value for option in self.options}
        for item in items:
            chosen = item.get("value", {}).get("choices")
            if isinstance(chosen, list):
                values = [by_stored[c] for c in chosen if isinstance(c, str) and c in by_stored]
                if values:
                    return values if self.multiple else values[0]
        return None

    def _one(self, value: Any, at: str, ctx: ParseContext) -> list[tuple[Option, str]] | None:
        if not isinstance(value, str):
            ctx.issue(at, "expected.string")
            return None
        option = match_option(self.options, value)
        if option is None:
            ctx.issue(at, "unknown_choice", value=shown(value), allowed=allowed(self.options))
            return None
        return [(option, value)]

    def _many(self, value: Any, at: str, ctx: ParseContext) -> list[tuple[Option, str]] | None:
        if not isinstance(value, list):
            ctx.issue(at, "expected.strings")
            return None
        if len(value) > len(self.options):
            ctx.issue(at, "too_many", max=len(self.options))
            return None
        picked: dict[str, tuple[Option, str]] = {}
        broken = False
        for index, entry in enumerate(value):
            one = self._one(entry, f"{at}[{index}]", ctx)
            if one is None:
                broken = True
                continue
            option, raw = one[0]
            picked.setdefault(option.value, (option, raw))
        if broken:
            return None
        if not picked:
            if self.required:
                ctx.issue(at, "too_few", min=1)
            return None
        return list(picked.values())
