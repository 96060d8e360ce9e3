"""Pre-annotating a Label Studio project as a durable job, Turnout calling Label Studio.

Submitting reads the project (its labeling config, checked before anything runs) and its tasks
into job items; the token is stored encrypted like a provider key and the URL goes through the
outbound guard at every connection. Running an item predicts its task, saves the prediction as
`writing`, writes it to Label Studio in bulk with its neighbours (label_studio_writes.py), then
marks it written, so a job killed at any point resumes without losing or duplicating a
prediction: a task already written under the job's model_version is not asked again, and one
saved but maybe not written (the kill fell around Label Studio's import) is looked up in Label
Studio and written from the saved row only if it is not there, without asking the model again.
A failed task is an item that failed with its reason; submitting the same selection again
retries exactly the tasks that have no written prediction.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.annotation.label_config import parse_label_config
from turnout.annotation.label_studio_writes import BulkWriter
from turnout.annotation.prediction_store import (
    COMPLETED,
    WRITING,
    mark_written,
    save_prediction,
    written_predictions,
)
from turnout.annotation.predictor import Predictor, ProjectPlan, TaskPrediction
from turnout.annotation.projects import (
    ensure_project,
    project_choices,
    project_model_version,
    project_plan,
)
from turnout.annotation.prompt import Example
from turnout.annotation.provider_facts import ProviderFacts
from turnout.errors import RateLimited, TurnoutError
from turnout.jobs.runner import ItemRun
from turnout.jobs.store import ClaimedItem, ItemOutcome, ItemStatus, NewItem
from turnout.jobs.system import Creator, JobSystem, JobView
from turnout.labelstudio.client import LabelStudioClient
from turnout.labelstudio.records import LabelStudioTask, PredictionIn
from turnout.security.audit import record_audit
from turnout.security.crypto import SecretBox
from turnout.security.outbound import ConnectGuard, OutboundPolicy
from turnout.security.roles import Principal
from turnout.store.models import AnnotationProject, LabelStudioConnection, Prediction

KIND = "preannotation"
MAX_TASKS = 100_000
MAX_EXAMPLES = 10
OPEN_JOBS = 16  # jobs whose plan and Label Studio client an executor keeps at hand


@dataclass(frozen=True, slots=True)
class Selection:
    """What to pre-annotate and how (the body of POST /api/v1/preannotation/jobs)."""

    label_studio_url: str
    api_token: str
    project_id: int
    task_ids: tuple[int, ...] | None = None
    # Label Studio's data-manager filter ({conjunction, items}), checked by the API's schema.
    filter: Mapping[str, Any] | None = None
    only_unlabeled: bool = False
    provider_id: str | None = None
    model: str | None = None
    instructions: str | None = None
    model_version: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    client_key: str | None = None


def label_studio_guard(outbound: OutboundPolicy) -> ConnectGuard:
    """Label Studio is usually run inside the organisation: the operator's private networks
    (TURNOUT_PRIVATE_NETWORKS) say what it may be."""
    return outbound.guard("private", tenant_mode=False)


def token_hint(token: str) -> str:
    return f"…{token[-4:]}" if len(token) > 8 else "…"


@dataclass(frozen=True, slots=True)
class ChoiceAudit:
    """Who made a request whose choices may change a project's, for its audit entry."""

    principal: Principal
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    project: AnnotationProject
    connection_id: str
    version: str
    tasks: list[LabelStudioTask]
    examples: list[dict[str, Any]]


class PreannotationJobs:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        secrets: SecretBox,
        outbound: OutboundPolicy,
        facts: ProviderFacts,
        jobs: JobSystem,
    ) -> None:
        self._sessions = sessions
        self._secrets = secrets
        self._outbound = outbound
        self._facts = facts
        self._jobs = jobs

    def client(self, url: str, token: str) -> LabelStudioClient:
        return LabelStudioClient(url=url, token=token, guard=label_studio_guard(self._outbound))

    async def prepare(
        self, tenant_id: str, selection: Selection, audit: ChoiceAudit | None = None
    ) -> Prepared:
        """The project as Label Studio has it now, its tasks to run, and where they go. The
        selection's choices become the project's, audited as `audit`'s principal's change."""
        async with self.client(selection.label_studio_url, selection.api_token) as client:
            found = await client.get_project(selection.project_id)
            parse_label_config(found.label_config)  # refused before anything is stored
            tasks = [task async for task in _tasks(client, selection)]
        async with self._sessions() as session:
            connection = await _connection(session, self._secrets, tenant_id, selection)
            project = await ensure_project(
                session, tenant_id=tenant_id, origin=connection.url,
                ls_project_id=selection.project_id, label_config=found.label_config,
                connection_id=connection.id,
            )
            before = project_choices(project)
            _choose(project, selection)
            after = project_choices(project)
            if after != before:
                record_audit(
                    session, principal=audit.principal if audit else None, tenant_id=tenant_id,
                    action="annotation_project.update", target_type="annotation_project",
                    target_id=project.id, before=before, after=after,
                    request_id=audit.request_id if audit else None,
                )
            version = selection.model_version or await project_model_version(project, self._facts)
            await session.commit()
            connection_id = connection.id
        wanted = int((project.settings or {}).get("examples") or 0)
        examples = _examples(tasks, min(wanted, MAX_EXAMPLES))
        if selection.only_unlabeled:
            tasks = [task for task in tasks if not task.annotations]
        return Prepared(project, connection_id, version, tasks, examples)

    async def submit(
        self, creator: Creator, selection: Selection, audit: ChoiceAudit | None = None
    ) -> tuple[JobView, bool]:
        prepared = await self.prepare(creator.tenant_id, selection, audit)
        items = (
            NewItem({"task_id": task.id, "data": dict(task.data)}, str(task.id))
            for task in prepared.tasks
        )
        params = {
            "project_id": prepared.project.id, "ls_project_id": selection.project_id,
            "connection_id": prepared.connection_id, "model_version": prepared.version,
            "examples": prepared.examples,
        }
        return await self._jobs.submit(
            creator=creator, kind=KIND, items=items, params=params,
            client_key=selection.client_key,
        )


