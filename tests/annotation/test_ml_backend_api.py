"""Turnout as a Label Studio ML backend, over HTTP, with a provider on the fake upstream:
/ml/health, /ml/setup, /ml/predict and /ml/webhook as Label Studio calls them."""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from sqlalchemy import select

from tests.api.test_provider_configs import create, payload_for
from turnout.fakeupstream import Fault
from turnout.security.roles import Role
from turnout.store.models import AnnotationProject, HumanAnnotation, Prediction, RegionOutcome

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
</View>"""
UNSUPPORTED = """<View><Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels></View>"""


def completion(answer: dict) -> dict:
    """An OpenAI chat completion whose content is `answer` as JSON."""
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": json.dumps(answer)}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
    }


def basic(api_key: str) -> dict[str, str]:
    """HTTP basic auth as Label Studio sends it for a backend: any user, the key as password."""
    token = base64.b64encode(f"labelstudio:{api_key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
async def backend(client, tenant, upstream):
    """The tenant routes to an OpenAI provider on the fake upstream; Label Studio's calls are
    authenticated with a member's API key as the basic-auth password."""
    provider = await create(client, tenant, payload_for("openai", upstream, name="annotator"))
    routing = {"active_provider_id": provider["id"], "fallback_provider_ids": []}
    assert (await client.put("/api/v1/llm/routing", json=routing,
                             headers=tenant.headers())).is_success
    upstream.reset()
    yield basic(tenant.api_keys[Role.MEMBER])
    upstream.reset()


def setup_body(project: int, config: str = CONFIG) -> dict:
    return {"project": f"{project}.1712345678", "schema": config,
            "hostname": "", "access_token": "", "extra_params": {}}


async def test_health_answers_up_for_a_key_and_refuses_without_one(client, backend):
    answer = await client.get("/ml/health", headers=backend)
    assert answer.status_code == 200 and answer.json()["status"] == "UP"
    assert (await client.get("/ml/health")).status_code == 401
    wrong = basic("tk-not-a-key-" + secrets.token_hex(8))
    assert (await client.get("/ml/health", headers=wrong)).status_code == 401


async def test_setup_answers_the_model_version_without_calling_upstream(
    client, backend, upstream
):
    number = secrets.randbelow(10**6) + 1
    answer = await client.post("/ml/setup", json=setup_body(number), headers=backend)
    assert answer.status_code == 200, answer.text
    version = answer.json()["model_version"]
    assert version.startswith("turnout:annotator/") and upstream.requests == []
    again = await client.post("/ml/setup", json=setup_body(number), headers=backend)
    assert again.json()["model_version"] == version


