"""Accuracy and calibration of a project's pre-annotations, per model_version and label.

Counts come from GROUP BY queries over `region_outcomes`, `predictions` and
`human_annotations`, so a big project costs a few aggregate rows, not a scan in Python; only
the pairs for the reliability diagram and the threshold (one per judged region or task) are
read row by row, at most MAX_PAIRS of them, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.annotation.accuracy import Counts
from turnout.annotation.calibration import calibrator_from_json
from turnout.annotation.reliability import (
    brier_score,
    expected_calibration_error,
    pick_threshold,
    reliability_bins,
)
from turnout.store.models import (
    AnnotationProject,
    Calibration,
    HumanAnnotation,
    Prediction,
    RegionOutcome,
)

MAX_PAIRS = 100_000


@dataclass(frozen=True, slots=True)
class VersionKey:
    project_id: str
    model_version: str


@dataclass(frozen=True, slots=True)
class VersionDates:
    """When a version's stored predictions were made: its first row's creation and its latest
    row's last write (a retry replaces a failed row in place)."""

    first_predicted_at: datetime
    last_predicted_at: datetime


async def metrics(
    session: AsyncSession,
    *,
    tenant_id: str,
    project_id: str | None = None,
    model_version: str | None = None,
    target_accuracy: float = 0.9,
) -> list[dict[str, Any]]:
    """One report per (project, model_version) the tenant has predictions of, the version
    predicted last first."""
    versions = await _versions(session, tenant_id, project_id, model_version)
    return [await _report(session, key, dates, target_accuracy) for key, dates in versions]


async def _versions(
    session: AsyncSession, tenant_id: str, project_id: str | None, model_version: str | None
) -> list[tuple[VersionKey, VersionDates]]:
    last = func.max(Prediction.updated_at)
    query = (
        select(Prediction.project_id, Prediction.model_version,
               func.min(Prediction.created_at), last)
        .where(Prediction.tenant_id == tenant_id)
        .group_by(Prediction.project_id, Prediction.model_version)
        .order_by(last.desc(), Prediction.project_id, Prediction.model_version)
    )
    if project_id is not None:
        query = query.where(Prediction.project_id == project_id)
    if model_version is not None:
        query = query.where(Prediction.model_version == model_version)
    return [(VersionKey(p, v), VersionDates(first, latest))
            for p, v, first, latest in (await session.execute(query)).all()]


async def _report(
    session: AsyncSession, key: VersionKey, dates: VersionDates, target: float
) -> dict[str, Any]:
    project = await session.get(AnnotationProject, key.project_id)
    stored = (await session.execute(
        select(Calibration).where(Calibration.project_id == key.project_id,
                                  Calibration.model_version == key.model_version)
    )).scalar_one_or_none()
    region_pairs = await _region_pairs(session, key)
    return {
        "project_id": key.project_id,
        "ls_project_id": project.ls_project_id if project is not None else None,
        "model_version": key.model_version,
        "first_predicted_at": dates.first_predicted_at,
        "last_predicted_at": dates.last_predicted_at,
        "predictions": await _prediction_counts(session, key),
        "annotations": await _annotation_counts(session, key),
        "labels": await _labels(session, key),
        "calibration": _calibration(stored, region_pairs),
        "threshold": await _threshold(session, key, stored, target),
    }


async def _prediction_counts(session: AsyncSession, key: VersionKey) -> dict[str, int]:
    rows = (await session.execute(
        select(Prediction.status, func.count()).where(
            Prediction.project_id == key.project_id, Prediction.model_version == key.model_version
        ).group_by(Prediction.status)
    )).all()
    counts = {str(status): int(count) for status, count in rows}
    return {"completed": counts.get("completed", 0), "failed": counts.get("failed", 0)}


async def _annotation_counts(session: AsyncSession, key: VersionKey) -> dict[str, Any]:
    total, accepted = (await session.execute(
        select(func.count(), func.sum(case((HumanAnnotation.accepted.is_(True), 1), else_=0)))
        .where(HumanAnnotation.project_id == key.project_id,
               HumanAnnotation.model_version == key.model_version)
    )).one()
    total, accepted = int(total or 0), int(accepted or 0)
    return {
        "total": total, "accepted": accepted,
        "acceptance_rate": accepted / total if total else None,
    }


