"""<TextArea>: free text the model writes, one or several entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.annotation.controls.base import (
    Control,
    ParseContext,
    bad_attr,
    flag,
    number_attr,
    reject_per_region,
    required_attr,
)
from turnout.annotation.issues import Region
from turnout.annotation.xmlconfig import ConfigNode

if TYPE_CHECKING:
    from turnout.annotation.sources import SourceText

MAX_TEXTS = 20  # when the config sets no maxSubmissions
MAX_TEXT_CHARS = 10_000


@dataclass(frozen=True, kw_only=True)
class TextAreaControl(Control):
    tag = "TextArea"
    result_type = "textarea"
    max_texts: int = MAX_TEXTS
    skip_duplicates: bool = False

    @classmethod
    def from_node(cls, node: ConfigNode) -> TextAreaControl:
        reject_per_region(node)
        limit = number_attr(node, "maxSubmissions")
        if limit is not None and (limit < 1 or limit != int(limit)):
            raise bad_attr(node, "maxSubmissions")
        return cls(
            name=required_attr(node, "name"),
            to_name=required_attr(node, "toName"),
            line=node.line,
            required=flag(node, "required"),
            max_texts=min(int(limit), MAX_TEXTS) if limit else MAX_TEXTS,
            skip_duplicates=flag(node, "skipDuplicates"),
        )

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}, "maxItems": self.max_texts}

    def describe(self) -> str:
        return (
            f"a list of at most {self.max_texts} texts you write "
            f"(each at most {MAX_TEXT_CHARS} characters; {self.null_rule()})"
        )

    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        if not isinstance(value, list) or not all(isinstance(text, str) for text in value):
            ctx.issue(at, "expected.strings")
            return []
        if len(value) > self.max_texts:
            ctx.issue(at, "too_many", max=self.max_texts)
            return []
        texts = [text for text in value if text.strip()]
        too_long = [i for i, text in enumerate(value) if len(text) > MAX_TEXT_CHARS]
        for index in too_long:
            ctx.issue(f"{at}[{index}]", "too_long", max=MAX_TEXT_CHARS)
        if too_long:
            return []
        if self.skip_duplicates:
            texts = list(dict.fromkeys(texts))
        if not texts:
            if self.required:
                ctx.issue(at, "too_few", min=1)
            return []
        return [self.region({"text": texts}, texts, at, ctx)]

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        for item in items:
            texts = item.get("value", {}).get("text")
            if isinstance(texts, list) and all(isinstance(text, str) for text in texts):
                return texts[: self.max_texts]
        return None
