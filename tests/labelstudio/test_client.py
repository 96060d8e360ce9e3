"""Turnout's Label Studio client against a real Label Studio 1.23.2."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from tests.labelstudio.human import Person
from tests.labelstudio.server import RunningLabelStudio
from turnout.errors import (
    LabelStudioRefused,
    LabelStudioRejected,
    LabelStudioUnreachable,
    OutboundUrlBlocked,
)
from turnout.labelstudio import LabelStudioClient, PredictionIn
from turnout.security.outbound import OutboundPolicy

LOCAL = OutboundPolicy().guard("local")
TEXTS = [
    "Alice works at Acme.",
    "张三在阿里巴巴工作。",
    "Bob left Initech.",
    "李四喜欢腾讯的产品。",
    "Carol founded Globex.",
]


def choice(label: str, score: float | None = None) -> dict[str, object]:
    item: dict[str, object] = {
        "id": "s1", "from_name": "sentiment", "to_name": "text", "type": "choices",
        "value": {"choices": [label]},
    }
    if score is not None:
        item["score"] = score
    return item


def span(start: int, end: int, text: str, label: str) -> dict[str, object]:
    return {
        "id": "e1", "from_name": "entities", "to_name": "text", "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


@pytest.fixture
async def studio(label_studio: RunningLabelStudio) -> AsyncIterator[LabelStudioClient]:
    async with LabelStudioClient(
        url=label_studio.url, token=label_studio.legacy_token, guard=LOCAL
    ) as connected:
        yield connected


async def test_who_am_i_with_a_legacy_token(label_studio: RunningLabelStudio, studio) -> None:
    me = await studio.whoami()
    assert studio.token_kind == "legacy"
    assert me.email == label_studio.email


async def test_a_personal_access_token_reads_and_writes(
    label_studio: RunningLabelStudio, person: Person
) -> None:
    project_id = await person.create_project("Personal token")
    (task_id,) = await person.import_texts(project_id, [TEXTS[0]])
    async with LabelStudioClient(
        url=label_studio.url, token=label_studio.personal_token, guard=LOCAL
    ) as studio:
        assert studio.token_kind == "personal"
        assert (await studio.whoami()).email == label_studio.email
        written = await studio.import_predictions(
            project_id, [PredictionIn(task_id, "pat-v1", [choice("Positive", 0.7)], score=0.7)]
        )
        (task,) = (await studio.list_tasks(project_id)).tasks
    assert written == 1
    assert [(p.model_version, p.score) for p in task.predictions] == [("pat-v1", 0.7)]


async def test_a_wrong_token_is_refused(label_studio: RunningLabelStudio) -> None:
    async with LabelStudioClient(url=label_studio.url, token="not-a-token", guard=LOCAL) as studio:
        with pytest.raises(LabelStudioRefused) as refused:
            await studio.whoami()
    assert refused.value.details == {"label_studio_status": 401}


async def test_a_personal_token_of_another_server_is_refused_on_refresh(
    label_studio: RunningLabelStudio,
) -> None:
    forged = label_studio.personal_token.rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    async with LabelStudioClient(url=label_studio.url, token=forged, guard=LOCAL) as studio:
        with pytest.raises(LabelStudioRefused):
            await studio.whoami()


async def test_nobody_listening_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with LabelStudioClient(
        url=f"http://127.0.0.1:{port}", token="x" * 40, guard=LOCAL
    ) as studio:
        with pytest.raises(LabelStudioUnreachable):
            await studio.whoami()


async def test_the_outbound_guard_refuses_loopback_in_cloud_mode(
    label_studio: RunningLabelStudio,
) -> None:
    async with LabelStudioClient(
        url=label_studio.url, token=label_studio.legacy_token,
        guard=OutboundPolicy().guard("cloud"),
    ) as studio:
        with pytest.raises(OutboundUrlBlocked):
            await studio.whoami()


async def test_a_project_is_read_with_its_label_config(person: Person, studio) -> None:
    project_id = await person.create_project("Reviews")
    project = await studio.get_project(project_id)
    assert (project.id, project.title) == (project_id, "Reviews")
    assert '<Choices name="sentiment"' in project.label_config
    assert '<Labels name="entities"' in project.label_config


async def test_an_unknown_project_is_rejected_with_labelstudios_status(studio) -> None:
    with pytest.raises(LabelStudioRejected) as rejected:
        await studio.get_project(987654)
    assert rejected.value.details == {"label_studio_status": 404}
    # Label Studio's own words stay in the detail, out of the user's message parameters.
    assert "987654" not in str(rejected.value.params)


async def test_tasks_are_listed_in_pages(person: Person, studio) -> None:
    project_id = await person.create_project("Pages")
    task_ids = await person.import_texts(project_id, TEXTS)
    pages = [page async for page in studio.iter_tasks(project_id, page_size=2)]
    assert [len(page.tasks) for page in pages] == [2, 2, 1]
    assert {page.total for page in pages} == {5}
    listed = [task for page in pages for task in page.tasks]
    assert [task.id for task in listed] == task_ids
    assert [task.data["text"] for task in listed] == TEXTS
    past_the_end = await studio.list_tasks(project_id, page=4, page_size=2)
    assert past_the_end.tasks == () and not past_the_end.has_next


async def test_tasks_can_be_listed_by_id(person: Person, studio) -> None:
    project_id = await person.create_project("Selection")
    task_ids = await person.import_texts(project_id, TEXTS)
    page = await studio.list_tasks(project_id, task_ids=[task_ids[1], task_ids[3]])
    assert [task.data["text"] for task in page.tasks] == [TEXTS[1], TEXTS[3]]
    assert page.total == 2


async def test_predictions_are_imported_in_bulk_and_read_back(person: Person, studio) -> None:
    project_id = await person.create_project("Predictions")
    task_ids = await person.import_texts(project_id, TEXTS[:2])
    alice = span(0, 5, "Alice", "PER")
    created = await studio.import_predictions(project_id, [
        PredictionIn(task_ids[0], "turnout-v1", [choice("Positive", 0.9), alice], score=0.9),
        PredictionIn(task_ids[1], "turnout-v1", [choice("Negative", 0.4)], score=0.4),
    ])
    assert created == 2

    seen_in_label_studio = await person.predictions_of(task_ids[0])
    assert [(p["model_version"], p["score"]) for p in seen_in_label_studio] == [("turnout-v1", 0.9)]
    assert seen_in_label_studio[0]["result"] == [choice("Positive", 0.9), alice]

    page = await studio.list_tasks(project_id)
    by_task = {task.id: task.predictions for task in page.tasks}
    assert [(p.model_version, p.score) for p in by_task[task_ids[1]]] == [("turnout-v1", 0.4)]
    assert by_task[task_ids[1]][0].result == (choice("Negative", 0.4),)


async def test_predictions_for_a_task_of_another_project_are_rejected(
    person: Person, studio
) -> None:
    first = await person.create_project("First")
    other_task = (await person.import_texts(await person.create_project("Second"), ["x"]))[0]
    await person.import_texts(first, ["y"])
    with pytest.raises(LabelStudioRejected):
        await studio.import_predictions(
            first, [PredictionIn(other_task, "v1", [choice("Positive")])]
        )
    assert await person.predictions_of(other_task) == []


async def test_a_human_annotation_is_read_back_with_the_prediction_it_followed(
    person: Person, studio
) -> None:
    project_id = await person.create_project("Annotations")
    (task_id,) = await person.import_texts(project_id, [TEXTS[0]])
    await studio.import_predictions(
        project_id, [PredictionIn(task_id, "turnout-v1", [choice("Positive", 0.8)], score=0.8)]
    )
    prediction_id = (await person.predictions_of(task_id))[0]["id"]
    human = [choice("Negative"), span(0, 5, "Alice", "PER")]
    annotation_id = await person.annotate(task_id, human, from_prediction=prediction_id)

    (annotation,) = await studio.list_annotations(task_id)
    assert annotation.id == annotation_id
    assert annotation.task_id == task_id
    assert annotation.result == tuple(human)
    assert annotation.parent_prediction == prediction_id
    assert not annotation.was_cancelled

    (task,) = (await studio.list_tasks(project_id)).tasks
    assert [a.id for a in task.annotations] == [annotation_id]
