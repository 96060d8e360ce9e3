"""Label Studio projects as Turnout knows them, and the plan every task of a run is asked by.

A project is found by where it lives (`origin`: the Label Studio URL of a client job, or the
host name an ML backend's /setup names) and its Label Studio id. Its provider, model,
instructions and settings are Turnout's per-project choices; the label config is Label
Studio's, refreshed whenever Label Studio sends or shows it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.annotation.calibration import calibrator_from_json
from turnout.annotation.label_config import parse_label_config
from turnout.annotation.model_version import model_version
from turnout.annotation.predictor import ProjectPlan
from turnout.annotation.prompt import Example
from turnout.annotation.provider_facts import ProviderFacts
from turnout.errors import LabelConfigInvalid, NotFound
from turnout.store.models import AnnotationProject, Calibration, LabelStudioConnection

# What a project's settings may hold, and the defaults of those it does not.
SETTING_DEFAULTS: Mapping[str, Any] = {
    "all_occurrences": False,  # label every occurrence of a quoted span
    "agreement_samples": 0,  # k answers per task when the provider gives no log-probabilities
    "max_tokens": None,
    "examples": 0,  # few-shot examples taken from human-annotated tasks
}


async def project_at(
    session: AsyncSession, *, tenant_id: str, origin: str, ls_project_id: int
) -> AnnotationProject | None:
    return (await session.execute(
        select(AnnotationProject).where(
            AnnotationProject.tenant_id == tenant_id,
            AnnotationProject.origin == origin,
            AnnotationProject.ls_project_id == ls_project_id,
        )
    )).scalar_one_or_none()


async def project_by_id(session: AsyncSession, *, tenant_id: str, project_id: str
                        ) -> AnnotationProject:
    """The tenant's project; another tenant's id is NotFound."""
    project = await session.get(AnnotationProject, project_id)
    if project is None or project.tenant_id != tenant_id:
        raise NotFound(resource="annotation_project", details={"id": project_id})
    return project


async def projects_with_connections(
    session: AsyncSession, *, tenant_id: str, limit: int = 1000
) -> list[tuple[AnnotationProject, LabelStudioConnection | None]]:
    """The tenant's projects, changed last first, each with the Label Studio connection Turnout
    holds for it (None for one only an ML backend has named)."""
    rows = await session.execute(
        select(AnnotationProject, LabelStudioConnection)
        .outerjoin(LabelStudioConnection,
                   (LabelStudioConnection.id == AnnotationProject.connection_id)
                   & (LabelStudioConnection.tenant_id == AnnotationProject.tenant_id))
        .where(AnnotationProject.tenant_id == tenant_id)
        .order_by(AnnotationProject.updated_at.desc())
        .limit(limit)
    )
    return [(project, connection) for project, connection in rows.all()]


async def project_connection(
    session: AsyncSession, project: AnnotationProject
) -> LabelStudioConnection | None:
    """The Label Studio connection Turnout holds for the project, if any."""
    if project.connection_id is None:
        return None
    connection = await session.get(LabelStudioConnection, project.connection_id)
    if connection is None or connection.tenant_id != project.tenant_id:
        return None
    return connection


async def latest_project(
    session: AsyncSession, *, tenant_id: str, ls_project_id: int
) -> AnnotationProject | None:
    """The tenant's project with this Label Studio id set up last (an ML backend's /predict
    names the project's id only)."""
    return (await session.execute(
        select(AnnotationProject)
        .where(AnnotationProject.tenant_id == tenant_id,
               AnnotationProject.ls_project_id == ls_project_id)
        .order_by(AnnotationProject.updated_at.desc())
        .limit(1)
    )).scalar_one_or_none()


async def ensure_project(
    session: AsyncSession,
    *,
    tenant_id: str,
    origin: str,
    ls_project_id: int,
    label_config: str | None,
    connection_id: str | None = None,
) -> AnnotationProject:
    """The project at (origin, id), made on first sight; its label config kept current."""
    project = await project_at(
        session, tenant_id=tenant_id, origin=origin, ls_project_id=ls_project_id
    )
    if project is None:
        project = AnnotationProject(
            tenant_id=tenant_id, origin=origin, ls_project_id=ls_project_id, settings={},
            webhook_secret=secrets.token_urlsafe(32),
        )
        session.add(project)
    if label_config is not None:
        project.label_config = label_config
    if connection_id is not None:
        project.connection_id = connection_id
    await session.flush()
    return project


def project_choices(project: AnnotationProject) -> dict[str, Any]:
    """What a project is pre-annotated with, as its audit entries record it."""
    return {
        "provider_id": project.provider_id, "model": project.model,
        "instructions": project.instructions, "settings": dict(project.settings or {}),
    }


def project_settings(project: AnnotationProject) -> dict[str, Any]:
    return {**SETTING_DEFAULTS, **(project.settings or {})}


async def project_model_version(project: AnnotationProject, facts: ProviderFacts) -> str:
    """The model_version the project's next predictions are written under."""
    if project.label_config is None:
        raise LabelConfigInvalid("missing")
    first = await facts.first(tenant_id=project.tenant_id, provider_id=project.provider_id)
    return model_version(
        provider=first.name if first is not None else None,
        model=project.model,
        label_config=project.label_config,
        instructions=project.instructions,
        settings=project_settings(project),
    )


async def project_plan(
    session: AsyncSession,
    project: AnnotationProject,
    facts: ProviderFacts,
    *,
    version: str | None = None,
    examples: tuple[Example, ...] = (),
) -> ProjectPlan:
    """How the project's tasks are asked now: its config read, its calibration for this
    model_version applied. LabelConfigInvalid/Unsupported when the config cannot be answered."""
    if project.label_config is None:
        raise LabelConfigInvalid("missing")
    spec = parse_label_config(project.label_config)
    version = version or await project_model_version(project, facts)
    settings = project_settings(project)
    stored = (await session.execute(
        select(Calibration).where(
            Calibration.project_id == project.id, Calibration.model_version == version
        )
    )).scalar_one_or_none()
    calibrator = None
    if stored is not None:
        try:
            calibrator = calibrator_from_json(stored.method, stored.params)
        except ValueError:
            calibrator = None  # unreadable parameters: raw scores, never wrong ones
    return ProjectPlan(
        spec=spec,
        model_version=version,
        provider_id=project.provider_id,
        model=project.model,
        instructions=project.instructions,
        examples=examples,
        all_occurrences=bool(settings["all_occurrences"]),
        agreement_samples=int(settings["agreement_samples"] or 0),
        calibrator=calibrator,
        max_tokens=settings["max_tokens"],
    )
