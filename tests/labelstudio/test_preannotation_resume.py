"""A pre-annotation item cut short around Label Studio's bulk import resumes without writing its
prediction twice or asking the model again, against a real Label Studio; and a bulk import that
failed after storing part of its batch is completed without writing any of it twice.

The first run of the items dies at the import (just before it is sent, or just after Label
Studio answered), as a SIGKILL would stop it: nothing after that point runs, so the job never
hears of the items. A second executor, as a restarted process has, runs the same items again
(their leases lapsed): each task ends with exactly one prediction of the job's model_version.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest

from tests.labelstudio.asks import first_asks
from tests.labelstudio.human import Person
from tests.labelstudio.server import RunningLabelStudio
from tests.labelstudio.test_preannotation_end_to_end import SENTIMENT
from turnout.annotation.client_jobs import (
    KIND,
    ClientFactory,
    PreannotationItems,
    Selection,
)
from turnout.annotation.label_studio_writes import BulkWriter
from turnout.annotation.prediction_store import written_predictions
from turnout.container import Services
from turnout.errors import LabelStudioUnreachable
from turnout.fakeupstream import FakeUpstream
from turnout.fakeupstream.annotator import Annotator
from turnout.gateway.context import Caller
from turnout.jobs.runner import ItemRun
from turnout.jobs.store import ClaimedItem, ItemStatus
from turnout.labelstudio.client import LabelStudioClient
from turnout.labelstudio.records import PredictionIn
from turnout.security.outbound import OutboundPolicy

TEXTS = ["0: loved the service at Acme", "1: 华为 的产品太差了"]
GOLD = {TEXTS[0]: {"sentiment": "Positive"}, TEXTS[1]: {"sentiment": "Negative"}}


class Killed(BaseException):
    """The process died here: nothing after this point runs (not an Exception, so no handler
    of errors catches it)."""


class KilledBeforeImport(LabelStudioClient):
    async def import_predictions(self, project_id: int,
                                 predictions: Sequence[PredictionIn]) -> int:
        raise Killed


class KilledAfterImport(LabelStudioClient):
    async def import_predictions(self, project_id: int,
                                 predictions: Sequence[PredictionIn]) -> int:
        await super().import_predictions(project_id, predictions)
        raise Killed


def executor(services: Services, clients: ClientFactory = LabelStudioClient
             ) -> PreannotationItems:
    """The item executor a Turnout process has (a new one per process life)."""
    return PreannotationItems(
        services.sessions, services.preannotation.predictor, services.preannotation.facts,
        services.secrets, services.outbound, limit_share=services.settings.job_limit_share,
        clients=clients,
    )


@pytest.mark.parametrize(
    ("dying", "held_at_kill"), [(KilledBeforeImport, 0), (KilledAfterImport, 1)],
    ids=["killed-before-the-import", "killed-after-the-import"],
)
async def test_items_cut_short_at_the_import_end_with_one_prediction_each_asked_once(
    label_studio: RunningLabelStudio, person: Person, turnout, upstream: FakeUpstream,
    services: Services, tenant, dying: type[LabelStudioClient], held_at_kill: int,
):
    upstream.set_annotator(Annotator(gold=GOLD, seed=4))
    project_id = await person.create_project("Killed at the import", SENTIMENT)
    task_ids = await person.import_texts(project_id, TEXTS)
    assert services.preannotation.jobs is not None
    prepared = await services.preannotation.jobs.prepare(tenant.id, Selection(
        label_studio_url=label_studio.url, api_token=label_studio.personal_token,
        project_id=project_id,
    ))
    run = ItemRun(str(uuid.uuid4()), KIND, Caller(tenant.id), {
        "project_id": prepared.project.id, "ls_project_id": project_id,
        "connection_id": prepared.connection_id, "model_version": prepared.version,
        "examples": [],
    })

    def items(attempts: int) -> list[ClaimedItem]:
        return [ClaimedItem(position + 1, position, None,
                            {"task_id": task.id, "data": dict(task.data)}, attempts)
                for position, task in enumerate(prepared.tasks)]

    first = executor(services, dying)
    died = await asyncio.gather(*(first(run, item) for item in items(1)),
                                return_exceptions=True)
    await first.close()
    assert all(isinstance(outcome, Killed) for outcome in died), died
    at_kill = [await person.predictions_of(task_id) for task_id in task_ids]
    assert [len(found) for found in at_kill] == [held_at_kill] * len(TEXTS)

    second = executor(services)
    outcomes = await asyncio.gather(*(second(run, item) for item in items(2)))
    await second.close()

    assert [o.status for o in outcomes] == [ItemStatus.COMPLETED] * len(TEXTS)
    assert all(o.total_tokens > 0 for o in outcomes)  # the first run's ask, counted once
    for task_id in task_ids:
        (prediction,) = await person.predictions_of(task_id)
        assert prediction["model_version"] == prepared.version
        assert 0 < prediction["score"] <= 1
    assert first_asks(upstream) == dict.fromkeys(TEXTS, 1)  # the model was asked once each
    async with services.sessions() as session:
        rows = await written_predictions(session, prepared.project.id, prepared.version,
                                         task_ids)
    assert sorted(rows) == sorted(task_ids)  # recorded as written


class StoresPartThenFails(LabelStudioClient):
    """Label Studio answering HTTP 500 after storing (PROTOCOL.md): the first import stores
    only its first prediction, then fails."""

    failed = False

    async def import_predictions(self, project_id: int,
                                 predictions: Sequence[PredictionIn]) -> int:
        if self.failed:
            return await super().import_predictions(project_id, predictions)
        self.failed = True
        await super().import_predictions(project_id, predictions[:1])
        raise LabelStudioUnreachable("import predictions: HTTP 500", label_studio_status=500)


async def test_an_import_that_failed_after_storing_part_is_completed_without_duplicates(
    label_studio: RunningLabelStudio, person: Person,
):
    project_id = await person.create_project("Import failing half way", SENTIMENT)
    task_ids = await person.import_texts(project_id, TEXTS)
    choice = [{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices",
               "value": {"choices": ["Positive"]}}]
    async with StoresPartThenFails(url=label_studio.url, token=label_studio.legacy_token,
                                   guard=OutboundPolicy().guard("local")) as studio:
        writer = BulkWriter(studio, project_id, retry_s=0.01)
        await asyncio.gather(*(writer.write(PredictionIn(task_id, "v-half", choice, 0.9))
                               for task_id in task_ids))
        assert studio.failed
    for task_id in task_ids:
        (prediction,) = await person.predictions_of(task_id)
        assert (prediction["model_version"], prediction["score"]) == ("v-half", 0.9)
