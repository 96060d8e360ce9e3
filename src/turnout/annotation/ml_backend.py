"""Turnout as a Label Studio ML backend: setup, predict and the webhook, behind /ml/*.

- setup names the project and its labeling config; Turnout keeps both, answers the
  model_version its predictions will carry, and calls nothing upstream (Label Studio gives it
  3 s). Once per project, with the token Label Studio's setup call hands over, it adds a secret
  header to the webhook Label Studio made for the backend (that webhook carries no
  credentials), in the background.
- predict answers every task of the selection, at most `concurrency` at a time, within a
  deadline shorter than Label Studio's 100 s; a task already predicted under this
  model_version is answered from the database; a task that failed or did not finish in time
  gets no prediction (an empty list), so Label Studio leaves it to a later retrieval.
- webhook takes annotation events that carry the project's secret header, and compares each
  annotation with the prediction it followed.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.annotation.human_labels import (
    is_label_studio_id,
    record_annotation,
    refit_calibration,
)
from turnout.annotation.prediction_store import (
    as_label_studio,
    save_prediction,
    written_predictions,
)
from turnout.annotation.predictor import Predictor, ProjectPlan
from turnout.annotation.projects import ensure_project, latest_project, project_plan
from turnout.annotation.provider_facts import ProviderFacts
from turnout.errors import LabelStudioError, NotAuthenticated, ValidationFailed
from turnout.gateway.context import Caller
from turnout.labelstudio.client import LabelStudioClient
from turnout.security.outbound import OutboundPolicy
from turnout.store.models import AnnotationProject

log = logging.getLogger("turnout.annotation")

SECRET_HEADER = "X-Turnout-Webhook-Secret"  # noqa: S105 - a header name
PREDICT_DEADLINE_S = 85.0  # Label Studio cuts /predict at 100 s
ANNOTATION_EVENTS = frozenset({"ANNOTATION_CREATED", "ANNOTATION_UPDATED"})


@dataclass(frozen=True, slots=True)
class SetupCall:
    project: str  # "<id>.<created_at>"
    label_config: str
    hostname: str | None
    access_token: str | None
    webhook_url: str  # where Label Studio sends this backend's webhook


def project_number(project: str | int | None) -> int:
    """Label Studio's project id from "<id>.<created_at>" (or a bare id)."""
    text = str(project or "").split(".", 1)[0]
    if not text.isdigit() or len(text) > 18:
        raise ValidationFailed([{"field": "project", "code": "validation.invalid"}])
    return int(text)


