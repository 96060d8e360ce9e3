"""A Label Studio labeling config → the TaskSpec pre-annotation works from.

Control tags come from the registry (`controls/registry.py`); object tags Text and HyperText
give the texts they label. Every tag that cannot be pre-annotated is collected and reported
together in one LABEL_CONFIG_UNSUPPORTED; layout tags (View, Header, Style…) are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from turnout.annotation.controls.base import Control, UnsupportedTag, required_attr
from turnout.annotation.controls.registry import CONTROLS, UNSUPPORTED_CONTROLS
from turnout.annotation.issues import shown
from turnout.annotation.xmlconfig import ConfigNode, read_config
from turnout.errors import LabelConfigInvalid, LabelConfigUnsupported

TEXT_OBJECTS = frozenset({"text", "hypertext"})


@dataclass(frozen=True, slots=True)
class ObjectTag:
    """An object tag (Text, Image…): its name, the data key of `value="$key"` or literal text."""

    name: str
    tag: str
    line: int
    data_key: str | None
    literal: str | None = None
    from_url: bool = False
    encoding: str | None = None  # base64 or base64unicode: the data is not the text itself

    @property
    def kind(self) -> str:
        return self.tag.lower()


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """The controls to answer, in config order, and the objects they label."""

    controls: tuple[Control, ...]
    objects: Mapping[str, ObjectTag]

    def control(self, name: str) -> Control:
        return next(control for control in self.controls if control.name == name)

    @property
    def labelled_objects(self) -> tuple[ObjectTag, ...]:
        names = dict.fromkeys(control.to_name for control in self.controls)
        return tuple(self.objects[name] for name in names)


def parse_label_config(xml: str) -> TaskSpec:
    """The config's TaskSpec; LabelConfigInvalid or LabelConfigUnsupported when it has none."""
    root = read_config(xml)
    if root.kind != "view":
        raise LabelConfigInvalid("not_view", tag=root.tag, line=root.line)
    objects: dict[str, ObjectTag] = {}
    controls: list[Control] = []
    unsupported: list[dict[str, Any]] = []
    for node in _tags(root):
        if _is_control(node):
            _read_control(node, controls, unsupported)
        elif node.attr("name") and node.attr("value") is not None:
            _add(objects, _object(node), node)
    _check_targets(controls, objects, unsupported)
    if unsupported:
        raise LabelConfigUnsupported(unsupported, _summary(unsupported))
    if not controls:
        raise LabelConfigInvalid("no_controls", line=root.line)
    _check_unique(controls, objects)
    return TaskSpec(tuple(controls), objects)


def _tags(root: ConfigNode) -> list[ConfigNode]:
    """Every tag outside control tags (whose children are their own business), in order."""
    found, pending = [], [root]
    while pending:
        node = pending.pop()
        found.append(node)
        if not _is_control(node):
            pending.extend(reversed(node.children))
    return found


def _is_control(node: ConfigNode) -> bool:
    kind = node.kind
    return kind in CONTROLS or kind in UNSUPPORTED_CONTROLS or node.attr("toName") is not None


def _read_control(node: ConfigNode, controls: list[Control], unsupported: list[dict[str, Any]]
                  ) -> None:
    cls = CONTROLS.get(node.kind)
    if cls is None:
        unsupported.append(_entry(node, "tag", f"<{node.tag}>"))
        return
    condition = node.attr("visibleWhen")
    if condition is not None:
        # Label Studio's "nested labeling": shown only after another answer or on a region.
        reason = "nested_choices" if node.kind == "choices" else "conditional"
        unsupported.append(_entry(node, reason, f'visibleWhen="{shown(condition)}"'))
        return
    try:
        controls.append(cls.from_node(node))
    except UnsupportedTag as exc:
        unsupported.append(_entry(node, exc.reason, exc.detail))


def _object(node: ConfigNode) -> ObjectTag:
    value = (node.attr("value") or "").strip()
    from_url = (node.attr("valueType") or "").strip().lower() == "url"
    encoding = (node.attr("encoding") or "").strip().lower()
    encoded = encoding if encoding not in ("", "none") else None
    name = required_attr(node, "name")
    if value.startswith("$") and len(value) > 1:
        return ObjectTag(name, node.tag, node.line, value[1:], None, from_url, encoded)
    return ObjectTag(name, node.tag, node.line, None, value, from_url, encoded)


def _add(objects: dict[str, ObjectTag], tag: ObjectTag, node: ConfigNode) -> None:
    if tag.name in objects:
        raise LabelConfigInvalid("duplicate_name", name=shown(tag.name), line=node.line)
    objects[tag.name] = tag


def _check_targets(controls: list[Control], objects: Mapping[str, ObjectTag],
                   unsupported: list[dict[str, Any]]) -> None:
    for control in controls:
        if "," in control.to_name:
            # One control over several objects (e.g. Pairwise comparisons): no text to quote.
            detail = f'toName="{shown(control.to_name)}"'
            unsupported.append(_control_entry(control, "several_objects", detail))
            continue
        target = objects.get(control.to_name)
        if target is None:
            raise LabelConfigInvalid(
                "unknown_object", tag=control.tag, name=shown(control.name),
                to_name=shown(control.to_name), line=control.line,
            )
        if target.kind not in TEXT_OBJECTS:
            detail = f'toName="{shown(target.name)}" is <{target.tag}>'
            unsupported.append(_control_entry(control, "object", detail))
        elif target.from_url:
            detail = f'<{target.tag} name="{shown(target.name)}" valueType="url">'
            unsupported.append(_control_entry(control, "object_url", detail))
        elif target.encoding:
            encoding = shown(target.encoding)
            detail = f'<{target.tag} name="{shown(target.name)}" encoding="{encoding}">'
            unsupported.append(_control_entry(control, "object_encoding", detail))


def _check_unique(controls: list[Control], objects: Mapping[str, ObjectTag]) -> None:
    seen = set(objects)
    for control in controls:
        if control.name in seen:
            raise LabelConfigInvalid("duplicate_name", name=shown(control.name), line=control.line)
        seen.add(control.name)


def _entry(node: ConfigNode, reason: str, detail: str) -> dict[str, Any]:
    name = node.attr("name")
    return {"tag": node.tag, "name": name, "line": node.line, "reason": reason, "detail": detail}


def _control_entry(control: Control, reason: str, detail: str) -> dict[str, Any]:
    return {"tag": control.tag, "name": control.name, "line": control.line, "reason": reason,
            "detail": detail}


def _summary(entries: list[dict[str, Any]]) -> str:
    parts = []
    for entry in entries:
        name = f' "{shown(entry["name"])}"' if entry["name"] else ""
        parts.append(f"{entry['tag']}{name} (line {entry['line']}: {entry['detail']})")
    return "; ".join(parts)
