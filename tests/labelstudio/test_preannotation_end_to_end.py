"""Pre-annotation end to end against a real Label Studio 1.23.2.

Turnout runs over real HTTP (the session app on a loopback port), its provider is the fake
upstream answering as a labeling model (right, sometimes wrong, sometimes malformed, with
log-probabilities). A text-classification project (English and Chinese tasks) adds Turnout as
its ML backend and retrieves predictions from the Data Manager; an NER project is
pre-annotated as a durable job; humans then annotate, and Turnout reports accuracy and
calibration."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from tests.labelstudio.human import Person
from tests.labelstudio.server import RunningLabelStudio
from turnout.fakeupstream import FakeUpstream
from turnout.fakeupstream.annotator import Annotator
from turnout.labelstudio import LabelStudioClient
from turnout.security.outbound import OutboundPolicy
from turnout.security.roles import Role

WAIT_S = 120
SENTIMENT = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>"""
NER = """<View>
  <Text name="text" value="$text"/>
  <Labels name="entities" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/>
  </Labels>
</View>"""
PEOPLE = ["Alice", "Bob", "Carol", "Dmitri", "Eve", "Farah", "王伟", "李娜"]
ORGS = ["Acme", "Globex", "Initech", "Umbrella", "华为", "腾讯"]
PLACES = ["Paris", "Lagos", "Osaka", "Lima", "北京", "上海"]
FEELINGS = {
    "Positive": ["loved the service at {org}", "{org} 的服务很好，非常满意"],
    "Negative": ["was let down by {org} again", "{org} 的产品太差了"],
    "Neutral": ["visited {org} on Tuesday", "{org} 今天发布了公告"],
}


def sentiment_tasks(count: int, rng: random.Random) -> tuple[list[str], dict[str, dict]]:
    texts, gold = [], {}
    for i in range(count):
        label = rng.choice(sorted(FEELINGS))
        text = f"{i}: " + rng.choice(FEELINGS[label]).format(org=rng.choice(ORGS))
        texts.append(text)
        gold[text] = {"sentiment": label}
    return texts, gold


def ner_tasks(count: int, rng: random.Random) -> tuple[list[str], dict[str, dict]]:
    texts, gold = [], {}
    for i in range(count):
        person, org, place = rng.choice(PEOPLE), rng.choice(ORGS), rng.choice(PLACES)
        text = f"{i}. {person} joined {org} in {place}."
        texts.append(text)
        gold[text] = {"entities": [
            {"text": person, "label": "PER", "occurrence": None},
            {"text": org, "label": "ORG", "occurrence": None},
            {"text": place, "label": "LOC", "occurrence": None},
        ]}
    return texts, gold


def human_result(text: str, gold: dict[str, Any]) -> list[dict[str, Any]]:
    """What a careful annotator marks: the gold answer as Label Studio result items."""
    if "sentiment" in gold:
        return [{"from_name": "sentiment", "to_name": "text", "type": "choices",
                 "value": {"choices": [gold["sentiment"]]}}]
    items = []
    for span in gold["entities"]:
        start = text.index(span["text"])
        items.append({"from_name": "entities", "to_name": "text", "type": "labels",
                      "value": {"start": start, "end": start + len(span["text"]),
                                "text": span["text"], "labels": [span["label"]]}})
    return items


async def until(condition, what: str) -> None:
    for _ in range(WAIT_S * 4):
        if await condition():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{what} not within {WAIT_S} s")


async def test_label_studio_retrieves_scored_predictions_from_turnout_as_its_ml_backend(
    label_studio: RunningLabelStudio, person: Person, turnout, upstream: FakeUpstream, tenant,
    live_url: str,
):
    texts, gold = sentiment_tasks(12, random.Random(1))
    upstream.set_annotator(Annotator(gold=gold, wrong_rate=0.2, malformed_rate=0.2, seed=3))
    project_id = await person.create_project("Sentiment via ML backend", SENTIMENT)
    task_ids = await person.import_texts(project_id, texts)
    async with LabelStudioClient(url=label_studio.url, token=label_studio.legacy_token,
                                 guard=OutboundPolicy().guard("local")) as studio:
        backend = await studio.connect_ml_backend(
            project_id, url=f"{live_url}/ml", title="Turnout", basic_auth_user="turnout",
            basic_auth_pass=tenant.api_keys[Role.MEMBER], timeout_s=100,
        )
    assert backend.state == "CO" and backend.model_version.startswith("turnout:annotator/")

    answer = await person.retrieve_predictions(project_id)
    assert answer["processed_items"] == len(task_ids)

    written = {task_id: await person.predictions_of(task_id) for task_id in task_ids}
    assert all(len(found) == 1 for found in written.values()), written
    for task_id in task_ids:
        (prediction,) = written[task_id]
        assert prediction["model_version"] == backend.model_version
        assert 0 < prediction["score"] <= 1  # the Data Manager sorts on it
        (item,) = prediction["result"]
        assert item["value"]["choices"][0] in ("Positive", "Negative", "Neutral")
        assert 0 < item["score"] <= 1
    right = sum(
        written[task_id][0]["result"][0]["value"]["choices"] == [gold[text]["sentiment"]]
        for text, task_id in zip(texts, task_ids, strict=True)
    )
    assert right >= len(texts) // 2  # a model that is mostly right, as configured


