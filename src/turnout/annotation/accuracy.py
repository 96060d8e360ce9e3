"""How close a prediction came to the human annotation that followed it, region by region.

Both sides are Label Studio `result` lists. Items are grouped by `from_name` (relations and
other items without one are left out), and each control's values are matched one to one:

- choices: each chosen label; taxonomy: each root→leaf path (label "a / b / c");
- rating, number: the number (compared as a number); datetime: the trimmed text;
- textarea: each text, NFKC-normalised, case-folded, with runs of whitespace as one space
  (label ""); `ControlComparison.similarity` adds the token F1 of the whole texts (the SQuAD
  answer metric: tokens are runs of letters and digits, CJK ideographs and kana one each);
- labels, hypertextlabels (spans): a span is its range and one label (a span with several
  labels counts once per label); a predicted span matches an annotated one of the same label
  over the same node when their IoU (intersection / union of the character ranges) is at
  least `IOU_MATCH` (0.5), paired one to one, highest IoU first;
- any other type: its value as canonical JSON (label "").

Each predicted value is a true positive (matched) or a false positive, each annotated value
left unmatched a false negative: the rows of the `region_outcomes` table, with the predicted
region's raw score (FN rows have none). From summed counts per label, `Counts` gives
precision tp/(tp+fp), recall tp/(tp+fn), F1 2tp/(2tp+fp+fn) and accuracy tp/(tp+fp+fn), each
None when its denominator is 0, so the same sums a GROUP BY computes give the same metrics.

A control is `exact` when the human kept it unchanged (same values, a span's exact range;
ids, scores and a span's text do not count) and `correct` when every value matched; a task is
*accepted* when every control is exact, and `task_correct` is the share of its controls that
are correct. Calibration pairs are (raw score, matched?) for every scored predicted region.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeGuard

IOU_MATCH = 0.5
LABEL_CHARS = 256  # region_outcomes.label
SPAN_TYPES = frozenset({"labels", "hypertextlabels"})
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")

Item = Mapping[str, Any]


class Outcome(StrEnum):
    TP = "tp"
    FP = "fp"
    FN = "fn"


@dataclass(frozen=True, slots=True)
class RegionOutcome:
    """One value of one control: matched (tp), predicted only (fp) or annotated only (fn),
    with the predicted region's id and raw score where there was one."""

    from_name: str
    label: str
    outcome: Outcome
    raw_score: float | None = None
    region_id: str | None = None

    @property
    def correct(self) -> float:
        return 1.0 if self.outcome is Outcome.TP else 0.0


@dataclass(frozen=True, slots=True)
class ControlComparison:
    from_name: str
    type: str
    exact: bool
    correct: bool
    similarity: float | None  # textarea only: token F1 of the texts


@dataclass(frozen=True, slots=True)
class TaskComparison:
    controls: tuple[ControlComparison, ...]
    regions: tuple[RegionOutcome, ...]
    accepted: bool
    task_correct: float | None  # share of controls correct; None without controls


