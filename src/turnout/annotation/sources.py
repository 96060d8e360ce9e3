"""The texts of one task that controls label, as a model sees them and Label Studio counts them.

Offsets, checked against Label Studio's front end (`web/libs/editor/src/utils/selection-tools.js`:
`charsToCodePoints` "for external usage js length should be converted to code points count",
`fixCodePointsInRange`, `findOnPosition`; `regions/RichTextRegion.js` `initRangeAndOffsets`):

- Text regions: `start`/`end` count Unicode code points, like Python's `str` indexes, so
  `value.text == data[start:end]` holds for emoji and CJK alike without conversion.
- HyperText regions: `globalOffsets` and the in-node `startOffset`/`endOffset` count code
  points too (see `hypertext.py`). The front end converts to UTF-16 only inside the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from turnout.annotation.hypertext import HtmlText, read_html
from turnout.errors import TaskDataInvalid

if TYPE_CHECKING:
    from turnout.annotation.label_config import ObjectTag, TaskSpec

ObjectKind = Literal["text", "hypertext"]
# Per object: a text this long no longer fits a prompt, and costs more than it is worth.
MAX_SOURCE_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class SourceText:
    """One object's text: what the prompt shows and spans are found in."""

    name: str
    kind: ObjectKind
    text: str
    html: HtmlText | None = None

    @classmethod
    def of(cls, name: str, kind: ObjectKind, data: str) -> SourceText:
        if kind == "hypertext":
            html = read_html(data)
            return cls(name, kind, html.text, html)
        return cls(name, kind, data)

    def occurrences(self, quote: str, limit: int | None = None) -> list[int]:
        """Where `quote` starts in the text, left to right, occurrences not overlapping;
        the first `limit` of them when given."""
        found: list[int] = []
        start = self.text.find(quote)
        while start >= 0 and quote and len(found) != limit:
            found.append(start)
            start = self.text.find(quote, start + len(quote))
        return found

    def span_value(self, start: int, end: int) -> dict[str, Any] | None:
        """The result value locating text[start:end] (code points), None if it cannot."""
        if not 0 <= start < end <= len(self.text):
            return None
        if self.html is not None:
            return self.html.span_value(start, end)
        return {"start": start, "end": end, "text": self.text[start:end]}


def task_sources(spec: TaskSpec, data: Mapping[str, Any]) -> dict[str, SourceText]:
    """The text of every object the spec's controls label, from one task's `data`;
    TaskDataInvalid (missing_field, not_text, too_large) when a text is unusable."""
    return {tag.name: _source(tag, data) for tag in spec.labelled_objects}


def _source(tag: ObjectTag, data: Mapping[str, Any]) -> SourceText:
    kind: ObjectKind = "hypertext" if tag.kind == "hypertext" else "text"
    if tag.data_key is None:
        return SourceText.of(tag.name, kind, tag.literal or "")
    if tag.data_key not in data:
        raise TaskDataInvalid("missing_field", field=tag.data_key)
    value = data[tag.data_key]
    if not isinstance(value, str):
        raise TaskDataInvalid("not_text", field=tag.data_key)
    if len(value) > MAX_SOURCE_CHARS:
        raise TaskDataInvalid("too_large", field=tag.data_key, limit=MAX_SOURCE_CHARS)
    return SourceText.of(tag.name, kind, value)