async def _labels(session: AsyncSession, key: VersionKey) -> list[dict[str, Any]]:
    rows = (await session.execute(
        select(RegionOutcome.from_name, RegionOutcome.label, RegionOutcome.outcome, func.count())
        .where(RegionOutcome.project_id == key.project_id,
               RegionOutcome.model_version == key.model_version)
        .group_by(RegionOutcome.from_name, RegionOutcome.label, RegionOutcome.outcome)
    )).all()
    sums: dict[tuple[str, str], dict[str, int]] = {}
    for from_name, label, outcome, count in rows:
        sums.setdefault((from_name, label), {"tp": 0, "fp": 0, "fn": 0})[outcome] = int(count)
    reports = []
    for (from_name, label), found in sorted(sums.items()):
        counts = Counts(found["tp"], found["fp"], found["fn"])
        reports.append({
            "from_name": from_name, "label": label, **found,
            "precision": counts.precision, "recall": counts.recall, "f1": counts.f1,
            "accuracy": counts.accuracy,
        })
    return reports


async def _region_pairs(session: AsyncSession, key: VersionKey) -> list[tuple[float, bool]]:
    rows = (await session.execute(
        select(RegionOutcome.raw_score, RegionOutcome.correct)
        .where(RegionOutcome.project_id == key.project_id,
               RegionOutcome.model_version == key.model_version,
               RegionOutcome.raw_score.is_not(None))
        .order_by(RegionOutcome.id.desc())
        .limit(MAX_PAIRS)
    )).all()
    return [(float(score), bool(correct)) for score, correct in rows if score is not None]


def _calibration(stored: Calibration | None, pairs: Sequence[tuple[float, bool]]
                 ) -> dict[str, Any]:
    """The fitted calibration's report, or the raw scores' own figures before one exists."""
    if stored is not None:
        return {"fitted": True, "method": stored.method, "samples": stored.samples,
                **stored.report}
    return {
        "fitted": False, "method": None, "samples": len(pairs),
        "ece_before": expected_calibration_error(pairs=pairs),
        "brier_before": brier_score(pairs=pairs),
        "reliability_before": [
            {"lower": b.lower, "upper": b.upper, "count": b.count, "mean_score": b.mean_score,
             "accuracy": b.accuracy}
            for b in reliability_bins(pairs=pairs)
        ] if pairs else [],
    }


async def _threshold(
    session: AsyncSession, key: VersionKey, stored: Calibration | None, target: float
) -> dict[str, Any] | None:
    """The smallest task score at which humans kept the prediction unchanged at least
    `target` of the time, and the share of all written tasks at or above it."""
    calibrate = (calibrator_from_json(stored.method, stored.params).apply
                 if stored is not None else (lambda raw: raw))
    rows = (await session.execute(
        select(Prediction.raw_score, HumanAnnotation.accepted)
        .join(HumanAnnotation, HumanAnnotation.prediction_id == Prediction.id)
        .where(Prediction.project_id == key.project_id,
               Prediction.model_version == key.model_version,
               Prediction.raw_score.is_not(None), HumanAnnotation.accepted.is_not(None))
        .limit(MAX_PAIRS)
    )).all()
    pairs = [(score, bool(accepted)) for raw, accepted in rows
             if (score := calibrate(raw)) is not None]
    found = pick_threshold(pairs=pairs, target_accuracy=target) if pairs else None
    if found is None:
        return {"target_accuracy": target, "threshold": None, "labelled_tasks": len(pairs)}
    scores = [calibrate(raw) for (raw,) in (await session.execute(
        select(Prediction.raw_score).where(
            Prediction.project_id == key.project_id,
            Prediction.model_version == key.model_version, Prediction.status == "completed",
        ).limit(MAX_PAIRS)
    )).all()]
    above = sum(1 for score in scores if score is not None and score >= found.threshold)
    return {
        "target_accuracy": target, "threshold": found.threshold, "accuracy": found.accuracy,
        "labelled_tasks": len(pairs), "labelled_coverage": found.coverage,
        "tasks_above": above, "task_coverage": above / len(scores) if scores else None,
    }
