"""Bodies of the Label Studio ML-backend protocol (/ml/*), as Label Studio 1.23 sends them.

Label Studio adds fields between versions, so unknown ones are ignored here (and only here).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_CONFIG_CHARS = 1_000_000
MAX_PREDICT_TASKS = 1_000


class _FromLabelStudio(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class MLHealth(BaseModel):
    status: Literal["UP"] = "UP"
    model_class: str = "Turnout"


class MLSetup(_FromLabelStudio):
    project: str = Field(max_length=64, description='"<project id>.<created_at>"')
    label_config: str = Field(alias="schema", max_length=MAX_CONFIG_CHARS)
    hostname: str | None = Field(default=None, max_length=2048)
    access_token: str | None = Field(default=None, max_length=4096)
    extra_params: dict[str, Any] | None = None


class MLSetupAnswer(BaseModel):
    model_version: str


class MLTask(_FromLabelStudio):
    id: int = Field(ge=0, lt=2**53)
    data: dict[str, Any] = Field(default_factory=dict)


class MLPredict(_FromLabelStudio):
    tasks: list[MLTask] = Field(max_length=MAX_PREDICT_TASKS)
    project: str | int | None = Field(default=None)
    label_config: str | None = Field(default=None, max_length=MAX_CONFIG_CHARS)
    params: dict[str, Any] | None = None


class MLPrediction(BaseModel):
    result: list[dict[str, Any]]
    score: float | None = None
    model_version: str


class MLPredictAnswer(BaseModel):
    results: list[list[MLPrediction]] = Field(
        description="per task, in order: its prediction, or none when it failed or ran out of time"
    )


class MLWebhook(_FromLabelStudio):
    action: str = Field(max_length=64)
    project: dict[str, Any] | None = None
    annotation: dict[str, Any] | None = None


class MLWebhookAnswer(BaseModel):
    status: Literal["ok", "Unknown event"]
