"""HTML as Label Studio's HyperText tag counts it: text nodes with their XPaths.

Label Studio's front end (`RichText`, `utils/selection-tools.js`) measures a HyperText region
two ways, and a prediction carries both:

- `globalOffsets` {start, end}: code points into the concatenation of every text node's
  content, a <br> counting as one character (`[...textContent].length`, `findGlobalOffset`);
- `start`/`end` XPaths of text nodes (e.g. `/p[1]/text()[1]`, relative to the HyperText root)
  with `startOffset`/`endOffset` inside those nodes, in code points too: a selection goes
  through `fixCodePointsInRange` before `xpath.fromRange`, and a loaded region's offsets are
  added up as code points by `findGlobalOffset` (regions/RichTextRegion.js). So no offset
  Label Studio stores is in UTF-16 units, and Python's `str` indexes fit them all.

The text a model sees is that same concatenation (a <br> shown as a line break), so a quote
found in it maps straight to global offsets. XPaths assume well-formed HTML: where a browser
repairs markup (implicit <tbody>, unclosed <p>) they may miss, and Label Studio falls back to
the global offsets, which do not depend on the tree's shape. Script, style and head content is
left out, as Label Studio's HTML sanitising removes it (assumed, not read in its source).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

# Elements that never have children; the parser reports no end tag for them.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)
# Wrappers the browser turns into the document itself, and content it never shows.
_DOCUMENT = frozenset({"html", "body"})
_HIDDEN = frozenset({"head", "script", "style", "template", "title"})


@dataclass(frozen=True, slots=True)
class TextNode:
    xpath: str
    text: str
    start: int  # code points into HtmlText.text


@dataclass(frozen=True, slots=True)
class HtmlText:
    """The text of an HTML document as Label Studio counts it, and its text nodes."""

    text: str
    nodes: tuple[TextNode, ...]

    def span_value(self, start: int, end: int) -> dict[str, object] | None:
        """A HyperText result value for text[start:end] (code points), or None when an end
        falls outside every text node (only a <br> there)."""
        first = next((n for n in self.nodes if n.start <= start < n.start + len(n.text)), None)
        last = next((n for n in self.nodes if n.start < end <= n.start + len(n.text)), None)
        if first is None or last is None:
            return None
        return {
            "start": first.xpath,
            "end": last.xpath,
            "startOffset": start - first.start,
            "endOffset": end - last.start,
            "globalOffsets": {"start": start, "end": end},
            "text": self.text[start:end],
        }


def read_html(html: str) -> HtmlText:
    """The text nodes of `html` in document order, with XPaths and global offsets."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.flush()
    return HtmlText("".join(reader.parts), tuple(reader.nodes))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.path: list[tuple[str, int]] = []
        self.counters: list[dict[str, int]] = [{}]
        self.hidden = 0
        self.pending = ""
        self.parts: list[str] = []
        self.nodes: list[TextNode] = []
        self.length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DOCUMENT:
            return
        self.flush()
        if self.hidden or tag in _HIDDEN:
            self.hidden += tag not in _VOID
            return
        if tag == "br":
            self._append("\n")
        index = self._count(tag)
        if tag not in _VOID:
            self.path.append((tag, index))
            self.counters.append({})

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _DOCUMENT:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DOCUMENT or tag in _VOID:
            return
        self.flush()
        if self.hidden:
            self.hidden -= 1
            return
        names = [name for name, _ in self.path]
        if tag in names:
            # Close up to the matching element, as a browser does with misnested tags.
            depth = len(names) - 1 - names[::-1].index(tag)
            del self.path[depth:]
            del self.counters[depth + 1 :]

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.pending += data

    def handle_comment(self, data: str) -> None:
        self.flush()

    def flush(self) -> None:
        """End the text node being read (a tag or a comment follows it)."""
        if not self.pending:
            return
        text, self.pending = self.pending, ""
        index = self._count("text()")
        xpath = "/" + "/".join(f"{name}[{n}]" for name, n in [*self.path, ("text()", index)])
        self.nodes.append(TextNode(xpath, text, self.length))
        self._append(text)

    def _count(self, name: str) -> int:
        counter = self.counters[-1]
        counter[name] = counter.get(name, 0) + 1
        return counter[name]

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)
