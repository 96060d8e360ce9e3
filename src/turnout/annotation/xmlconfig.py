"""A labeling config's XML read safely into a small tree that remembers each tag's line.

defusedxml refuses DTDs, entity declarations (billion laughs) and external entities before
expat expands anything; the size is checked before parsing and the depth while parsing, so a
hostile config costs at most MAX_CONFIG_BYTES of work.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from turnout.errors import LabelConfigInvalid

MAX_CONFIG_BYTES = 256 * 1024
MAX_DEPTH = 64
_HOSTILE = {
    DTDForbidden: "dtd", EntitiesForbidden: "entities", ExternalReferenceForbidden: "external"
}


@dataclass(slots=True)
class ConfigNode:
    """One tag: its name as written, attributes, children in order and 1-based line."""

    tag: str
    attrs: Mapping[str, str]
    line: int
    children: list[ConfigNode] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The tag name lowercased: Label Studio reads tag names without regard to case."""
        return self.tag.lower()

    def attr(self, name: str) -> str | None:
        """An attribute by name, case-insensitively (Label Studio lowercases them too)."""
        wanted = name.lower()
        return next((v for k, v in self.attrs.items() if k.lower() == wanted), None)

    def walk(self) -> Iterator[ConfigNode]:
        """This node and every descendant, in document order (depth is bounded by the reader)."""
        yield self
        for child in self.children:
            yield from child.walk()


class _TreeBuilder:
    """expat target that builds ConfigNodes, noting lines and refusing deep nesting."""

    def __init__(self) -> None:
        self.parser: Any = None
        self.stack: list[ConfigNode] = []
        self.root: ConfigNode | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise LabelConfigInvalid("too_deep", line=self._line(), limit=MAX_DEPTH)
        node = ConfigNode(tag, dict(attrs), self._line())
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        """Text between tags is layout for Label Studio, never a value."""

    def close(self) -> ConfigNode | None:
        return self.root

    def _line(self) -> int:
        return int(self.parser.parser.CurrentLineNumber) if self.parser else 1


def read_config(xml: str) -> ConfigNode:
    """The config's tag tree, or LabelConfigInvalid (too_large, syntax, dtd, entities…)."""
    size = len(xml.encode("utf-8", "surrogatepass"))
    if size > MAX_CONFIG_BYTES:
        raise LabelConfigInvalid("too_large", limit=f"{MAX_CONFIG_BYTES // 1024} KiB", size=size)
    builder = _TreeBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(xml)
        root = parser.close()
    except ParseError as exc:
        line, column = exc.position
        raise LabelConfigInvalid("syntax", line=line, column=column + 1) from exc
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise LabelConfigInvalid(_HOSTILE[type(exc)], line=_line_of(parser)) from exc
    except UnicodeEncodeError as exc:
        raise LabelConfigInvalid("syntax", line=1, column=1) from exc
    if root is None:
        raise LabelConfigInvalid("syntax", line=1, column=1)
    return root


def _line_of(parser: Any) -> int:
    try:
        return int(parser.parser.CurrentLineNumber)
    except AttributeError:
        return 1