class MLBackend:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        predictor: Predictor,
        facts: ProviderFacts,
        outbound: OutboundPolicy,
        *,
        concurrency: int = 8,
        deadline_s: float = PREDICT_DEADLINE_S,
    ) -> None:
        self._sessions = sessions
        self._predictor = predictor
        self._facts = facts
        self._outbound = outbound
        self._concurrency = concurrency
        self._deadline_s = deadline_s
        self._background: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def setup(self, caller: Caller, call: SetupCall) -> str:
        """The model_version predictions will carry; the config is checked (422 otherwise)."""
        number = project_number(call.project)
        async with self._sessions() as session:
            project = await ensure_project(
                session, tenant_id=caller.tenant_id, origin=_origin(call.hostname),
                ls_project_id=number, label_config=call.label_config,
            )
            plan = await project_plan(session, project, self._facts)
            await session.commit()
            secured = bool((project.settings or {}).get("webhook_secured"))
            secret, project_id = project.webhook_secret, project.id
        if not secured and call.hostname and call.access_token:
            self._spawn(self._secure_webhook(project_id, number, secret, call))
        return plan.model_version

    async def predict(
        self, caller: Caller, project: str | int | None, label_config: str | None,
        tasks: Sequence[Mapping[str, Any]],
    ) -> list[list[dict[str, Any]]]:
        """Per task in order: [its prediction], or [] when it has none."""
        number = project_number(project)
        async with self._sessions() as session:
            found = await latest_project(session, tenant_id=caller.tenant_id,
                                         ls_project_id=number)
            if found is None:
                found = await ensure_project(session, tenant_id=caller.tenant_id,
                                             origin=_origin(None), ls_project_id=number,
                                             label_config=label_config)
            elif label_config and label_config != found.label_config:
                found.label_config = label_config
            plan = await project_plan(session, found, self._facts)
            await session.commit()
            ids = [int(task["id"]) for task in tasks]
            stored = await written_predictions(session, found.id, plan.model_version, ids)
        answers: dict[int, list[dict[str, Any]]] = {
            task_id: [as_label_studio(row)] for task_id, row in stored.items()
        }
        todo = [task for task in tasks if int(task["id"]) not in answers]
        answers.update(await self._predict_all(caller, found, plan, todo))
        return [answers.get(int(task["id"]), []) for task in tasks]

    async def _predict_all(
        self, caller: Caller, project: AnnotationProject, plan: ProjectPlan,
        tasks: Sequence[Mapping[str, Any]],
    ) -> dict[int, list[dict[str, Any]]]:
        slots = asyncio.Semaphore(self._concurrency)
        answers: dict[int, list[dict[str, Any]]] = {}
        started = time.monotonic()

        async def one(task: Mapping[str, Any]) -> None:
            async with slots:
                if time.monotonic() - started > self._deadline_s:
                    return
                task_id = int(task["id"])
                predicted = await self._predictor.predict(
                    plan, task_id, task.get("data") or {}, caller=caller,
                    request_id=f"ml-{project.ls_project_id}-{task_id}",
                )
                async with self._sessions() as session:
                    await save_prediction(session, project, predicted)
                    await session.commit()
                answers[task_id] = [predicted.as_label_studio()] if predicted.ok else []

        pending = [asyncio.ensure_future(one(task)) for task in tasks]
        if pending:
            done, late = await asyncio.wait(pending, timeout=self._deadline_s)
            for task in late:
                task.cancel()
            for task in done:
                if task.exception() is not None:  # a rate limit: left for the next retrieval
                    log.info("ML backend task not predicted: %s", type(task.exception()).__name__)
        return answers

    async def webhook(self, secret: str | None, payload: Mapping[str, Any]) -> bool:
        """True when an annotation event was recorded, False for an event Turnout ignores;
        NotAuthenticated without the project's secret."""
        if not secret:
            raise NotAuthenticated()
        project_info = payload.get("project")
        number = project_number(
            project_info.get("id") if isinstance(project_info, Mapping) else None
        )
        async with self._sessions() as session:
            project = await _project_with_secret(session, number, secret)
            action = payload.get("action")
            annotation = payload.get("annotation")
            if action not in ANNOTATION_EVENTS or not isinstance(annotation, Mapping):
                return False
            task = annotation.get("task")
            task_id = task.get("id") if isinstance(task, Mapping) else task
            if not is_label_studio_id(task_id):
                issue = {"field": "annotation.task", "code": "validation.required"}
                raise ValidationFailed([issue])
            recorded = await record_annotation(session, project, task_id, annotation)
            if recorded is not None and recorded.model_version is not None:
                await refit_calibration(session, project, recorded.model_version)
            await session.commit()
        return recorded is not None

    async def _secure_webhook(
        self, project_id: str, number: int, secret: str, call: SetupCall
    ) -> None:
        """Give Label Studio's webhook for this backend the project's secret header."""
        assert call.hostname and call.access_token
        guard = self._outbound.guard("private", tenant_mode=False)
        try:
            async with LabelStudioClient(url=call.hostname, token=call.access_token,
                                         guard=guard, timeout_s=10) as client:
                await client.ensure_webhook(number, url=call.webhook_url,
                                            headers={SECRET_HEADER: secret})
        except LabelStudioError as error:
            log.warning("could not secure the webhook of Label Studio project %s: %s",
                        number, error.code.value)
            return
        async with self._sessions() as session:
            project = await session.get(AnnotationProject, project_id)
            if project is not None:
                project.settings = {**(project.settings or {}), "webhook_secured": True}
                await session.commit()

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _origin(hostname: str | None) -> str:
    return (hostname or "ml-backend").rstrip("/")[:2048]


async def _project_with_secret(
    session: AsyncSession, number: int, secret: str | None
) -> AnnotationProject:
    if not secret:
        raise NotAuthenticated()
    candidates = (await session.execute(
        select(AnnotationProject).where(AnnotationProject.ls_project_id == number)
    )).scalars()
    for project in candidates:
        if hmac.compare_digest(project.webhook_secret.encode(), secret.encode()):
            return project
    raise NotAuthenticated()

