"""What a real Label Studio 1.23.2 sends out: webhooks, and the ML backend protocol
(tests/labelstudio/PROTOCOL.md writes these facts down)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.labelstudio.human import SENTIMENT_AND_ENTITIES, Person
from tests.labelstudio.receiver import Receiver
from tests.labelstudio.server import RunningLabelStudio
from turnout.labelstudio import ANNOTATION_ACTIONS, LabelStudioClient, PredictionIn
from turnout.security.outbound import OutboundPolicy

LOCAL = OutboundPolicy().guard("local")
SECRET_HEADER = "X-Turnout-Webhook-Secret"
NEGATIVE = [{"from_name": "sentiment", "to_name": "text", "type": "choices",
             "value": {"choices": ["Negative"]}}]


@pytest.fixture
async def studio(label_studio: RunningLabelStudio) -> AsyncIterator[LabelStudioClient]:
    async with LabelStudioClient(
        url=label_studio.url, token=label_studio.legacy_token, guard=LOCAL
    ) as connected:
        yield connected


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as running:
        yield running


async def test_a_registered_webhook_delivers_annotations_with_the_secret_header(
    person: Person, studio: LabelStudioClient, receiver: Receiver
) -> None:
    project_id = await person.create_project("Webhook")
    (task_id,) = await person.import_texts(project_id, ["Alice works at Acme."])
    hook_url = f"{receiver.url}/hooks/labelstudio"
    webhook = await studio.ensure_webhook(
        project_id, url=hook_url, headers={SECRET_HEADER: "s3cret"}
    )
    assert webhook.actions == tuple(sorted(ANNOTATION_ACTIONS))
    assert webhook.header_names == (SECRET_HEADER,)
    again = await studio.ensure_webhook(project_id, url=hook_url, headers={SECRET_HEADER: "new"})
    assert again.id == webhook.id
    assert [w["id"] for w in await person.webhooks_of(project_id)] == [webhook.id]

    annotation_id = await person.annotate(task_id, NEGATIVE)

    (delivered,) = await receiver.wait_for("/hooks/labelstudio")
    assert delivered.method == "POST"
    assert delivered.headers[SECRET_HEADER] == "new"
    assert delivered.body["action"] == "ANNOTATION_CREATED"
    assert delivered.body["annotation"]["id"] == annotation_id
    assert delivered.body["annotation"]["task"] == task_id
    assert delivered.body["annotation"]["result"] == NEGATIVE
    assert delivered.body["project"]["id"] == project_id
    assert "<Choices" in delivered.body["project"]["label_config"]
    assert delivered.body["task"]["id"] == task_id


async def test_label_studio_speaks_the_ml_backend_protocol_with_basic_auth(
    person: Person, studio: LabelStudioClient, receiver: Receiver
) -> None:
    project_id = await person.create_project("ML backend")
    task_ids = await person.import_texts(project_id, ["Alice works at Acme.", "Bob left."])
    await studio.import_predictions(
        project_id, [PredictionIn(task_ids[0], "older-version", NEGATIVE, score=0.1)]
    )

    backend = await studio.connect_ml_backend(
        project_id, url=receiver.url, title="Turnout", basic_auth_user="turnout",
        basic_auth_pass="tk-project-key", timeout_s=100,
    )
    assert backend.state == "CO"
    assert backend.model_version == Receiver.model_version  # what /setup answered

    health, setup = receiver.at("/health")[0], receiver.at("/setup")[0]
    assert health.method == "GET"
    assert health.basic_auth == ("turnout", "tk-project-key")
    assert setup.basic_auth == ("turnout", "tk-project-key")
    assert setup.body["project"].startswith(f"{project_id}.")
    assert setup.body["schema"] == SENTIMENT_AND_ENTITIES
    assert set(setup.body) == {"project", "schema", "hostname", "access_token", "extra_params"}

    answer = await person.retrieve_predictions(project_id)
    assert answer["processed_items"] == 2

    (predict,) = receiver.at("/predict")
    assert predict.basic_auth == ("turnout", "tk-project-key")
    assert set(predict.body) == {"tasks", "project", "label_config", "params"}
    assert [t["id"] for t in predict.body["tasks"]] == task_ids
    assert predict.body["tasks"][0]["data"] == {"text": "Alice works at Acme."}
    assert [p["model_version"] for p in predict.body["tasks"][0]["predictions"]] == [
        "older-version"
    ]
    assert predict.body["label_config"] == SENTIMENT_AND_ENTITIES
    assert predict.body["params"] == {"login": None, "password": None, "context": None}

    stored = await person.predictions_of(task_ids[1])
    assert [(p["model_version"], p["score"]) for p in stored] == [(Receiver.model_version, 0.6)]

    # Asked again, Label Studio skips tasks that have a prediction of the backend's version.
    await person.retrieve_predictions(project_id)
    assert len(receiver.at("/predict")) == 1


async def test_the_ml_backends_own_webhook_carries_no_credentials_until_given_a_header(
    person: Person, studio: LabelStudioClient, receiver: Receiver
) -> None:
    project_id = await person.create_project("ML webhook")
    (task_id,) = await person.import_texts(project_id, ["Carol founded Globex."])
    first = await studio.connect_ml_backend(
        project_id, url=receiver.url, title="Turnout", basic_auth_user="turnout",
        basic_auth_pass="tk-project-key",
    )
    again = await studio.connect_ml_backend(
        project_id, url=receiver.url, title="Turnout", basic_auth_user="turnout",
        basic_auth_pass="tk-other-key",
    )
    assert again.id == first.id
    assert receiver.at("/setup")[-1].basic_auth == ("turnout", "tk-other-key")
    (made,) = await person.webhooks_of(project_id)
    assert made["url"] == f"{receiver.url}/webhook"
    assert made["headers"] == {} and made["send_for_all_actions"]

    await person.annotate(task_id, NEGATIVE)
    (bare,) = await receiver.wait_for("/webhook")
    assert bare.basic_auth is None and SECRET_HEADER not in bare.headers

    await studio.ensure_webhook(
        project_id, url=f"{receiver.url}/webhook", headers={SECRET_HEADER: "s3cret"}
    )
    await person.annotate(task_id, NEGATIVE)
    signed = (await receiver.wait_for("/webhook", count=2))[1]
    assert signed.headers[SECRET_HEADER] == "s3cret"
    assert signed.body["action"] == "ANNOTATION_CREATED"


async def test_retrieve_predictions_reports_success_when_the_backend_failed(
    person: Person, studio: LabelStudioClient, receiver: Receiver
) -> None:
    project_id = await person.create_project("Failing backend")
    (task_id,) = await person.import_texts(project_id, ["Dave joined Hooli."])
    await studio.connect_ml_backend(
        project_id, url=receiver.url, title="Turnout", basic_auth_user="turnout",
        basic_auth_pass="tk-project-key",
    )
    receiver.predict_fails_with = 500
    answer = await person.retrieve_predictions(project_id)
    assert len(receiver.at("/predict")) == 1
    # Label Studio's answer does not tell; only reading the predictions back does.
    assert answer["detail"].startswith("Retrieved")
    assert await person.predictions_of(task_id) == []
