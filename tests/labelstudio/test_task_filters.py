"""Selecting tasks with Label Studio's data-manager filter (labelstudio/filters.py), against a real
Label Studio 1.23.2: every filter Turnout accepts is one Label Studio applies, a job with a
filter pre-annotates exactly the tasks that match it, the estimate counts the same tasks, and a
filter Label Studio would misread is refused first with a localised 422 naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.annotation.test_preannotation_properties import asked_text, chat_calls
from tests.labelstudio.human import Person
from tests.labelstudio.server import RunningLabelStudio
from tests.labelstudio.test_preannotation_end_to_end import SENTIMENT, until
from turnout.api.schemas.preannotation import TaskFilter
from turnout.fakeupstream import FakeUpstream
from turnout.fakeupstream.annotator import Annotator
from turnout.labelstudio import LabelStudioClient
from turnout.labelstudio.filters import COLUMNS, PREFIX
from turnout.security.outbound import OutboundPolicy
from turnout.security.roles import Role

TEXTS = [
    "The delivery came two days late",
    "Lovely staff, quick checkout",
    "DELIVERY driver was very polite",
    "Refund took a month",
    "Free delivery made my day",
    "The app crashed at login",
    "delivery box arrived crushed",
    "Great prices this week",
]
ANNOTATED = {0, 4}  # a human already labelled these
ONE_OF_EACH = {  # a filter of each type as the Data Manager sends it, by column type
    "Number": ("greater_or_equal", 0),
    "Datetime": ("greater", "2000-01-01T00:00:00.000000Z"),
    "String": ("contains", "e"),
}
LIST_VALUES = {"annotators": 1, "predictions_model_versions": ["turnout:v1"]}


def condition(column: str, operator: str, kind: str, value: Any) -> dict[str, Any]:
    return {"filter": PREFIX + column, "operator": operator, "type": kind, "value": value}


def label(choice: str) -> list[dict[str, Any]]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices",
             "value": {"choices": [choice]}}]


@pytest.fixture
async def project(person: Person) -> tuple[int, list[int]]:
    """A small sentiment project, two of its tasks annotated by a person."""
    project_id = await person.create_project("Filtered pre-annotation", SENTIMENT)
    task_ids = await person.import_texts(project_id, TEXTS)
    for index in ANNOTATED:
        await person.annotate(task_ids[index], label("Positive"))
    return project_id, task_ids


@pytest.fixture
async def studio(label_studio: RunningLabelStudio) -> AsyncIterator[LabelStudioClient]:
    async with LabelStudioClient(url=label_studio.url, token=label_studio.legacy_token,
                                 guard=OutboundPolicy().guard("local")) as client:
        yield client


async def listed(studio: LabelStudioClient, project_id: int, filters: dict[str, Any],
                 task_ids: list[int] | None = None) -> list[int]:
    return [task.id async for page in studio.iter_tasks(project_id, filters=filters,
                                                         task_ids=task_ids)
            for task in page.tasks]


async def test_every_column_turnout_accepts_is_one_label_studio_filters_on(
    studio: LabelStudioClient, project: tuple[int, list[int]]
):
    project_id, task_ids = project
    for column, spec in COLUMNS.items():
        for kind in spec.types:
            operator, value = ONE_OF_EACH.get(kind, ("contains", LIST_VALUES.get(column)))
            accepted = TaskFilter.model_validate(
                {"conjunction": "and", "items": [condition(column, operator, kind, value)]}
            ).as_label_studio()
            found = await listed(studio, project_id, accepted)  # a 500 here raises
            assert set(found) <= set(task_ids), column
    # Some answers, to see the filters applied rather than ignored.
    def only(*items: dict[str, Any]) -> dict[str, Any]:
        return {"conjunction": "and", "items": list(items)}
    unlabelled = await listed(studio, project_id,
                              only(condition("total_annotations", "equal", "Number", 0)))
    assert unlabelled == [t for i, t in enumerate(task_ids) if i not in ANNOTATED]
    by_annotator = await listed(studio, project_id,
                                only(condition("annotators", "contains", "List", 1)))
    assert by_annotator == [task_ids[i] for i in sorted(ANNOTATED)]
    listed_ids = await listed(studio, project_id,
                              only(condition("id", "in_list", "Number", task_ids[5:])))
    assert listed_ids == task_ids[5:]


async def test_label_studio_misreads_the_operators_turnout_refuses(
    studio: LabelStudioClient, project: tuple[int, list[int]]
):
    """Why starts_with and exists are refused: Label Studio 1.23 compares for equality."""
    project_id, _ = project
    for operator, value in (("starts_with", "The delivery"), ("exists", True)):
        misread = {"conjunction": "and",
                   "items": [condition("data.text", operator, "String", value)]}
        assert await listed(studio, project_id, misread) == []
        with pytest.raises(ValueError, match="operator"):
            TaskFilter.model_validate(misread)


async def test_a_job_with_a_filter_pre_annotates_exactly_the_tasks_that_match_it(
    label_studio: RunningLabelStudio, person: Person, project: tuple[int, list[int]],
    turnout, upstream: FakeUpstream, tenant, client,
):
    project_id, task_ids = project
    upstream.set_annotator(Annotator(gold={text: {"sentiment": "Negative"} for text in TEXTS}))
    member = tenant.headers(Role.MEMBER, via_key=True)
    # Tasks that mention a delivery, in any case, that nobody has labelled yet.
    wanted = {"conjunction": "and", "items": [
        condition("data.text", "contains", "String", "delivery"),
        condition("total_annotations", "equal", "Number", 0),
    ]}
    matching = [i for i, text in enumerate(TEXTS)
                if "delivery" in text.lower() and i not in ANNOTATED]
    assert matching == [2, 6]
    selection = {"label_studio_url": label_studio.url, "api_token": label_studio.personal_token,
                 "project_id": project_id, "filter": wanted}
    # The tenant prices the model in yuan; the estimate's cost is in the registry's currency.
    priced = {"provider_type": "openai", "model": turnout["models"]["chat"],
              "input_price_per_1k": 0.01, "output_price_per_1k": 0.02, "currency": "CNY"}
    assert (await client.post("/api/v1/llm/models", json=priced,
                              headers=tenant.headers())).status_code == 201

    estimate = await client.post("/api/v1/preannotation/estimate", json=selection,
                                 headers=member)
    assert estimate.status_code == 200, estimate.text
    assert estimate.json()["tasks"] == len(matching)
    assert estimate.json()["cost"] > 0 and estimate.json()["currency"] == "CNY"
    # The estimate stored the connection: the project can be pulled, its URL is shown, the
    # token never.
    listing = await client.get("/api/v1/preannotation/projects",
                               headers=tenant.headers(Role.VIEWER))
    (ours,) = [p for p in listing.json()["projects"] if p["ls_project_id"] == project_id]
    assert ours["has_connection"] and ours["label_studio_url"] == label_studio.url
    assert label_studio.personal_token not in listing.text
    among = await client.post("/api/v1/preannotation/estimate", headers=member,
                              json={**selection, "task_ids": task_ids[:4]})
    assert among.status_code == 200, among.text
    assert among.json()["tasks"] == 1  # of the first four, only task 2 matches

    started = await client.post("/api/v1/preannotation/jobs", json=selection, headers=member)
    assert started.status_code == 201, started.text
    job = started.json()
    assert job["total"] == len(matching)

    async def finished() -> bool:
        nonlocal job
        job = (await client.get(f"/api/v1/jobs/{job['id']}", headers=member)).json()
        return job["status"] in ("completed", "failed", "cancelled")

    await until(finished, "the filtered pre-annotation job")
    assert job["status"] == "completed" and job["completed"] == len(matching)
    predicted = [i for i, task_id in enumerate(task_ids) if await person.predictions_of(task_id)]
    assert predicted == matching
    assert sorted(asked_text(call) for call in chat_calls(upstream)) == sorted(
        TEXTS[i] for i in matching)


BAD_FILTERS = [
    # (the filter, the field named, its message code, words of its English message)
    ({"conjunction": "and", "items": [condition("data.text", "starts_with", "String", "The")]},
     "filter.items.0.operator", "validation.task_filter_operator", "contains, not_contains"),
    ({"conjunction": "and", "items": [{**condition("data.text", "contains", "String", "x"),
                                       "filter": "tasks:data.text"}]},
     "filter.items.0.filter", "validation.task_filter_column", "filter:tasks:data.<field>"),
    ({"conjunction": "and", "items": [condition("total_annotations", "equal", "String", "0")]},
     "filter.items.0.type", "validation.task_filter_type", "as Number"),
    ({"conjunction": "or", "items": [condition("data.text", "contains", "String", "x"),
                                     condition("total_annotations", "equal", "Number", "zero")]},
     "filter.items.1.value", "validation.task_filter_value.number", "a number"),
    ({"conjunction": "and", "items": [condition("created_at", "greater", "Datetime",
                                                "2026-01-31")]},
     "filter.items.0.value", "validation.task_filter_value.datetime", "2026-01-31T00:00:00"),
    ({"conjunction": "and", "items": [condition("id", "in", "Number", {"min": 9, "max": 2})]},
     "filter.items.0.value", "validation.task_filter_value.range_number", "min not above max"),
    ({"conjunction": "and", "items": [condition("data.text", "contains", "String", None)]},
     "filter.items.0.value", None, None),
    ({"conjunction": "xor", "items": [condition("data.text", "contains", "String", "x")]},
     "filter.conjunction", "validation.not_allowed", None),
    ({"conjunction": "and", "items": [condition("data.n", "greater", "Number", 1)] * 21},
     "filter.items", "validation.too_long", None),
    ({"conjunction": "and", "items": [{**condition("id", "equal", "Number", 1),
                                       "child_filter": {}}]},
     "filter.items.0.child_filter", "validation.unknown_field", None),
]


@pytest.mark.parametrize(("bad", "field", "code", "words"), BAD_FILTERS)
async def test_a_filter_label_studio_would_misread_is_refused_with_a_localised_422(
    client, tenant, bad, field, code, words
):
    body = {"label_studio_url": "http://127.0.0.1:9", "api_token": "token-never-used",
            "project_id": 1, "filter": bad}
    member = tenant.headers(Role.MEMBER, via_key=True)
    for path in ("/api/v1/preannotation/estimate", "/api/v1/preannotation/jobs"):
        english = await client.post(path, json=body, headers=member)
        assert english.status_code == 422, english.text
        error = english.json()["error"]
        assert error["code"] == "VALIDATION_FAILED"
        (issue,) = [f for f in error["details"]["fields"] if f["field"] == field]
        if code is not None:
            assert issue["code"] == code
        if words is not None:
            assert words in issue["message"] and words in error["message"]
        chinese = await client.post(path, json=body,
                                    headers={**member, "Accept-Language": "zh-CN"})
        assert chinese.status_code == 422
        (issue_zh,) = [f for f in chinese.json()["error"]["details"]["fields"]
                       if f["field"] == field]
        assert issue_zh["code"] == issue["code"] and issue_zh["message"] != issue["message"]
