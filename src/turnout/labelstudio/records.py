"""What Turnout reads from and writes to Label Studio, as plain frozen values.

The SDK's models are loose (every field optional, extra fields kept); the client turns them into
these at its boundary, so the rest of Turnout never imports the SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# A Label Studio `result` item: {id, from_name, to_name, type, value, score?}.
ResultItem = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LabelStudioUser:
    id: int
    email: str


@dataclass(frozen=True, slots=True)
class LabelStudioProject:
    id: int
    title: str
    label_config: str
    task_count: int | None = None


@dataclass(frozen=True, slots=True)
class StoredPrediction:
    id: int
    task_id: int
    model_version: str | None
    score: float | None
    result: tuple[ResultItem, ...]


@dataclass(frozen=True, slots=True)
class StoredAnnotation:
    id: int
    task_id: int
    result: tuple[ResultItem, ...]
    completed_by: int | None
    was_cancelled: bool
    ground_truth: bool
    # The prediction the annotator started from, where Label Studio recorded one.
    parent_prediction: int | None


@dataclass(frozen=True, slots=True)
class LabelStudioTask:
    id: int
    data: Mapping[str, Any]
    annotations: tuple[StoredAnnotation, ...] = ()
    predictions: tuple[StoredPrediction, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskPage:
    """One page of a project's tasks (pages count from 1); `total` counts the whole selection."""

    tasks: tuple[LabelStudioTask, ...]
    page: int
    page_size: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


@dataclass(frozen=True, slots=True)
class PredictionIn:
    """A prediction to write: the task it belongs to, its regions and its scores."""

    task_id: int
    model_version: str
    result: Sequence[ResultItem]
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    url: str
    actions: tuple[str, ...]
    header_names: tuple[str, ...] = field(default=())
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class MlBackend:
    id: int
    url: str
    state: str | None
    model_version: str | None