async def test_setup_of_an_unsupported_config_is_a_clear_localised_422(client, backend):
    answer = await client.post("/ml/setup", json=setup_body(5, UNSUPPORTED),
                               headers={**backend, "Accept-Language": "zh-CN"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "LABEL_CONFIG_UNSUPPORTED"
    assert any(tag["tag"] == "RectangleLabels" for tag in error["details"]["tags"])


async def test_predict_answers_every_task_in_order_and_reuses_written_predictions(
    client, backend, upstream, services, tenant
):
    number = secrets.randbelow(10**6) + 1
    await client.post("/ml/setup", json=setup_body(number), headers=backend)
    upstream.set_fault(Fault(status=200, body=completion({"sentiment": "Negative"})))
    tasks = [{"id": 100 + i, "data": {"text": f"task {i}"}} for i in range(3)]
    tasks.append({"id": 200, "data": {"other": "no text field"}})
    body = {"tasks": tasks, "project": f"{number}.1712345678", "label_config": CONFIG,
            "params": {"login": None, "password": None, "context": None}}
    answer = await client.post("/ml/predict", json=body, headers=backend)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert len(results) == 4 and results[3] == []  # a task the config cannot read: none
    for entry in results[:3]:
        (prediction,) = entry
        assert prediction["result"][0]["value"] == {"choices": ["Negative"]}
        assert prediction["result"][0]["from_name"] == "sentiment"
        assert prediction["model_version"].startswith("turnout:annotator/")
    asked = len(upstream.requests)
    assert asked == 3
    again = await client.post("/ml/predict", json=body, headers=backend)
    assert again.json()["results"][:3] == results[:3]
    assert len(upstream.requests) == asked + 0  # the written ones are not asked again
    async with services.sessions() as session:
        rows = (await session.execute(
            select(Prediction).where(Prediction.tenant_id == tenant.id,
                                     Prediction.task_id.in_([100, 101, 102, 200]))
        )).scalars().all()
    assert sorted((r.task_id, r.status) for r in rows) == [
        (100, "completed"), (101, "completed"), (102, "completed"), (200, "failed"),
    ]
    assert next(r for r in rows if r.task_id == 200).error["code"] == "TASK_DATA_INVALID"


async def test_predict_of_an_answer_outside_the_config_writes_nothing(client, backend, upstream):
    number = secrets.randbelow(10**6) + 1
    upstream.set_fault(Fault(status=200, body=completion({"sentiment": "Ecstatic"})))
    body = {"tasks": [{"id": 1, "data": {"text": "x"}}], "project": f"{number}.1",
            "label_config": CONFIG}
    answer = await client.post("/ml/predict", json=body, headers=backend)
    assert answer.json()["results"] == [[]]
    assert len(upstream.requests) == 2  # asked once more with the problems, then given up


async def test_webhook_needs_the_projects_secret_and_records_the_comparison(
    client, backend, upstream, services, tenant
):
    number = secrets.randbelow(10**6) + 1
    await client.post("/ml/setup", json=setup_body(number), headers=backend)
    upstream.set_fault(Fault(status=200, body=completion({"sentiment": "Negative"})))
    body = {"tasks": [{"id": 7, "data": {"text": "meh"}}], "project": f"{number}.1",
            "label_config": CONFIG}
    (predicted,) = (await client.post("/ml/predict", json=body, headers=backend)).json()["results"]
    async with services.sessions() as session:
        project = (await session.execute(
            select(AnnotationProject).where(AnnotationProject.tenant_id == tenant.id,
                                            AnnotationProject.ls_project_id == number)
        )).scalar_one()
    human = [{"id": "h1", "from_name": "sentiment", "to_name": "text", "type": "choices",
              "value": {"choices": ["Positive"]}}]
    event = {"action": "ANNOTATION_CREATED", "project": {"id": number, "label_config": CONFIG},
             "annotation": {"id": 900 + number, "task": 7, "result": human,
                            "was_cancelled": False}}
    assert (await client.post("/ml/webhook", json=event)).status_code == 401
    wrong = {"X-Turnout-Webhook-Secret": "not-" + project.webhook_secret}
    assert (await client.post("/ml/webhook", json=event, headers=wrong)).status_code == 401
    proof = {"X-Turnout-Webhook-Secret": project.webhook_secret}
    answer = await client.post("/ml/webhook", json=event, headers=proof)
    assert answer.status_code == 201 and answer.json() == {"status": "ok"}
    ignored = {**event, "action": "PROJECT_UPDATED"}
    answer = await client.post("/ml/webhook", json=ignored, headers=proof)
    assert answer.status_code == 200 and answer.json() == {"status": "Unknown event"}
    async with services.sessions() as session:
        annotation = (await session.execute(
            select(HumanAnnotation).where(HumanAnnotation.project_id == project.id)
        )).scalar_one()
        outcomes = (await session.execute(
            select(RegionOutcome.label, RegionOutcome.outcome)
            .where(RegionOutcome.annotation_id == annotation.id).order_by(RegionOutcome.label)
        )).all()
    assert annotation.accepted is False and annotation.task_correct == 0.0
    assert annotation.model_version == predicted[0]["model_version"]
    assert [tuple(row) for row in outcomes] == [("Negative", "fp"), ("Positive", "fn")]
    # The same annotation sent again (edited in Label Studio) replaces its comparison.
    answer = await client.post("/ml/webhook", json={**event, "action": "ANNOTATION_UPDATED"},
                               headers=proof)
    assert answer.status_code == 201
    async with services.sessions() as session:
        count = len((await session.execute(
            select(RegionOutcome).where(RegionOutcome.annotation_id == annotation.id)
        )).all())
    assert count == 2


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ({"action": "", "project": None, "annotation": {}}, 422),
        ({"action": "ANNOTATION_CREATED", "project": {"id": "x"}, "annotation": {}}, 422),
        ({"action": "ANNOTATION_CREATED", "annotation": {"task": 1}}, 422),
        ({"action": "ANNOTATION_CREATED", "project": {"id": 10**17}, "annotation": {}}, 401),
    ],
)
async def test_a_webhook_event_naming_no_usable_project_is_refused_by_field(
    client, event, status
):
    headers = {"X-Turnout-Webhook-Secret": "some-secret", "Accept-Language": "zh-CN"}
    answer = await client.post("/ml/webhook", json=event, headers=headers)
    assert answer.status_code == status, answer.text
    if status == 422:
        (issue,) = answer.json()["error"]["details"]["fields"]
        assert issue["field"] == "project" and issue["message"]
    assert (await client.post("/ml/webhook", json=event)).status_code == 401