async def _tasks(client: LabelStudioClient, selection: Selection
                 ) -> AsyncIterator[LabelStudioTask]:
    count = 0
    async for page in client.iter_tasks(selection.project_id, task_ids=selection.task_ids,
                                        filters=selection.filter):
        for task in page.tasks:
            count += 1
            if count > MAX_TASKS:
                return
            yield task


async def _connection(
    session: AsyncSession, secrets: SecretBox, tenant_id: str, selection: Selection
) -> LabelStudioConnection:
    url = selection.label_studio_url.rstrip("/")
    row = (await session.execute(
        select(LabelStudioConnection).where(
            LabelStudioConnection.tenant_id == tenant_id, LabelStudioConnection.url == url
        )
    )).scalar_one_or_none()
    if row is None:
        row = LabelStudioConnection(tenant_id=tenant_id, url=url)
        session.add(row)
    row.token_encrypted = secrets.encrypt(selection.api_token)
    row.token_hint = token_hint(selection.api_token)
    await session.flush()
    return row


def _choose(project: AnnotationProject, selection: Selection) -> None:
    """A job's choices become the project's (the next job and the ML backend use them)."""
    if selection.provider_id is not None:
        project.provider_id = selection.provider_id
    if selection.model is not None:
        project.model = selection.model
    if selection.instructions is not None:
        project.instructions = selection.instructions
    if selection.settings:
        project.settings = {**(project.settings or {}), **selection.settings}


def _examples(tasks: Sequence[LabelStudioTask], wanted: int) -> list[dict[str, Any]]:
    """Few-shot examples from tasks humans annotated: their data and an annotation's result."""
    chosen: list[dict[str, Any]] = []
    for task in tasks:
        if len(chosen) >= wanted:
            break
        kept = [a for a in task.annotations if a.result and not a.was_cancelled]
        if kept:
            chosen.append({"data": dict(task.data), "result": [dict(i) for i in kept[0].result]})
    return chosen


@dataclass
class _OpenJob:
    project: AnnotationProject
    plan: ProjectPlan
    client: LabelStudioClient
    writer: BulkWriter
    ls_project_id: int


ClientFactory = Callable[..., LabelStudioClient]  # called with url=, token=, guard=


