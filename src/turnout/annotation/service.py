"""Pre-annotation as the app sees it: the ML backend, client jobs, estimates and reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.annotation import metrics_report
from turnout.annotation.client_jobs import (
    ChoiceAudit,
    PreannotationItems,
    PreannotationJobs,
    Selection,
    label_studio_guard,
)
from turnout.annotation.estimate import Estimate, estimate
from turnout.annotation.human_labels import record_annotation, refit_calibration
from turnout.annotation.ml_backend import MLBackend
from turnout.annotation.predictor import Predictor
from turnout.annotation.projects import project_by_id, project_connection, project_plan
from turnout.annotation.provider_facts import ProviderFacts
from turnout.configs.runtime import ProviderRuntime
from turnout.errors import Conflict
from turnout.gateway.pricing import PriceBook
from turnout.gateway.switcher import Switcher
from turnout.jobs.system import JobSystem
from turnout.labelstudio.client import LabelStudioClient
from turnout.labelstudio.records import StoredAnnotation
from turnout.providers.base import Usage
from turnout.security.crypto import SecretBox
from turnout.security.outbound import OutboundPolicy


@dataclass(frozen=True, slots=True)
class PricedEstimate:
    estimate: Estimate
    provider_id: str | None
    provider_type: str | None
    model: str | None
    model_version: str
    cost: float | None  # None when the registry has no price for the model
    currency: str | None  # the registry's currency of that price; None with no cost


class Preannotation:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        switcher: Switcher,
        runtime: ProviderRuntime,
        secrets: SecretBox,
        outbound: OutboundPolicy,
        prices: PriceBook,
        concurrency: int,
        limit_share: float,
    ) -> None:
        self._sessions = sessions
        self._prices = prices
        self.facts = ProviderFacts(runtime)
        self.predictor = Predictor(switcher, self.facts.capabilities)
        self.ml_backend = MLBackend(sessions, self.predictor, self.facts, outbound,
                                    concurrency=concurrency)
        self.items = PreannotationItems(sessions, self.predictor, self.facts, secrets, outbound,
                                        limit_share=limit_share)
        self._secrets, self._outbound = secrets, outbound
        self.jobs: PreannotationJobs | None = None

    def attach(self, jobs: JobSystem) -> None:
        """The job system its client jobs run on (made after the executor it needs)."""
        self.jobs = PreannotationJobs(self._sessions, self._secrets, self._outbound, self.facts,
                                      jobs)

    async def close(self) -> None:
        await self.ml_backend.close()
        await self.items.close()

    async def estimate(
        self, tenant_id: str, selection: Selection, audit: ChoiceAudit | None = None
    ) -> PricedEstimate:
        assert self.jobs is not None
        prepared = await self.jobs.prepare(tenant_id, selection, audit)
        first = await self.facts.first(tenant_id=tenant_id,
                                       provider_id=prepared.project.provider_id)
        async with self._sessions() as session:
            plan = await project_plan(session, prepared.project, self.facts,
                                      version=prepared.version)
        counted = estimate(plan, (task.data for task in prepared.tasks),
                           first.capabilities if first is not None else None)
        model = prepared.project.model or (first.chat_model if first is not None else None)
        cost = currency = None
        if first is not None and model is not None:
            facts = await self._prices.facts(tenant_id=tenant_id,
                                             provider_type=first.provider_type, model=model)
            if facts is not None:
                cost = await self._prices.cost(
                    tenant_id=tenant_id, provider_type=first.provider_type, model=model,
                    usage=Usage.of(counted.prompt_tokens, counted.completion_tokens),
                )
                currency = facts.currency
        return PricedEstimate(counted, first.id if first else None,
                              first.provider_type if first else None, model, plan.model_version,
                              cost, currency)

    async def metrics(self, tenant_id: str, **filters: Any) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            return await metrics_report.metrics(session, tenant_id=tenant_id, **filters)

    async def pull_annotations(self, tenant_id: str, project_id: str) -> int:
        """Read the project's human annotations from Label Studio (through its stored
        connection), compare each with the prediction it followed, and refit calibrations.
        Returns how many annotations were recorded."""
        async with self._sessions() as session:
            project = await project_by_id(session, tenant_id=tenant_id, project_id=project_id)
            connection = await project_connection(session, project)
            if connection is None:
                raise Conflict(reason="no_label_studio_connection")
            token = self._secrets.decrypt(connection.token_encrypted)
        recorded, versions = 0, set()
        async with LabelStudioClient(url=connection.url, token=token,
                                     guard=label_studio_guard(self._outbound)) as client:
            async for page in client.iter_tasks(project.ls_project_id):
                async with self._sessions() as session:
                    for task in page.tasks:
                        for annotation in task.annotations:
                            row = await record_annotation(
                                session, project, task.id, _annotation_json(annotation)
                            )
                            if row is not None:
                                recorded += 1
                                if row.model_version:
                                    versions.add(row.model_version)
                    await session.commit()
        async with self._sessions() as session:
            for version in sorted(versions):
                await refit_calibration(session, project, version, force=True)
            await session.commit()
        return recorded


def _annotation_json(annotation: StoredAnnotation) -> dict[str, Any]:
    return {
        "id": annotation.id, "result": [dict(item) for item in annotation.result],
        "was_cancelled": annotation.was_cancelled,
        "parent_prediction": annotation.parent_prediction,
    }
