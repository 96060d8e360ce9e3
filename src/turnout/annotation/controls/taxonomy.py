"""<Taxonomy>: paths from the root of a tree of nested <Choice> tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.annotation.controls.base import (
    Control,
    Option,
    ParseContext,
    UnsupportedTag,
    bad_attr,
    flag,
    match_option,
    number_attr,
    reject_per_region,
    required_attr,
)
from turnout.annotation.controls.options import make_option
from turnout.annotation.issues import Region, shown
from turnout.annotation.xmlconfig import ConfigNode
from turnout.errors import LabelConfigInvalid

if TYPE_CHECKING:
    from turnout.annotation.sources import SourceText

MAX_PATHS = 50
PATH_SEPARATOR = " / "


@dataclass(frozen=True, slots=True)
class Taxon:
    option: Option
    children: tuple[Taxon, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TaxonomyControl(Control):
    tag = "Taxonomy"
    result_type = "taxonomy"
    roots: tuple[Taxon, ...]
    leafs_only: bool = False
    max_paths: int = MAX_PATHS

    @classmethod
    def from_node(cls, node: ConfigNode) -> TaxonomyControl:
        if node.attr("apiUrl"):
            raise UnsupportedTag("dynamic_choices", 'apiUrl="…"')
        reject_per_region(node)
        if flag(node, "labeling"):
            raise UnsupportedTag("per_region", 'labeling="true"')
        usages = number_attr(node, "maxUsages")
        if usages is not None and (usages < 1 or usages != int(usages)):
            raise bad_attr(node, "maxUsages")
        roots = _taxa(node)
        if not roots:
            raise LabelConfigInvalid("no_options", tag=node.tag, line=node.line)
        return cls(
            name=required_attr(node, "name"),
            to_name=required_attr(node, "toName"),
            line=node.line,
            required=flag(node, "required"),
            roots=roots,
            leafs_only=flag(node, "leafsOnly"),
            max_paths=min(int(usages), MAX_PATHS) if usages else MAX_PATHS,
        )

    def paths(self) -> list[tuple[Taxon, ...]]:
        """Every node's path from a root, in document order."""
        found: list[tuple[Taxon, ...]] = []
        pending: list[tuple[Taxon, ...]] = [(taxon,) for taxon in reversed(self.roots)]
        while pending:
            path = pending.pop()
            found.append(path)
            pending.extend((*path, child) for child in reversed(path[-1].children))
        return found

    def schema(self) -> dict[str, Any]:
        names = sorted({path[-1].option.value for path in self.paths()})
        step = {"type": "string", "enum": names}
        path = {"type": "array", "items": step, "minItems": 1}
        return {"type": "array", "items": path, "maxItems": self.max_paths}

    def describe(self) -> str:
        shown_paths = [
            PATH_SEPARATOR.join(t.option.value for t in path)
            for path in self.paths()
            if not self.leafs_only or not path[-1].children
        ]
        return (
            f"a list of at most {self.max_paths} paths, each a list of names from the top of "
            f"this tree down: {'; '.join(shown_paths)} ({self.null_rule()})"
        )

    def parse(self, value: Any, at: str, ctx: ParseContext) -> list[Region]:
        if not isinstance(value, list):
            ctx.issue(at, "expected.paths")
            return []
        if len(value) > self.max_paths:
            ctx.issue(at, "too_many", max=self.max_paths)
            return []
        found: dict[tuple[str, ...], tuple[list[Taxon], list[str]]] = {}
        broken = False
        for index, entry in enumerate(value):
            taxa = self._walk(entry, f"{at}[{index}]", ctx)
            if taxa is None:
                broken = True
                continue
            found.setdefault(tuple(t.option.value for t in taxa), (taxa, entry))
        if broken:
            return []
        if not found:
            if self.required:
                ctx.issue(at, "too_few", min=1)
            return []
        paths = [[t.option.stored for t in taxa] for taxa, _ in found.values()]
        raw = [name for _, written in found.values() for name in written]
        allowed = [level for taxa, _ in found.values() for level in self._levels(taxa)]
        return [self.region({"taxonomy": paths}, raw, at, ctx, allowed)]

    def _levels(self, taxa: Sequence[Taxon]) -> list[list[str]]:
        """The names that could have been written at each step of a path."""
        levels, siblings = [], self.roots
        for taxon in taxa:
            levels.append([sibling.option.value for sibling in siblings])
            siblings = taxon.children
        return levels

    def answer_from(self, items: Sequence[Mapping[str, Any]], source: SourceText | None) -> Any:
        by_stored = {
            tuple(t.option.stored for t in path): [t.option.value for t in path]
            for path in self.paths()
        }
        for item in items:
            paths = item.get("value", {}).get("taxonomy")
            if isinstance(paths, list):
                known = [by_stored[tuple(p)] for p in paths
                         if _strings(p) and tuple(p) in by_stored]
                if known:
                    return known
        return None

    def _walk(self, entry: Any, at: str, ctx: ParseContext) -> list[Taxon] | None:
        if not _strings(entry) or not entry:
            ctx.issue(at, "expected.path")
            return None
        level, taxa = self.roots, []
        for name in entry:
            option = match_option([t.option for t in level], name)
            if option is None:
                ctx.issue(at, "unknown_path", path=shown(PATH_SEPARATOR.join(entry)))
                return None
            taxon = next(t for t in level if t.option is option)
            taxa.append(taxon)
            level = taxon.children
        if self.leafs_only and level:
            ctx.issue(at, "not_leaf", path=shown(PATH_SEPARATOR.join(entry)))
            return None
        return taxa


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _taxa(node: ConfigNode) -> tuple[Taxon, ...]:
    found: dict[str, Taxon] = {}
    for child in node.children:
        if child.kind == "choice":
            taxon = Taxon(make_option(child), _taxa(child))
            found.setdefault(taxon.option.value, taxon)
    return tuple(found.values())
