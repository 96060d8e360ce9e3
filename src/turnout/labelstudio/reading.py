"""The SDK's loosely typed answers turned into Turnout's records (records.py).

Label Studio sends nested annotations and predictions as models in one endpoint and as plain
objects in another, so everything is read as a mapping first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pydantic

from turnout.labelstudio.records import (
    LabelStudioTask,
    MlBackend,
    ResultItem,
    StoredAnnotation,
    StoredPrediction,
    Webhook,
)


def as_mapping(item: Any) -> Mapping[str, Any]:
    """An SDK model or a plain object, as a mapping of its fields."""
    if isinstance(item, pydantic.BaseModel):
        return item.model_dump()
    if isinstance(item, Mapping):
        return item
    raise ValueError(f"expected an object, got {type(item).__name__}")


def _result(items: Any) -> tuple[ResultItem, ...]:
    return tuple(dict(as_mapping(item)) for item in (items or ()))


def _optional_int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _optional_float(value: Any) -> float | None:
    return float(value) if value is not None else None


def prediction_from(item: Any, *, task_id: int | None = None) -> StoredPrediction:
    fields = as_mapping(item)
    return StoredPrediction(
        id=int(fields["id"]),
        task_id=int(fields.get("task") or task_id or 0),
        model_version=fields.get("model_version"),
        score=_optional_float(fields.get("score")),
        result=_result(fields.get("result")),
    )


def annotation_from(item: Any, *, task_id: int | None = None) -> StoredAnnotation:
    fields = as_mapping(item)
    return StoredAnnotation(
        id=int(fields["id"]),
        task_id=int(fields.get("task") or task_id or 0),
        result=_result(fields.get("result")),
        completed_by=_optional_int(fields.get("completed_by")),
        was_cancelled=bool(fields.get("was_cancelled")),
        ground_truth=bool(fields.get("ground_truth")),
        parent_prediction=_optional_int(fields.get("parent_prediction")),
    )


def task_from(item: Any) -> LabelStudioTask:
    fields = as_mapping(item)
    task_id = int(fields["id"])
    annotations = fields.get("annotations") or ()
    predictions = fields.get("predictions") or ()
    return LabelStudioTask(
        id=task_id,
        data=dict(fields.get("data") or {}),
        annotations=tuple(annotation_from(a, task_id=task_id) for a in annotations),
        predictions=tuple(prediction_from(p, task_id=task_id) for p in predictions),
    )


def webhook_from(item: Any) -> Webhook:
    fields = as_mapping(item)
    headers = fields.get("headers") or {}
    return Webhook(
        id=int(fields["id"]),
        url=str(fields["url"]),
        actions=tuple(sorted(str(a) for a in fields.get("actions") or ())),
        header_names=tuple(sorted(headers)) if isinstance(headers, Mapping) else (),
        is_active=bool(fields.get("is_active", True)),
    )


def ml_backend_from(item: Any) -> MlBackend:
    fields = as_mapping(item)
    state = fields.get("state")
    return MlBackend(
        id=int(fields["id"]),
        url=str(fields["url"]),
        state=str(getattr(state, "value", state)) if state is not None else None,
        model_version=fields.get("model_version"),
    )


def result_items(result: Sequence[ResultItem]) -> list[dict[str, Any]]:
    """Result items as the plain JSON objects the SDK sends."""
    return [dict(item) for item in result]
