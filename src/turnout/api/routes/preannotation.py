"""Pre-annotating Label Studio projects: jobs, cost estimates, accuracy and calibration reports,
and each project's provider, model and instructions.

Roles: a viewer reads reports and projects; a member estimates, starts jobs and pulls human
annotations; an admin sets a project's choices (audited).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from turnout.annotation.client_jobs import ChoiceAudit, Selection
from turnout.annotation.projects import (
    project_by_id,
    project_choices,
    project_connection,
    projects_with_connections,
)
from turnout.annotation.service import Preannotation
from turnout.api.deps import (
    CurrentAdmin,
    CurrentMember,
    CurrentViewer,
    RequestIdDep,
    ServicesDep,
)
from turnout.api.routes.jobs import job_public
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.jobs import JobPublic
from turnout.api.schemas.preannotation import (
    AnnotationProjectList,
    AnnotationProjectPublic,
    AnnotationProjectUpdate,
    PreannotationEstimate,
    PreannotationJobCreate,
    PreannotationMetrics,
    PreannotationSelection,
    VersionMetrics,
)
from turnout.jobs.system import Creator
from turnout.security.audit import record_audit
from turnout.store.models import AnnotationProject, LabelStudioConnection

router = APIRouter(tags=["preannotation"], responses=error_responses(401, 403, 422))


def _selection(body: PreannotationSelection, **extra: object) -> Selection:
    settings = body.settings.model_dump(exclude_none=True) if body.settings else {}
    return Selection(
        label_studio_url=body.label_studio_url.rstrip("/"), api_token=body.api_token,
        project_id=body.project_id,
        task_ids=tuple(body.task_ids) if body.task_ids is not None else None,
        filter=body.filter.as_label_studio() if body.filter is not None else None,
        only_unlabeled=body.only_unlabeled, provider_id=body.provider_id, model=body.model,
        instructions=body.instructions, settings=settings, **extra,  # type: ignore[arg-type]
    )


def _service(services: ServicesDep) -> Preannotation:
    return services.preannotation


@router.post(
    "/api/v1/preannotation/jobs",
    response_model=JobPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": JobPublic, "description": "the job already sent with client_key"},
        **error_responses(409, 502, 503),
    },
)
async def create_preannotation_job(
    body: PreannotationJobCreate, principal: CurrentMember, services: ServicesDep,
    response: Response, request_id: RequestIdDep,
) -> JobPublic:
    """Pre-annotate a Label Studio project (or the given tasks) as a durable job."""
    jobs = _service(services).jobs
    assert jobs is not None
    selection = _selection(body, model_version=body.model_version, client_key=body.client_key)
    view, created = await jobs.submit(
        Creator(principal.tenant_id, principal.user_id, principal.api_key_id), selection,
        ChoiceAudit(principal, request_id or None),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return job_public(view)


@router.post(
    "/api/v1/preannotation/estimate",
    response_model=PreannotationEstimate,
    responses=error_responses(502, 503),
)
async def estimate_preannotation(
    body: PreannotationSelection, principal: CurrentMember, services: ServicesDep,
    request_id: RequestIdDep,
) -> PreannotationEstimate:
    """Tokens and cost of pre-annotating the selection, before starting. The choices it names
    become the project's (audited), as a job's do."""
    priced = await _service(services).estimate(
        principal.tenant_id, _selection(body), ChoiceAudit(principal, request_id or None)
    )
    counted = priced.estimate
    return PreannotationEstimate(
        tasks=counted.tasks, unreadable_tasks=counted.unreadable_tasks,
        prompt_tokens=counted.prompt_tokens, completion_tokens=counted.completion_tokens,
        total_tokens=counted.total_tokens, calls_per_task=counted.calls_per_task,
        provider_id=priced.provider_id, provider_type=priced.provider_type, model=priced.model,
        model_version=priced.model_version, cost=priced.cost, currency=priced.currency,
    )


@router.get("/api/v1/preannotation/metrics", response_model=PreannotationMetrics)
async def preannotation_metrics(
    principal: CurrentViewer,
    services: ServicesDep,
    project_id: Annotated[str | None, Query(max_length=36)] = None,
    model_version: Annotated[str | None, Query(max_length=128)] = None,
    target_accuracy: Annotated[float, Query(gt=0, le=1)] = 0.9,
) -> PreannotationMetrics:
    """Accuracy per label, acceptance, calibration and the threshold for a target accuracy,
    per project and model_version."""
    reports = await _service(services).metrics(
        principal.tenant_id, project_id=project_id, model_version=model_version,
        target_accuracy=target_accuracy,
    )
    return PreannotationMetrics(versions=[VersionMetrics.model_validate(r) for r in reports])


@router.get("/api/v1/preannotation/projects", response_model=AnnotationProjectList)
async def list_annotation_projects(
    principal: CurrentViewer, services: ServicesDep
) -> AnnotationProjectList:
    """The tenant's projects, changed last first, and whether Turnout holds each one's Label
    Studio connection (which pulling annotations needs)."""
    async with services.sessions() as session:
        rows = await projects_with_connections(session, tenant_id=principal.tenant_id)
        return AnnotationProjectList(
            projects=[_project_public(project, connection) for project, connection in rows]
        )


@router.put(
    "/api/v1/preannotation/projects/{project_id}",
    response_model=AnnotationProjectPublic,
    responses=error_responses(404),
)
async def update_annotation_project(
    project_id: str, body: AnnotationProjectUpdate, principal: CurrentAdmin,
    services: ServicesDep, request_id: RequestIdDep,
) -> AnnotationProjectPublic:
    """The provider, model, instructions and settings a project is pre-annotated with."""
    async with services.sessions() as session:
        project = await project_by_id(session, tenant_id=principal.tenant_id,
                                      project_id=project_id)
        before = project_choices(project)
        changes = body.model_dump(exclude_unset=True)
        for name in ("provider_id", "model", "instructions"):
            if name in changes:
                setattr(project, name, changes[name])
        if body.settings is not None:
            project.settings = {**(project.settings or {}),
                                **body.settings.model_dump(exclude_none=True)}
        record_audit(
            session, principal=principal, tenant_id=principal.tenant_id,
            action="annotation_project.update", target_type="annotation_project",
            target_id=project.id, before=before, after=project_choices(project),
            request_id=request_id or None,
        )
        await session.commit()
        await session.refresh(project)
        return _project_public(project, await project_connection(session, project))


def _project_public(
    project: AnnotationProject, connection: LabelStudioConnection | None
) -> AnnotationProjectPublic:
    return AnnotationProjectPublic(
        id=project.id, origin=project.origin, ls_project_id=project.ls_project_id,
        has_connection=connection is not None,
        label_studio_url=connection.url if connection is not None else None,
        provider_id=project.provider_id, model=project.model, instructions=project.instructions,
        settings=project.settings or {}, created_at=project.created_at,
        updated_at=project.updated_at,
    )


@router.post(
    "/api/v1/preannotation/projects/{project_id}/pull",
    response_model=dict[str, int],
    responses=error_responses(404, 409, 502, 503),
)
async def pull_human_annotations(
    project_id: str, principal: CurrentMember, services: ServicesDep
) -> dict[str, int]:
    """Read the project's human annotations from Label Studio and compare them with the
    predictions they followed (for projects without the webhook)."""
    recorded = await _service(services).pull_annotations(principal.tenant_id, project_id)
    return {"annotations": recorded}

