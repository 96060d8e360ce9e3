"""Bodies of the pre-annotation routes (Turnout calling Label Studio)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from turnout.annotation.client_jobs import MAX_TASKS
from turnout.labelstudio.filters import item_issues

FilterText = Annotated[str, Field(min_length=1, max_length=1000)]


class PreannotationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all_occurrences: bool | None = Field(
        default=None, description="label every occurrence of a quoted span"
    )
    agreement_samples: int | None = Field(
        default=None, ge=0, le=10,
        description="without log-probabilities, score by agreement over k answers (k calls)",
    )
    examples: int | None = Field(
        default=None, ge=0, le=10, description="few-shot examples from human-annotated tasks"
    )
    max_tokens: int | None = Field(default=None, ge=1, le=100_000)


class TaskFilterRange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: int | float | FilterText
    max: int | float | FilterText


class TaskFilterItem(BaseModel):
    """One condition of Label Studio's data manager, as its views send it."""

    model_config = ConfigDict(extra="forbid")
    filter: str = Field(
        min_length=14, max_length=200,
        description="filter:tasks:<column> (e.g. total_annotations) or filter:tasks:data.<field>",
        examples=["filter:tasks:data.text"],
    )
    operator: str = Field(min_length=1, max_length=32, examples=["contains"])
    type: Literal["Number", "Datetime", "Boolean", "String", "List"]
    value: (
        bool | int | float | FilterText | TaskFilterRange
        | Annotated[list[int | float | FilterText], Field(min_length=1, max_length=1000)]
    ) = Field(description="as the operator wants: a scalar, {min, max}, a list, or a boolean "
                          "for empty; dates as 2026-01-31T00:00:00.000000Z")

    @model_validator(mode="after")
    def _as_label_studio_reads_it(self) -> TaskFilterItem:
        issues = item_issues(self.model_dump())
        if issues:
            # Raised as the item's fields' errors, so the answer names the field at fault.
            details = [
                InitErrorDetails(
                    type=PydanticCustomError(issue.kind, "not a filter Label Studio applies",
                                             {"allowed": issue.allowed} if issue.allowed else {}),
                    loc=(issue.field,), input=getattr(self, issue.field),
                )
                for issue in issues
            ]
            raise ValidationError.from_exception_data(type(self).__name__, details)
        return self


class TaskFilter(BaseModel):
    """Label Studio's data-manager filter: items joined by one conjunction."""

    model_config = ConfigDict(extra="forbid")
    conjunction: Literal["and", "or"]
    items: list[TaskFilterItem] = Field(min_length=1, max_length=20)

    def as_label_studio(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class PreannotationSelection(BaseModel):
    """A Label Studio project (or some of its tasks) and how to pre-annotate it."""

    model_config = ConfigDict(extra="forbid")
    label_studio_url: str = Field(min_length=8, max_length=2048, pattern=r"^https?://")
    api_token: str = Field(
        min_length=8, max_length=4096,
        description="legacy token or personal access token; stored encrypted",
    )
    project_id: int = Field(ge=1, le=2**53)
    task_ids: list[int] | None = Field(default=None, min_length=1, max_length=MAX_TASKS)
    filter: TaskFilter | None = Field(
        default=None,
        description="Label Studio's data-manager filter; with task_ids, the tasks among them "
                    "that match it",
    )
    only_unlabeled: bool = False
    provider_id: str | None = Field(default=None, max_length=36)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, max_length=20_000)
    settings: PreannotationSettings | None = None


class PreannotationJobCreate(PreannotationSelection):
    model_version: str | None = Field(
        default=None, min_length=1, max_length=128,
        description="default: turnout:<provider>/<model>:<prompt hash>",
    )
    client_key: str | None = Field(default=None, min_length=1, max_length=128)


class PreannotationEstimate(BaseModel):
    tasks: int
    unreadable_tasks: int = Field(description="tasks whose data the config cannot read")
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    calls_per_task: int
    provider_id: str | None
    provider_type: str | None
    model: str | None
    model_version: str
    cost: float | None = Field(description="None when the model registry has no price")
    currency: str | None = Field(
        description="ISO 4217 code of the cost, as the model registry prices the model; "
                    "None when cost is None",
        examples=["USD"],
    )


class ReliabilityBinPublic(BaseModel):
    lower: float
    upper: float
    count: int
    mean_score: float | None
    accuracy: float | None


class CalibrationPublic(BaseModel):
    fitted: bool
    method: str | None
    samples: int
    ece_before: float | None = None
    ece_after: float | None = None
    brier_before: float | None = None
    brier_after: float | None = None
    reliability_before: list[ReliabilityBinPublic] = Field(default_factory=list)
    reliability_after: list[ReliabilityBinPublic] = Field(default_factory=list)


class LabelAccuracy(BaseModel):
    from_name: str
    label: str
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    accuracy: float | None


class ThresholdPublic(BaseModel):
    target_accuracy: float
    threshold: float | None
    accuracy: float | None = None
    labelled_tasks: int
    labelled_coverage: float | None = None
    tasks_above: int | None = None
    task_coverage: float | None = Field(
        default=None, description="share of written tasks scoring at or above the threshold"
    )


class PredictionCounts(BaseModel):
    completed: int
    failed: int


class AnnotationCounts(BaseModel):
    total: int
    accepted: int
    acceptance_rate: float | None


class VersionMetrics(BaseModel):
    project_id: str
    ls_project_id: int | None
    model_version: str
    first_predicted_at: datetime = Field(description="when its first stored prediction was made")
    last_predicted_at: datetime = Field(
        description="when its latest stored prediction was made or last retried"
    )
    predictions: PredictionCounts
    annotations: AnnotationCounts
    labels: list[LabelAccuracy]
    calibration: CalibrationPublic
    threshold: ThresholdPublic | None


class PreannotationMetrics(BaseModel):
    versions: list[VersionMetrics] = Field(description="newest first (by last_predicted_at)")


class AnnotationProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    origin: str
    ls_project_id: int
    has_connection: bool = Field(
        description="Turnout holds this project's Label Studio URL and token (stored by a "
                    "client job or estimate), so annotations can be pulled"
    )
    label_studio_url: str | None = Field(
        description="the stored connection's Label Studio URL; the token is never shown"
    )
    provider_id: str | None
    model: str | None
    instructions: str | None
    settings: dict[str, object]
    created_at: datetime
    updated_at: datetime


class AnnotationProjectList(BaseModel):
    projects: list[AnnotationProjectPublic]


class AnnotationProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider_id: str | None = Field(default=None, max_length=36)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, max_length=20_000)
    settings: PreannotationSettings | None = None