@dataclass(frozen=True, slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def accuracy(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp + self.fn)


@dataclass(frozen=True, slots=True)
class LabelMetrics:
    model_version: str
    from_name: str
    label: str
    counts: Counts


@dataclass(frozen=True, slots=True)
class _Value:
    """A value of a control: `key` is what must be equal (a span's label, node and range),
    `label` its name in reports."""

    key: Hashable
    label: str
    item: Item


@dataclass(frozen=True, slots=True)
class _Span:
    """A span's label and range; `node` is None over Text, (start xpath, end xpath) over
    HyperText."""

    label: str
    node: Hashable
    start: int
    end: int


def compare(
    *,
    prediction: Sequence[Item],
    annotation: Sequence[Item],
    raw_scores: Mapping[str, float | None] | None = None,
    iou_match: float = IOU_MATCH,
) -> TaskComparison:
    """The prediction's result items against the annotation's, control by control. A region's
    raw score is `raw_scores[item id]` when given (written items may carry calibrated scores),
    else the item's own `score`."""
    predicted, annotated = _by_control(prediction), _by_control(annotation)
    controls, regions = [], []
    for name in sorted(predicted.keys() | annotated.keys()):
        ours, theirs = predicted.get(name, []), annotated.get(name, [])
        control, outcomes = _compare_control(name, ours, theirs, raw_scores, iou_match)
        controls.append(control)
        regions.extend(outcomes)
    return TaskComparison(
        controls=tuple(controls),
        regions=tuple(regions),
        accepted=all(control.exact for control in controls),
        task_correct=_ratio(sum(control.correct for control in controls), len(controls)),
    )


def same_region(a: Item, b: Item, *, iou_match: float = IOU_MATCH) -> bool:
    """Whether two result items hold the same region: same control, type and values, spans
    matched label by label at IoU ≥ `iou_match`."""
    kind = str(a.get("type", ""))
    if a.get("from_name") != b.get("from_name") or kind != b.get("type"):
        return False
    ours, theirs = _values(kind, [a]), _values(kind, [b])
    if kind in SPAN_TYPES:
        pairs = _span_pairs(ours, theirs, iou_match)
        return len(pairs) == len(ours) == len(theirs)
    return Counter(v.key for v in ours) == Counter(v.key for v in theirs)


def span_iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two character ranges [start, end)."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 and inter > 0 else float(a == b)


def normalized_text(text: str) -> str:
    """A text as TextArea answers are compared: NFKC, case-folded, whitespace squeezed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text_similarity(*, predicted: str, annotated: str) -> float:
    """Token F1 between two texts (see the module docstring), in [0, 1]."""
    ours, theirs = Counter(_tokens(predicted)), Counter(_tokens(annotated))
    total = sum(ours.values()) + sum(theirs.values())
    return 2 * sum((ours & theirs).values()) / total if total else 1.0


def label_metrics(*, outcomes: Iterable[tuple[str, RegionOutcome]]) -> tuple[LabelMetrics, ...]:
    """Counts and metrics per model_version, control and label, from (model_version, row)."""
    sums: dict[tuple[str, str, str], Counter[Outcome]] = {}
    for version, row in outcomes:
        sums.setdefault((version, row.from_name, row.label), Counter())[row.outcome] += 1
    return tuple(
        LabelMetrics(version, name, label,
                     Counts(found[Outcome.TP], found[Outcome.FP], found[Outcome.FN]))
        for (version, name, label), found in sorted(sums.items())
    )


def calibration_pairs(*, outcomes: Iterable[RegionOutcome]) -> list[tuple[float, bool]]:
    """(raw score, matched?) for every scored predicted region."""
    return [
        (row.raw_score, row.outcome is Outcome.TP)
        for row in outcomes
        if row.outcome is not Outcome.FN and row.raw_score is not None
    ]


def _compare_control(
    name: str,
    ours: list[Item],
    theirs: list[Item],
    raw_scores: Mapping[str, float | None] | None,
    iou_match: float,
) -> tuple[ControlComparison, list[RegionOutcome]]:
    kind = str((ours or theirs)[0].get("type", ""))
    predicted, annotated = _values(kind, ours), _values(kind, theirs)
    if kind in SPAN_TYPES:
        pairs = _span_pairs(predicted, annotated, iou_match)
    else:
        pairs = _equal_pairs(predicted, annotated)
    matched_ours, matched_theirs = {i for i, _ in pairs}, {j for _, j in pairs}
    outcomes = [
        RegionOutcome(name, value.label, Outcome.TP if i in matched_ours else Outcome.FP,
                      _raw_score(value.item, raw_scores), _region_id(value.item))
        for i, value in enumerate(predicted)
    ]
    outcomes += [
        RegionOutcome(name, value.label, Outcome.FN)
        for j, value in enumerate(annotated) if j not in matched_theirs
    ]
    similarity = None
    if kind == "textarea":
        similarity = text_similarity(predicted=_joined_text(ours), annotated=_joined_text(theirs))
    exact = Counter(v.key for v in predicted) == Counter(v.key for v in annotated)
    correct = all(row.outcome is Outcome.TP for row in outcomes)
    return ControlComparison(name, kind, exact, correct, similarity), outcomes


def _equal_pairs(ours: Sequence[_Value], theirs: Sequence[_Value]) -> list[tuple[int, int]]:
    waiting: dict[Hashable, list[int]] = {}
    for j, value in enumerate(theirs):
        waiting.setdefault(value.key, []).append(j)
    pairs = []
    for i, value in enumerate(ours):
        free = waiting.get(value.key)
        if free:
            pairs.append((i, free.pop(0)))
    return pairs


def _span_pairs(
    ours: Sequence[_Value], theirs: Sequence[_Value], iou_match: float
) -> list[tuple[int, int]]:
    candidates = []
    for i, a in enumerate(ours):
        for j, b in enumerate(theirs):
            iou = _span_match(a.key, b.key)
            if iou >= iou_match:
                candidates.append((-iou, i, j))
    used_ours: set[int] = set()
    used_theirs: set[int] = set()
    pairs = []
    for _, i, j in sorted(candidates):
        if i not in used_ours and j not in used_theirs:
            used_ours.add(i)
            used_theirs.add(j)
            pairs.append((i, j))
    return pairs


def _span_match(a: Hashable, b: Hashable) -> float:
    if isinstance(a, _Span) and isinstance(b, _Span):
        same_place = a.label == b.label and a.node == b.node
        return span_iou((a.start, a.end), (b.start, b.end)) if same_place else 0.0
    return float(a == b)


def _by_control(items: Sequence[Item]) -> dict[str, list[Item]]:
    grouped: dict[str, list[Item]] = {}
    for item in items:
        name, value = item.get("from_name"), item.get("value")
        if isinstance(name, str) and isinstance(value, Mapping):
            grouped.setdefault(name, []).append(item)
    return grouped


def _values(kind: str, items: Iterable[Item]) -> list[_Value]:
    reader = _READERS.get(kind, _spans if kind in SPAN_TYPES else _whole)
    return [
        _Value(key, label[:LABEL_CHARS], item)
        for item in items
        for key, label in reader(kind, item["value"])
    ]


Reader = Callable[[str, Mapping[str, Any]], list[tuple[Hashable, str]]]


def _choices(kind: str, value: Mapping[str, Any]) -> list[tuple[Hashable, str]]:
    return [(str(choice), str(choice)) for choice in _list(value.get("choices"))]


def _taxonomy(kind: str, value: Mapping[str, Any]) -> list[tuple[Hashable, str]]:
    paths = [tuple(str(step) for step in _list(path)) for path in _list(value.get("taxonomy"))]
    return [(path, " / ".join(path)) for path in paths]


def _number(kind: str, value: Mapping[str, Any]) -> list[tuple[Hashable, str]]:
    number = value.get(kind)
    if isinstance(number, bool) or not isinstance(number, int | float):
        return _whole(kind, value)
    as_float = float(number) if abs(number) < 1e308 else math.inf
    if not math.isfinite(as_float):
        return _whole(kind, value)
    shown = str(int(as_float)) if as_float.is_integer() else repr(as_float)
    return [(as_float, shown)]


def _datetime(kind: str, value: Mapping[str, Any]) -> list[tuple[Hashable, str]]:
    stamp = value.get("datetime")
    if isinstance(stamp, str):
        return [(stamp.strip(), stamp.strip())]
    return _whole(kind, value)


def _textarea(kind: str, value: Mapping[str, Any]) -> list[tuple[Hashable, str]]:
    return [(normalized_text(str(text)), "") for text in _list(value.get("text"))]


def _spans(kind: str, value: Mapping[str, Any]) -> list[tuple[Hashable, str]]:
    if "startOffset" in value or "endOffset" in value:
        first, last = value.get("start"), value.get("end")
        if not (isinstance(first, str) and isinstance(last, str)):
            return _whole(kind, value)
        node: Hashable = (first, last)
        lo, hi = value.get("startOffset"), value.get("endOffset")
    else:
        node, lo, hi = None, value.get("start"), value.get("end")
    if not (_is_int(lo) and _is_int(hi)):
        return _whole(kind, value)
    return [(_Span(str(label), node, lo, hi), str(label)) for label in _list(value.get(kind))]


def _whole(kind: str, value: Mapping[str, Any]) -> list[tuple[Hashable, str]]:
    shown = {k: v for k, v in value.items() if k != "text"} if kind in SPAN_TYPES else value
    return [(("whole", _canonical_json(shown)), "")]


_READERS: dict[str, Reader] = {
    "choices": _choices,
    "taxonomy": _taxonomy,
    "rating": _number,
    "number": _number,
    "datetime": _datetime,
    "textarea": _textarea,
}


def _raw_score(item: Item, raw_scores: Mapping[str, float | None] | None) -> float | None:
    if raw_scores is not None:
        return raw_scores.get(str(item.get("id")))
    score = item.get("score")
    if isinstance(score, int | float) and not isinstance(score, bool) and 0 <= score <= 1:
        return float(score)
    return None


def _region_id(item: Item) -> str | None:
    identifier = item.get("id")
    return None if identifier is None else str(identifier)


def _joined_text(items: Iterable[Item]) -> str:
    return "\n".join(str(text) for item in items for text in _list(item["value"].get("text")))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _canonical_json(value: Any) -> str:
    # The stdlib's encoder, since annotations from Label Studio may hold integers beyond the
    # 64 bits orjson encodes.
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [] if value is None else [value]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