async def test_a_project_is_pre_annotated_as_a_job_then_accuracy_and_calibration_come_back(
    label_studio: RunningLabelStudio, person: Person, turnout, upstream: FakeUpstream, tenant,
    client,
):
    texts, gold = ner_tasks(60, random.Random(2))
    upstream.set_annotator(Annotator(gold=gold, wrong_rate=0.25, malformed_rate=0.1, seed=5))
    project_id = await person.create_project("NER job", NER)
    task_ids = await person.import_texts(project_id, texts)
    member = tenant.headers(Role.MEMBER, via_key=True)
    selection = {"label_studio_url": label_studio.url, "api_token": label_studio.personal_token,
                 "project_id": project_id}

    estimate = await client.post("/api/v1/preannotation/estimate", json=selection,
                                 headers=member)
    assert estimate.status_code == 200, estimate.text
    priced = estimate.json()
    assert priced["tasks"] == 60 and priced["prompt_tokens"] > 60 * 50
    assert priced["cost"] is not None and priced["cost"] > 0

    started = await client.post("/api/v1/preannotation/jobs", json=selection, headers=member)
    assert started.status_code == 201, started.text
    job = started.json()
    assert job["kind"] == "preannotation" and job["total"] == 60

    async def finished() -> bool:
        nonlocal job
        job = (await client.get(f"/api/v1/jobs/{job['id']}", headers=member)).json()
        return job["status"] in ("completed", "failed", "cancelled")

    await until(finished, "the pre-annotation job")
    assert job["status"] == "completed" and job["completed"] == 60 and job["failed"] == 0
    assert job["cost"] > 0

    predictions = {task_id: await person.predictions_of(task_id) for task_id in task_ids}
    versions = {p["model_version"] for found in predictions.values() for p in found}
    (version,) = versions
    assert version.startswith("turnout:annotator/")
    for text, task_id in zip(texts, task_ids, strict=True):
        (prediction,) = predictions[task_id]
        for item in prediction["result"]:
            value = item["value"]
            assert text[value["start"]:value["end"]] == value["text"]  # never off the text

    for text, task_id in zip(texts, task_ids, strict=True):
        prediction_id = predictions[task_id][0]["id"]
        await person.annotate(task_id, human_result(text, gold[text]),
                              from_prediction=prediction_id)
    projects = (await client.get("/api/v1/preannotation/projects",
                                 headers=tenant.headers(Role.VIEWER))).json()["projects"]
    (ours,) = [p for p in projects if p["ls_project_id"] == project_id]
    pulled = await client.post(f"/api/v1/preannotation/projects/{ours['id']}/pull",
                               headers=member)
    assert pulled.status_code == 200 and pulled.json() == {"annotations": 60}

    report = await client.get("/api/v1/preannotation/metrics",
                              params={"project_id": ours["id"], "target_accuracy": 0.9},
                              headers=tenant.headers(Role.VIEWER))
    assert report.status_code == 200, report.text
    (metrics,) = report.json()["versions"]
    assert metrics["model_version"] == version
    assert metrics["predictions"] == {"completed": 60, "failed": 0}
    assert metrics["annotations"]["total"] == 60
    assert 0 < metrics["annotations"]["acceptance_rate"] < 1  # some predictions were wrong
    labels = {row["label"]: row for row in metrics["labels"]}
    assert set(labels) == {"PER", "ORG", "LOC"}
    assert all(0 < row["precision"] <= 1 and 0 < row["recall"] <= 1 for row in labels.values())
    calibration = metrics["calibration"]
    assert calibration["fitted"] and calibration["samples"] >= 30
    assert calibration["ece_after"] is not None and calibration["brier_after"] is not None
    assert len(calibration["reliability_after"]) == 10
    assert metrics["threshold"]["labelled_tasks"] == 60


async def test_a_bad_token_or_an_unreachable_label_studio_is_a_clear_error(
    label_studio: RunningLabelStudio, client, tenant, turnout,
):
    member = tenant.headers(Role.MEMBER, via_key=True)
    refused = await client.post("/api/v1/preannotation/jobs", headers=member, json={
        "label_studio_url": label_studio.url, "api_token": "not-a-real-token-123",
        "project_id": 1,
    })
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "LABEL_STUDIO_REFUSED"
    assert "not-a-real-token" not in refused.text
    blocked = await client.post("/api/v1/preannotation/jobs", headers=member, json={
        "label_studio_url": "http://169.254.169.254", "api_token": "whatever-token-123",
        "project_id": 1,
    })
    assert blocked.status_code == 422, blocked.text
    assert blocked.json()["error"]["code"] == "OUTBOUND_URL_BLOCKED"
