"""Predictions as rows: one per project, task and model_version, written or failed.

A prediction a job writes to Label Studio is saved first as `writing`, and `completed` once
Label Studio holds it: a process killed in between leaves a row that says "maybe written", so
the next run asks Label Studio instead of the model (client_jobs.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.annotation.predictor import TaskPrediction
from turnout.store.models import AnnotationProject, Prediction

COMPLETED = "completed"
WRITING = "writing"
FAILED = "failed"


async def save_prediction(
    session: AsyncSession,
    project: AnnotationProject,
    predicted: TaskPrediction,
    *,
    job_id: str | None = None,
    ls_prediction_id: int | None = None,
    written: bool = True,
) -> Prediction:
    """Insert or replace the task's row for its model_version (a retry replaces a failure);
    `written=False` saves a good prediction as `writing` until `mark_written`."""
    row = (await session.execute(
        select(Prediction).where(
            Prediction.project_id == project.id,
            Prediction.task_id == predicted.task_id,
            Prediction.model_version == predicted.model_version,
        )
    )).scalar_one_or_none()
    if row is None:
        row = Prediction(
            tenant_id=project.tenant_id, project_id=project.id, task_id=predicted.task_id,
            model_version=predicted.model_version,
        )
        session.add(row)
    row.status = (COMPLETED if written else WRITING) if predicted.ok else FAILED
    row.result = {"items": predicted.results} if predicted.ok else None
    row.regions = {"items": predicted.regions} if predicted.ok else None
    row.score, row.raw_score = predicted.score, predicted.raw_score
    row.score_method = predicted.score_method
    row.error = predicted.error
    row.job_id = job_id
    row.ls_prediction_id = ls_prediction_id
    row.prompt_tokens = predicted.prompt_tokens
    row.completion_tokens = predicted.completion_tokens
    row.cost = predicted.cost
    await session.flush()
    return row


async def written_predictions(
    session: AsyncSession, project_id: str, model_version: str, task_ids: Iterable[int],
    *, statuses: tuple[str, ...] = (COMPLETED,),
) -> dict[int, Prediction]:
    """The rows of these tasks under `model_version` in `statuses` (completed ones unless
    told), by task id."""
    wanted = list(task_ids)
    if not wanted:
        return {}
    rows = (await session.execute(
        select(Prediction).where(
            Prediction.project_id == project_id,
            Prediction.model_version == model_version,
            Prediction.status.in_(statuses),
            Prediction.task_id.in_(wanted),
        )
    )).scalars()
    return {row.task_id: row for row in rows}


async def mark_written(session: AsyncSession, row_id: str) -> None:
    """A `writing` row's prediction is now held by Label Studio."""
    await session.execute(
        update(Prediction).where(Prediction.id == row_id, Prediction.status == WRITING)
        .values(status=COMPLETED)
    )


def as_label_studio(row: Prediction) -> dict[str, object]:
    """A stored prediction as Label Studio takes it."""
    shown: dict[str, object] = {
        "result": list((row.result or {}).get("items", [])), "model_version": row.model_version,
    }
    if row.score is not None:
        shown["score"] = row.score
    return shown

