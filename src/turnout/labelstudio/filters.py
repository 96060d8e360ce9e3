"""Label Studio's data-manager filters, as far as Label Studio 1.23 applies them to a task listing.

A filter is the `filters` object of a data-manager view: `{conjunction, items: [{filter,
operator, type, value}]}`. Label Studio drops an item whose `filter` lacks the
`filter:tasks:` prefix or whose value is null, and reads an operator it does not know as
"equal", so a filter it misreads selects other tasks than the user meant (often all of them).
Items are therefore checked here against what its data manager really does
(label_studio/data_manager/managers.py: apply_filters, add_result_filter, add_user_filter):
which columns exist, the type each is filtered as, the operators each type takes and the value
each operator wants. Enterprise-only columns (agreement, reviewers, …) are left out, and so are
ground_truth and comments, which its task listing answers with a 500 (checked against Label
Studio 1.23.2 in tests/labelstudio/test_task_filters.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PREFIX = "filter:tasks:"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # the only one its filters parse
DATA_KEY = re.compile(r"^[A-Za-z0-9_$][A-Za-z0-9_$-]{0,99}$")  # one level of task.data

COMPARE = ("equal", "not_equal", "less", "greater", "less_or_equal", "greater_or_equal")
RANGE = ("in", "not_in")
LISTED = ("in_list", "not_in_list")
OPERATORS: dict[str, tuple[str, ...]] = {
    "Number": (*COMPARE, *RANGE, "empty"),
    "Datetime": (*COMPARE, *RANGE, "empty"),
    "String": ("equal", "not_equal", "contains", "not_contains", "empty"),
    "Boolean": ("equal", "not_equal"),
}


@dataclass(frozen=True, slots=True)
class Column:
    types: tuple[str, ...]
    operators: tuple[str, ...] | None = None  # None: those of its type
    listed: bool = False  # in_list / not_in_list apply


COLUMNS: dict[str, Column] = {
    "id": Column(("Number",), listed=True),
    "inner_id": Column(("Number",), listed=True),
    "total_annotations": Column(("Number",)),
    "cancelled_annotations": Column(("Number",)),
    "total_predictions": Column(("Number",)),
    # The mean score of the predictions of the project's model version (or of its ML
    # backends' versions), as the Data Manager's "Prediction score" column shows it.
    "predictions_score": Column(("Number",)),
    "unresolved_comment_count": Column(("Number",)),
    "created_at": Column(("Datetime",)),
    "updated_at": Column(("Datetime",)),
    "completed_at": Column(("Datetime",)),
    "file_upload": Column(("String",)),
    # Searched in the results' JSON text.
    "annotations_results": Column(("String",), ("contains", "not_contains")),
    "predictions_results": Column(("String",), ("contains", "not_contains")),
    # A user id; Label Studio matches it against every annotation's author.
    "annotators": Column(("List",), ("contains", "not_contains", "empty")),
    # A list of versions, any of which matches (contains) or none (not_contains).
    "predictions_model_versions": Column(("List",), ("contains", "not_contains", "empty")),
}
DATA_COLUMN = Column(("String", "Number", "Boolean"), listed=True)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with a filter item: where (`field`), what (`kind`) and what would do."""

    field: str
    kind: str  # task_filter_column, task_filter_type, task_filter_operator, task_filter_value
    allowed: str = ""


def column_of(name: str) -> Column | None:
    """The column a `filter` names (`filter:tasks:<column>` or `filter:tasks:data.<key>`)."""
    if not name.startswith(PREFIX):
        return None
    column = name[len(PREFIX):]
    if column.startswith("data."):
        return DATA_COLUMN if DATA_KEY.match(column[len("data."):]) else None
    return COLUMNS.get(column)


def operators_of(column: Column, kind: str) -> tuple[str, ...]:
    found = column.operators or OPERATORS.get(kind, ())
    return (*found, *LISTED) if column.listed and kind in ("Number", "String") else found


def item_issues(item: Mapping[str, Any]) -> list[Issue]:
    """What keeps Label Studio from reading `item` as written; none when it will."""
    column = column_of(str(item["filter"]))
    if column is None:
        return [Issue("filter", "task_filter_column", "filter:tasks:data.<field>, "
                      + ", ".join(PREFIX + name for name in COLUMNS))]
    kind = str(item["type"])
    if kind not in column.types:
        return [Issue("type", "task_filter_type", ", ".join(column.types))]
    operator = str(item["operator"])
    allowed = operators_of(column, kind)
    if operator not in allowed:
        return [Issue("operator", "task_filter_operator", ", ".join(allowed))]
    shape = value_shape(str(item["filter"]), kind, operator)
    if not value_fits(shape, item["value"]):
        return [Issue("value", f"task_filter_value.{shape}")]
    return []


def value_shape(name: str, kind: str, operator: str) -> str:
    """The name of the value an item wants (a message key's last part)."""
    if operator == "empty":
        return "boolean"
    if operator in RANGE:
        return f"range_{kind.lower()}"
    if operator in LISTED:
        return f"list_{kind.lower()}"
    if kind == "List":
        return "user_id" if name.endswith(":annotators") else "list_string"
    return kind.lower()


def value_fits(shape: str, value: Any) -> bool:
    """Whether `value` is what `shape` (value_shape) names."""
    if shape.startswith("range_"):
        return _range_fits(shape.removeprefix("range_"), value)
    if shape.startswith("list_"):
        scalar = shape.removeprefix("list_")
        return (isinstance(value, list) and bool(value)
                and all(_scalar_fits(scalar, v) for v in value))
    if shape == "user_id":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return _scalar_fits(shape, value)


def _range_fits(scalar: str, value: Any) -> bool:
    if not isinstance(value, Mapping) or set(value) != {"min", "max"}:
        return False
    low, high = value["min"], value["max"]
    if not (_scalar_fits(scalar, low) and _scalar_fits(scalar, high)):
        return False
    if scalar == "datetime":
        low, high = _moment(low), _moment(high)
    return bool(low <= high)


def _scalar_fits(scalar: str, value: Any) -> bool:
    if scalar == "number":
        return _is_number(value)
    if scalar == "boolean":
        return isinstance(value, bool)
    if scalar == "datetime":
        return isinstance(value, str) and _moment(value) is not None
    return isinstance(value, str) and bool(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _moment(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, DATETIME_FORMAT)
    except ValueError:
        return None