class PreannotationItems:
    """Runs the items of `preannotation` jobs: predict, write to Label Studio, record."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        predictor: Predictor,
        facts: ProviderFacts,
        secrets: SecretBox,
        outbound: OutboundPolicy,
        *,
        limit_share: float,
        clients: ClientFactory = LabelStudioClient,
    ) -> None:
        self._sessions = sessions
        self._predictor = predictor
        self._facts = facts
        self._secrets = secrets
        self._outbound = outbound
        self._limit_share = limit_share
        self._clients = clients
        self._open: OrderedDict[str, _OpenJob] = OrderedDict()
        self._opening = asyncio.Lock()

    async def close(self) -> None:
        while self._open:
            _, job = self._open.popitem()
            await job.client.aclose()

    async def __call__(self, run: ItemRun, item: ClaimedItem) -> ItemOutcome:
        started = time.perf_counter()
        try:
            job = await self._job(run)
        except RateLimited:
            raise
        except TurnoutError as error:
            return _failed(item, error.code.value, error.status)
        task_id = int(item.request["task_id"])
        async with self._sessions() as session:
            kept = await written_predictions(session, job.project.id, job.plan.model_version,
                                             [task_id], statuses=(COMPLETED, WRITING))
        row = kept.get(task_id)
        if row is not None:  # saved before a restart: not asked again
            return await self._resumed(run, item, job, row, started)
        predicted = await self._predictor.predict(
            job.plan, task_id, item.request.get("data") or {}, caller=run.caller,
            request_id=f"{run.job_id}-{item.position}", limit_share=self._limit_share,
            paced=True, pause_when_down=True,
        )
        async with self._sessions() as session:
            row = await save_prediction(session, job.project, predicted, job_id=run.job_id,
                                        written=False)
            await session.commit()
        if not predicted.ok:
            why = predicted.error or {}
            return _failed(item, str(why.get("code")), int(why.get("status") or 502),
                           predicted, why)
        try:
            await self._write(job, row.id, _written(predicted))
        except TurnoutError as error:  # the row stays `writing`: a retry writes it unasked
            return _failed(item, error.code.value, error.status, predicted)
        return _completed(item, predicted, started)

    async def _resumed(self, run: ItemRun, item: ClaimedItem, job: _OpenJob, row: Prediction,
                       started: float) -> ItemOutcome:
        """The item of a task whose prediction was saved by an earlier run (of this job or
        another with the same model_version), perhaps written."""
        if row.status == WRITING:
            try:
                await self._write_unless_held(job, row)
            except TurnoutError as error:
                return _failed(item, error.code.value, error.status)
        spent = row.job_id == run.job_id  # its tokens were never counted in an outcome
        return ItemOutcome(
            item.id, ItemStatus.COMPLETED,
            result={"task_id": row.task_id, "model_version": row.model_version,
                    "score": row.score},
            prompt_tokens=row.prompt_tokens if spent else 0,
            completion_tokens=row.completion_tokens if spent else 0,
            total_tokens=(row.prompt_tokens + row.completion_tokens) if spent else 0,
            cost=row.cost if spent else 0.0,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    async def _write_unless_held(self, job: _OpenJob, row: Prediction) -> None:
        # A write cut short by a kill is normally answered long before the item's lease lapses
        # and it is claimed again; one Label Studio holds back longer (a lock-bound SQLite)
        # can still land after this look and leave a second copy.
        found = await job.client.list_tasks(job.ls_project_id, task_ids=[row.task_id],
                                            page_size=1)
        held = {p.model_version for task in found.tasks for p in task.predictions}
        if row.model_version in held:
            await self._mark_written(row.id)
            return
        items = list((row.result or {}).get("items", []))
        await self._write(job, row.id,
                          PredictionIn(row.task_id, row.model_version, items, row.score))

    async def _write(self, job: _OpenJob, row_id: str, prediction: PredictionIn) -> None:
        await job.writer.write(prediction)
        await self._mark_written(row_id)

    async def _mark_written(self, row_id: str) -> None:
        async with self._sessions() as session:
            await mark_written(session, row_id)
            await session.commit()

    async def _job(self, run: ItemRun) -> _OpenJob:
        async with self._opening:
            job = self._open.get(run.job_id)
            if job is not None:
                self._open.move_to_end(run.job_id)
                return job
            job = await self._open_job(run)
            self._open[run.job_id] = job
            while len(self._open) > OPEN_JOBS:
                _, old = self._open.popitem(last=False)
                await old.client.aclose()
            return job

    async def _open_job(self, run: ItemRun) -> _OpenJob:
        params = run.params
        async with self._sessions() as session:
            project = await session.get(AnnotationProject, str(params["project_id"]))
            connection = await session.get(LabelStudioConnection, str(params["connection_id"]))
            if project is None or connection is None:
                raise TurnoutError("the job's project or connection is gone")
            examples = tuple(
                Example(e["data"], e["result"]) for e in params.get("examples") or ()
            )
            plan = await project_plan(session, project, self._facts,
                                      version=str(params["model_version"]), examples=examples)
            token = self._secrets.decrypt(connection.token_encrypted)
        client = self._clients(url=connection.url, token=token,
                               guard=label_studio_guard(self._outbound))
        ls_project_id = int(params["ls_project_id"])
        return _OpenJob(project, plan, client, BulkWriter(client, ls_project_id), ls_project_id)


def _written(predicted: TaskPrediction) -> PredictionIn:
    return PredictionIn(predicted.task_id, predicted.model_version, predicted.results,
                        predicted.score)


def _completed(item: ClaimedItem, predicted: TaskPrediction, started: float) -> ItemOutcome:
    return ItemOutcome(
        item.id, ItemStatus.COMPLETED,
        result={"task_id": predicted.task_id, "model_version": predicted.model_version,
                "score": predicted.score, "regions": len(predicted.results)},
        prompt_tokens=predicted.prompt_tokens, completion_tokens=predicted.completion_tokens,
        total_tokens=predicted.prompt_tokens + predicted.completion_tokens, cost=predicted.cost,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
    )


def _failed(
    item: ClaimedItem, code: str, status: int, predicted: TaskPrediction | None = None,
    error: Mapping[str, Any] | None = None,
) -> ItemOutcome:
    recorded: dict[str, Any] = {**(error or {}), "code": code, "status": status}
    return ItemOutcome(
        item.id, ItemStatus.FAILED, error=recorded,
        prompt_tokens=predicted.prompt_tokens if predicted else 0,
        completion_tokens=predicted.completion_tokens if predicted else 0,
        total_tokens=(predicted.prompt_tokens + predicted.completion_tokens) if predicted else 0,
        cost=predicted.cost if predicted else 0.0,
    )
