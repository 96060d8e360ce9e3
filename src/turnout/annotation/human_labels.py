"""Human annotations, compared with the prediction each followed, and the calibration they fit.

An annotation arrives by webhook or by pull. The prediction it followed is the one Label
Studio names as its `parent_prediction`, else Turnout's latest written prediction of the task.
Each arrival replaces what an earlier one of the same annotation recorded (an edit in Label
Studio is a new comparison), so counts never double. Human annotations are only ever read from
Label Studio, never written there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.annotation.accuracy import compare
from turnout.annotation.calibration import MIN_SAMPLES, fit_calibration
from turnout.store.models import (
    AnnotationProject,
    Calibration,
    HumanAnnotation,
    Prediction,
    RegionOutcome,
    utcnow,
)

MAX_RESULT_ITEMS = 10_000
REFIT_GROWTH = 0.1
MAX_ID = 2**53


async def record_annotation(
    session: AsyncSession, project: AnnotationProject, task_id: int, annotation: Mapping[str, Any]
) -> HumanAnnotation | None:
    """Store a Label Studio annotation of `task_id` and how the prediction it followed fared.

    None for what is no annotation to learn from: a skipped (cancelled) one, or one without
    an id or a result list."""
    ls_id, result = annotation.get("id"), annotation.get("result")
    if not is_label_studio_id(ls_id) or not isinstance(result, list) or annotation.get(
        "was_cancelled"
    ):
        return None
    items = [item for item in result[:MAX_RESULT_ITEMS] if isinstance(item, dict)]
    prediction = await _followed(session, project, task_id, annotation.get("parent_prediction"))
    row = (await session.execute(
        select(HumanAnnotation).where(
            HumanAnnotation.project_id == project.id, HumanAnnotation.ls_annotation_id == ls_id
        )
    )).scalar_one_or_none()
    if row is None:
        row = HumanAnnotation(tenant_id=project.tenant_id, project_id=project.id,
                              task_id=task_id, ls_annotation_id=ls_id)
        session.add(row)
    else:
        await session.execute(delete(RegionOutcome).where(RegionOutcome.annotation_id == row.id))
    row.result = {"items": items}
    row.prediction_id = prediction.id if prediction is not None else None
    row.model_version = prediction.model_version if prediction is not None else None
    row.accepted = row.task_correct = None
    await session.flush()
    if prediction is not None:
        await _compare(session, row, prediction, items)
    return row


def is_label_studio_id(value: Any) -> TypeGuard[int]:
    """An id as Label Studio makes them (its database's integer keys)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_ID


async def _followed(
    session: AsyncSession, project: AnnotationProject, task_id: int, parent: Any
) -> Prediction | None:
    if is_label_studio_id(parent):
        named = (await session.execute(
            select(Prediction).where(
                Prediction.project_id == project.id, Prediction.ls_prediction_id == parent
            )
        )).scalar_one_or_none()
        if named is not None:
            return named
    return (await session.execute(
        select(Prediction)
        .where(Prediction.project_id == project.id, Prediction.task_id == task_id,
               Prediction.status == "completed")
        .order_by(Prediction.updated_at.desc())
        .limit(1)
    )).scalar_one_or_none()


async def _compare(
    session: AsyncSession, row: HumanAnnotation, prediction: Prediction,
    items: Sequence[Mapping[str, Any]],
) -> None:
    predicted = list((prediction.result or {}).get("items", []))
    raw_scores = {
        str(region["id"]): region.get("raw_score")
        for region in (prediction.regions or {}).get("items", [])
        if isinstance(region, dict) and "id" in region
    }
    compared = compare(prediction=predicted, annotation=items, raw_scores=raw_scores)
    row.accepted, row.task_correct = compared.accepted, compared.task_correct
    session.add_all(
        RegionOutcome(
            tenant_id=row.tenant_id, annotation_id=row.id, project_id=row.project_id,
            model_version=prediction.model_version, from_name=outcome.from_name[:128],
            label=outcome.label, outcome=outcome.outcome.value, raw_score=outcome.raw_score,
            correct=outcome.correct,
        )
        for outcome in compared.regions
    )
    await session.flush()


async def refit_calibration(
    session: AsyncSession, project: AnnotationProject, model_version: str, *,
    force: bool = False,
) -> Calibration | None:
    """Fit the model_version's calibration again on every scored region humans have judged
    (from MIN_SAMPLES of them); the stored one is replaced. None below that.

    Unless `force`d, a stored fit is kept until the judged regions grew by REFIT_GROWTH (a fit
    over tens of thousands of scores takes seconds, and one annotation more changes little)."""
    stored = (await session.execute(
        select(Calibration).where(
            Calibration.project_id == project.id, Calibration.model_version == model_version
        )
    )).scalar_one_or_none()
    if stored is not None and not force:
        judged = (await session.execute(
            select(func.count()).select_from(RegionOutcome).where(
                RegionOutcome.project_id == project.id,
                RegionOutcome.model_version == model_version,
                RegionOutcome.raw_score.is_not(None),
            )
        )).scalar_one()
        if judged < stored.samples * (1 + REFIT_GROWTH):
            return stored
    pairs = [
        (float(score), bool(correct))
        for score, correct in (await session.execute(
            select(RegionOutcome.raw_score, RegionOutcome.correct).where(
                RegionOutcome.project_id == project.id,
                RegionOutcome.model_version == model_version,
                RegionOutcome.raw_score.is_not(None),
            ).order_by(RegionOutcome.id)
        )).all()
        if score is not None
    ]
    fitted = fit_calibration(pairs=pairs, min_samples=MIN_SAMPLES)
    if fitted is None:
        return None
    if stored is None:
        stored = Calibration(tenant_id=project.tenant_id, project_id=project.id,
                             model_version=model_version)
        session.add(stored)
    stored.method = fitted.calibrator.method.value
    stored.params = fitted.calibrator.params()
    stored.samples = len(pairs)
    stored.report = fitted.report.as_json()
    stored.fitted_at = utcnow()
    await session.flush()
    return stored
