"""Turnout's calls to one Label Studio, as the user whose token it holds.

Built on label-studio-sdk's `AsyncLabelStudio` over Turnout's guarded httpx client, so every
connection (token refreshes included) goes only where the outbound policy allows, checked when it
is made. Failures come out as LabelStudioError subclasses (failures.py); answers as the frozen
records of records.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any

import httpx
from label_studio_sdk import AsyncLabelStudio, PredictionRequest
from label_studio_sdk.core.api_error import ApiError

from turnout.labelstudio.auth import LabelStudioToken
from turnout.labelstudio.failures import label_studio_failures
from turnout.labelstudio.reading import (
    annotation_from,
    as_mapping,
    ml_backend_from,
    result_items,
    task_from,
    webhook_from,
)
from turnout.labelstudio.records import (
    LabelStudioProject,
    LabelStudioUser,
    MlBackend,
    PredictionIn,
    StoredAnnotation,
    TaskPage,
    Webhook,
)
from turnout.security.outbound import ConnectGuard
from turnout.security.outbound_httpx import guarded_httpx_client

# The events accuracy is computed from.
ANNOTATION_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED")
# Predictions go to Label Studio in requests of at most this many.
IMPORT_CHUNK = 200
MAX_PAGE_SIZE = 1000
# The SDK wants a key of its own; LabelStudioToken replaces the header it makes from it. A
# non-JWT string keeps the SDK from trying to refresh it.
_SDK_KEY = "signed-by-turnout"


class LabelStudioClient:
    """One Label Studio (`url`) as one user (`token`: legacy or personal access token)."""

    def __init__(
        self, *, url: str, token: str, guard: ConnectGuard, timeout_s: float = 30.0
    ) -> None:
        self.url = url.rstrip("/")
        self._auth = LabelStudioToken(token, base_url=self.url)
        self._http = guarded_httpx_client(guard, timeout_s=timeout_s)
        self._http.auth = self._auth
        # Label Studio answers API calls with a session cookie; sending it back would sign
        # requests with the session instead of the token (and make them need CSRF tokens).
        refuse_all = DefaultCookiePolicy(allowed_domains=[])
        self._http.cookies = httpx.Cookies(CookieJar(policy=refuse_all))
        self._sdk = AsyncLabelStudio(
            base_url=self.url, api_key=_SDK_KEY, httpx_client=self._http, timeout=timeout_s,
            follow_redirects=False,
        )

    @property
    def token_kind(self) -> str:
        """`legacy`, `personal` or `access`: how the token is sent (auth.py)."""
        return self._auth.kind

    async def __aenter__(self) -> LabelStudioClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def whoami(self) -> LabelStudioUser:
        """The token's user: checks the URL and the token in one call."""
        async with label_studio_failures("whoami"):
            user = as_mapping(await self._sdk.users.whoami())
            return LabelStudioUser(id=int(user["id"]), email=str(user.get("email") or ""))

    async def get_project(self, project_id: int) -> LabelStudioProject:
        """The project's title, labeling config and task count."""
        async with label_studio_failures("get project"):
            project = as_mapping(await self._sdk.projects.get(id=project_id))
            return LabelStudioProject(
                id=int(project["id"]),
                title=str(project.get("title") or ""),
                label_config=str(project.get("label_config") or ""),
                task_count=project.get("task_number"),
            )

    async def list_tasks(
        self,
        project_id: int,
        *,
        page: int = 1,
        page_size: int = 100,
        task_ids: Sequence[int] | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> TaskPage:
        """One page of the project's tasks (or of `task_ids` among them), with their annotations
        and predictions; with `filters` (a data-manager filter, filters.py), those that match
        it. A page past the end is empty (its `total` then is 0)."""
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page {page} or page_size {page_size} out of range")
        wanted: dict[str, Any] = {}
        if task_ids is not None:
            wanted["selectedItems"] = {"all": False, "included": list(task_ids)}
        if filters is not None:
            wanted["filters"] = dict(filters)
        query = json.dumps(wanted) if wanted else None
        async with label_studio_failures("list tasks"):
            try:
                pager = await self._sdk.tasks.list(
                    project=project_id, page=page, page_size=page_size, fields="all", query=query
                )
            except ApiError as exc:
                # Label Studio answers a page past the end with 404 "Invalid page".
                if exc.status_code == 404 and page > 1:
                    return TaskPage(tasks=(), page=page, page_size=page_size, total=0)
                raise
            total = getattr(pager.response, "total", None)
            tasks = tuple(task_from(item) for item in pager.items or ())
            return TaskPage(
                tasks=tasks, page=page, page_size=page_size,
                total=int(total) if total is not None else len(tasks),
            )

    async def iter_tasks(
        self, project_id: int, *, page_size: int = 100, task_ids: Sequence[int] | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[TaskPage]:
        """Every page of the project's tasks (as list_tasks selects them), in order."""
        page = 1
        while True:
            found = await self.list_tasks(
                project_id, page=page, page_size=page_size, task_ids=task_ids, filters=filters
            )
            if found.tasks:
                yield found
            if not found.has_next or not found.tasks:
                return
            page += 1

    async def import_predictions(self, project_id: int, predictions: Sequence[PredictionIn]) -> int:
        """Write `predictions` in bulk; returns how many Label Studio created.

        Never retried here: Label Studio stores the predictions before it updates its task
        counters, which can fail (HTTP 500, PROTOCOL.md), so sending again could write them
        twice. The caller asks what is held before sending again (label_studio_writes.py)."""
        created = 0
        for start in range(0, len(predictions), IMPORT_CHUNK):
            chunk = [
                PredictionRequest(
                    task=p.task_id, model_version=p.model_version, score=p.score,
                    result=result_items(p.result),
                )
                for p in predictions[start : start + IMPORT_CHUNK]
            ]
            async with label_studio_failures("import predictions"):
                answer = as_mapping(
                    await self._sdk.projects.import_predictions(
                        id=project_id, request=chunk, request_options={"max_retries": 0}
                    )
                )
            created += int(answer.get("created") or 0)
        return created

    async def list_annotations(self, task_id: int) -> tuple[StoredAnnotation, ...]:
        """The task's annotations, each with the prediction it started from, if any."""
        async with label_studio_failures("list annotations"):
            found = await self._sdk.annotations.list(id=task_id)
            return tuple(annotation_from(item, task_id=task_id) for item in found)

    async def ensure_webhook(
        self,
        project_id: int,
        *,
        url: str,
        headers: Mapping[str, str],
        actions: Sequence[str] = ANNOTATION_ACTIONS,
    ) -> Webhook:
        """The project's webhook to `url`, sending `actions` with `headers` (e.g. a secret):
        created, or the existing one to that URL updated (such as the one Label Studio makes
        for an ML backend, which carries no credentials)."""
        async with label_studio_failures("register webhook"):
            existing = await self._sdk.webhooks.list(project=str(project_id))
            same = [as_mapping(w) for w in existing if as_mapping(w).get("url") == url]
            settings: dict[str, Any] = {
                "headers": dict(headers), "actions": list(actions), "send_payload": True,
                "send_for_all_actions": False, "is_active": True,
            }
            if same:
                await self._sdk.webhooks.update(id=int(same[0]["id"]), url=url, **settings)
                return webhook_from({**same[0], **settings, "url": url})
            created = await self._sdk.webhooks.create(url=url, project=project_id, **settings)
            return webhook_from(created)

    async def connect_ml_backend(
        self,
        project_id: int,
        *,
        url: str,
        title: str,
        basic_auth_user: str,
        basic_auth_pass: str,
        timeout_s: float | None = None,
    ) -> MlBackend:
        """Connect `url` to the project as its ML backend, with HTTP basic auth (created, or the
        project's backend at that URL updated). Label Studio calls its /health and /setup first
        and refuses a backend that does not answer them."""
        settings: dict[str, Any] = {
            "title": title, "auth_method": "BASIC_AUTH", "basic_auth_user": basic_auth_user,
            "basic_auth_pass": basic_auth_pass, "is_interactive": False, "auto_update": True,
        }
        if timeout_s is not None:
            settings["timeout"] = timeout_s
        async with label_studio_failures("connect ML backend"):
            existing = [as_mapping(b) for b in await self._sdk.ml.list(project=project_id)]
            same = [b for b in existing if str(b.get("url", "")).rstrip("/") == url.rstrip("/")]
            if same:
                # Label Studio 1.23 answers 500 to an update that does not name the project.
                updated = await self._sdk.ml.update(
                    id=int(same[0]["id"]), project=project_id, url=url, **settings
                )
                return ml_backend_from(updated)
            return ml_backend_from(
                await self._sdk.ml.create(project=project_id, url=url, **settings)
            )
