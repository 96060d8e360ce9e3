"""Reading <Choice>/<Label> options out of a control tag, through layout tags."""

from __future__ import annotations

from turnout.annotation.controls.base import (
    LAYOUT_TAGS,
    Option,
    UnsupportedTag,
    bad_attr,
    number_attr,
    required_attr,
)
from turnout.annotation.xmlconfig import ConfigNode


def flat_options(node: ConfigNode, option_tag: str) -> tuple[Option, ...]:
    """The control's options in order, without repeats; nested options are refused."""
    found: dict[str, Option] = {}
    for child in _options(node, option_tag):
        if any(inner.kind == option_tag for inner in child.walk() if inner is not child):
            raise UnsupportedTag("nested_choices", f"nested <{child.tag}> (line {child.line})")
        option = make_option(child)
        found.setdefault(option.value, option)
    return tuple(found.values())


def make_option(node: ConfigNode) -> Option:
    value = required_attr(node, "value")
    alias = (node.attr("alias") or "").strip() or None
    hint = (node.attr("hint") or "").strip() or None
    return Option(value, alias, hint, max_uses(node))


def max_uses(node: ConfigNode) -> int | None:
    """A tag's `maxUsages`: a whole number ≥ 1, or None when not set."""
    uses = number_attr(node, "maxUsages")
    if uses is None:
        return None
    if uses < 1 or uses != int(uses):
        raise bad_attr(node, "maxUsages")
    return int(uses)


def _options(node: ConfigNode, option_tag: str) -> list[ConfigNode]:
    found = []
    for child in node.children:
        if child.kind == option_tag:
            found.append(child)
        elif child.kind in LAYOUT_TAGS:
            found.extend(_options(child, option_tag))
    return found
