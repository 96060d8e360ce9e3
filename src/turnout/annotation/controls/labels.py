"""<Labels> over Text or HyperText: spans the model quotes, located in the text here.

The model never gives offsets: it quotes the span and may say which occurrence it means (1 for
the first). With the project's `all_occurrences`, every occurrence of the quote is labelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from turnout.annotation.controls.base import (
    Control,
    Option,
    ParseContext,
    UnsupportedTag,
    allowed,
    bad_attr,
    match_option,
    option_list,
    reject_per_region,
    required_attr,
)
from turnout.annotation.controls.options import flat_options, max_uses
from turnout.annotation.issues import Region, shown
from turnout.annotation.xmlconfig import ConfigNode
from turnout.errors import LabelConfigInvalid

if TYPE_CHECKING:
    from turnout.annotation.sources import SourceText

MAX_SPANS = 500  # per control and answer; more is junk, not annotation
MAX_QUOTE_CHARS = 2000
# Which occurrence a quote may name; beyond it, locating costs more than any answer is worth.
MAX_OCCURRENCE = 1000
_ENTRY_KEYS = frozenset({"text", "label", "occurrence"})


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    option: Option
    raw_label: str
    quote: str
    at: str
    label_first: bool  # the model wrote "label" before "text"


@dataclass(frozen=True, kw_only=True)
class LabelsControl(Control):
    tag = "Labels"
    result_type = "labels"
    options: tuple[Option, ...]
    multiple: bool = False  # several labels on one span

    @classmethod
    def from_node(cls, node: ConfigNode) -> LabelsControl:
        reject_per_region(node)
        value = node.attr("value") or ""
        if value.strip().startswith("$"):
            raise UnsupportedTag("dynamic_labels", f'value="{shown(value)}"')
        mode = (node.attr("choice") or "single").strip().lower()
        if mode not in ("single", "multiple"):
            raise bad_attr(node, "choice")
        options = flat_options(node, "label")
        if not options:
            raise LabelConfigInvalid("no_options", tag=node.tag, line=node.line)
        default_uses = max_uses(node)
        return cls(
            name=required_attr(node, "name"),
            to_name=required_attr(node, "toName"),
            line=node.line,
            options=tuple(replace(o, max_uses=o.max_uses or default_uses) for o in options),
            multiple=mode == "multiple",
        )

    def schema(self) -> dict[str, Any]:
        entry = {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "label": {"type": "string", "enum": [option.value for option in self.options]},
                "occurrence": {"type": ["integer", "null"], "minimum": 1,
                               "maximum": MAX_OCCURRENCE},
            },
            "required": ["text", "label", "occurrence"],
            "additionalProperties": False,
        }
        return {"type": "array", "items": entry, "maxItems": MAX_SPANS}

    def answer_schema(self) -> dict[str, Any]:
        return self.schema()  # no spans is an empty list

    def describe(self) -> str:
        limits = "".join(
            f'; "{option.value}" on at most {option.max_uses} spans'
            for option in self.options if option.max_uses is not None
        )
        return (
            f'a list of spans of "{self.to_name}", each {{"text": the exact words copied from '
            f'the text, "label": one of {option_list(self.options)}, "occurrence": which '
            "occurrence of those words is meant (1 for the first) or null}; [] when there are "
            f"none{limits}"
        )

    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        source = ctx.sources.get(self.to_name)
        if not isinstance(value, list):
            ctx.issue(at, "expected.spans")
            return []
        if len(value) > MAX_SPANS:
            ctx.issue(at, "too_many", max=MAX_SPANS)
            return []
        if source is None:  # the reader guarantees it; kept for the type checker
            return []
        spans: list[_Span] = []
        for index, entry in enumerate(value):
            spans.extend(self._spans(entry, f"{at}[{index}]", source, ctx))
        regions = self._regions(spans, ctx, source)
        if len(regions) > MAX_SPANS:  # every occurrence of many quotes
            ctx.issue(at, "too_many", max=MAX_SPANS)
            return []
        return regions if self._within_uses(regions, at, ctx) else []

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        by_stored = {option.stored: option.value for option in self.options}
        spans = []
        for item in items:
            span = _human_span(item.get("value"), source)
            labels = item.get("value", {}).get("labels") if span else None
            if span and isinstance(labels, list):
                for label in labels:
                    if isinstance(label, str) and label in by_stored:
                        spans.append({"text": span["text"], "label": by_stored[label],
                                      "occurrence": span["occurrence"]})
        return spans

    def _spans(self, entry: Any, at: str, source: SourceText, ctx: ParseContext) -> list[_Span]:
        if not isinstance(entry, dict) or not set(entry) <= _ENTRY_KEYS or "text" not in entry:
            ctx.issue(at, "expected.span")
            return []
        quote, label, occurrence = entry.get("text"), entry.get("label"), entry.get("occurrence")
        option = match_option(self.options, label)
        if option is None:
            ctx.issue(f"{at}.label", "unknown_label", value=shown(label),
                      allowed=allowed(self.options))
        if not isinstance(quote, str) or not quote.strip():
            ctx.issue(f"{at}.text", "empty_quote")
            return []
        if len(quote) > MAX_QUOTE_CHARS:
            ctx.issue(f"{at}.text", "too_long", max=MAX_QUOTE_CHARS)
            return []
        if occurrence is not None and (
            not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 1
        ):
            ctx.issue(f"{at}.occurrence", "expected.occurrence")
            return []
        if occurrence is not None and occurrence > MAX_OCCURRENCE:
            ctx.issue(f"{at}.occurrence", "out_of_range", min=1, max=MAX_OCCURRENCE)
            return []
        starts = self._locate(quote, occurrence, f"{at}.text", source, ctx)
        if option is None or starts is None:
            return []
        raw_label = label if isinstance(label, str) else ""
        keys = list(entry)
        label_first = "label" in keys and keys.index("label") < keys.index("text")
        # The region leaves out the quote's outer whitespace: a span never starts or ends on a
        # line break, which in HyperText may be a <br> that no text node holds.
        lead, trail = len(quote) - len(quote.lstrip()), len(quote) - len(quote.rstrip())
        return [_Span(s + lead, s + len(quote) - trail, option, raw_label, quote, at,
                      label_first) for s in starts]

    def _locate(self, quote: str, occurrence: int | None, at: str, source: SourceText,
                ctx: ParseContext) -> list[int] | None:
        wanted = MAX_SPANS + 1 if ctx.all_occurrences else occurrence or 1
        starts = source.occurrences(quote, wanted)
        if not starts:
            ctx.issue(at, "span_not_found", quote=shown(quote), object=self.to_name)
            return None
        if ctx.all_occurrences:
            return starts
        if occurrence is None:
            return starts[:1]
        if occurrence > len(starts):
            ctx.issue(at, "no_such_occurrence", quote=shown(quote),
                      count=source.text.count(quote), occurrence=occurrence)
            return None
        return [starts[occurrence - 1]]

    def _within_uses(self, regions: Sequence[Region], at: str, ctx: ParseContext) -> bool:
        """Whether no label is on more regions than its `maxUsages` allows."""
        uses = _label_uses(regions)
        fits = True
        for option in self.options:
            if option.max_uses is not None and uses.get(option.stored, 0) > option.max_uses:
                ctx.issue(at, "too_many_uses", label=shown(option.value), max=option.max_uses)
                fits = False
        return fits

    def _regions(self, spans: list[_Span], ctx: ParseContext, source: SourceText
                 ) -> list[Region]:
        grouped: dict[tuple[int, int, str], list[_Span]] = {}
        for span in spans:
            key = (span.start, span.end, "" if self.multiple else span.option.value)
            group = grouped.setdefault(key, [])
            if all(other.option != span.option for other in group):
                group.append(span)
        regions = []
        for (start, end, _), group in grouped.items():
            located = source.span_value(start, end)
            if located is None:
                ctx.issue(group[0].at, "span_not_found", quote=shown(group[0].quote),
                          object=self.to_name)
                continue
            value = {**located, "labels": [span.option.stored for span in group]}
            first = group[0]
            raw = [first.raw_label, first.quote] if first.label_first else [first.quote,
                                                                            first.raw_label]
            regions.append(self.region(value, raw, first.at, ctx))
        return regions


def _label_uses(regions: Sequence[Region]) -> dict[str, int]:
    uses: dict[str, int] = {}
    for region in regions:
        for label in region.item["value"]["labels"]:
            uses[label] = uses.get(label, 0) + 1
    return uses


def _human_span(value: Any, source: SourceText | None) -> dict[str, Any] | None:
    """A stored span as {text, occurrence}, found again in the text by its offsets."""
    if source is None or not isinstance(value, dict):
        return None
    start, end = _offsets(value)
    if start is None or end is None or not 0 <= start < end <= len(source.text):
        return None
    quote = source.text[start:end]
    starts = source.occurrences(quote)
    # A span overlapping an earlier occurrence of its own words has no number: say "first".
    occurrence: int | None = starts.index(start) + 1 if start in starts else None
    return {"text": quote, "occurrence": occurrence}


def _offsets(value: Mapping[str, Any]) -> tuple[int | None, int | None]:
    offsets = value.get("globalOffsets") if isinstance(value.get("start"), str) else value
    if not isinstance(offsets, Mapping):
        return None, None
    start, end = offsets.get("start"), offsets.get("end")
    if isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool):
        return start, end
    return None, None
