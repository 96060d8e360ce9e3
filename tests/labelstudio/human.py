"""What a person does in Label Studio's UI, done through its REST API with the admin's token:
create projects, import tasks, annotate, press "Retrieve Predictions", look at predictions."""

from __future__ import annotations

from typing import Any

import httpx

from tests.labelstudio.server import RunningLabelStudio

SENTIMENT_AND_ENTITIES = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
  <Labels name="entities" toName="text">
    <Label value="PER"/><Label value="ORG"/>
  </Labels>
</View>"""


class Person:
    def __init__(self, label_studio: RunningLabelStudio) -> None:
        self._http = httpx.AsyncClient(
            base_url=label_studio.url, timeout=120.0,
            headers={"Authorization": f"Token {label_studio.legacy_token}"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._http.request(method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def create_project(self, title: str, label_config: str = SENTIMENT_AND_ENTITIES) -> int:
        project = await self._call(
            "POST", "/api/projects/", json={"title": title, "label_config": label_config}
        )
        return int(project["id"])

    async def import_texts(self, project_id: int, texts: list[str]) -> list[int]:
        answer = await self._call(
            "POST", f"/api/projects/{project_id}/import", params={"return_task_ids": "true"},
            json=[{"text": text} for text in texts],
        )
        return [int(task_id) for task_id in answer["task_ids"]]

    async def annotate(
        self, task_id: int, result: list[dict[str, Any]], *, from_prediction: int | None = None
    ) -> int:
        body: dict[str, Any] = {"result": result}
        if from_prediction is not None:
            body["parent_prediction"] = from_prediction
        annotation = await self._call("POST", f"/api/tasks/{task_id}/annotations/", json=body)
        return int(annotation["id"])

    async def predictions_of(self, task_id: int) -> list[dict[str, Any]]:
        task = await self._call("GET", f"/api/tasks/{task_id}")
        return list(task["predictions"])

    async def webhooks_of(self, project_id: int) -> list[dict[str, Any]]:
        return list(await self._call("GET", "/api/webhooks/", params={"project": project_id}))

    async def retrieve_predictions(self, project_id: int) -> dict[str, Any]:
        """The Data Manager's "Retrieve Predictions" over every task of the project."""
        answer = await self._call(
            "POST", "/api/dm/actions", params={"id": "retrieve_tasks_predictions",
                                              "project": project_id},
            json={"selectedItems": {"all": True, "excluded": []}},
        )
        return dict(answer)
