"""An OpenAI batch input file read into job items, by the /v1 routes' own conversion.

Each line is `{"custom_id", "method": "POST", "url": <the batch's endpoint>, "body"}`. The body
is validated by the same model, its `model` resolved by the same rules, and it becomes the
gateway's request through the same functions as when it is POSTed to that endpoint, so a line
means what that request means. A line that cannot run becomes a failed item saying why, never a
dropped one: an unreadable line (not JSON, no custom_id or a repeated one, another method or
url, no body) without an HTTP status, a body the endpoint would refuse with the status it would
answer. Lines are read a few hundred at a time between turns of the event loop (paced.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from turnout.api import json_input
from turnout.api.errors import from_validation
from turnout.api.openai_chat import chat_request
from turnout.api.paced import paced
from turnout.api.routes.openai_compat import embedding_texts, resolve_model
from turnout.api.schemas.openai import ChatCompletionBody, EmbeddingsBody
from turnout.api.schemas.openai_batch import CHAT_ENDPOINT, BatchBody
from turnout.container import Services
from turnout.errors import TurnoutError, UnknownProviderName, ValidationFailed
from turnout.jobs import files
from turnout.jobs.store import NewItem
from turnout.jobs.system import Creator, JobView
from turnout.providers import ChatRequest
from turnout.security.roles import Principal

KIND = "openai_batch"
CUSTOM_ID_CHARS = 256  # the items' custom_id column
Target = tuple[str | None, str | None]  # (provider name, model), as resolve_model gives them
Body = TypeVar("Body", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class _Unknown:
    """A `model` naming a provider the tenant does not have."""

    name: str


@dataclass(slots=True)
class _Batch:
    endpoint: str
    targets: dict[str, Target | _Unknown]
    seen: set[str] = field(default_factory=set)  # custom ids so far

    def target(self, model: str) -> Target:
        found = self.targets[model]
        if isinstance(found, _Unknown):
            raise UnknownProviderName(found.name)
        return found


async def submit_batch(services: Services, *, principal: Principal, body: BatchBody) -> JobView:
    """A job of kind `openai_batch` holding an item for every line of the input file."""
    async with services.sessions() as session:
        raw = await files.file_content(session, body.input_file_id, tenant_id=principal.tenant_id)
    targets = await _targets(services, principal.tenant_id, await _models(raw))
    view, _ = await services.jobs.submit(
        creator=Creator(principal.tenant_id, principal.user_id, principal.api_key_id),
        kind=KIND,
        items=batch_items(raw, _Batch(body.endpoint, targets)),
        params=body.model_dump(),
    )
    return view


def _lines(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number, text) of every line that is not blank."""
    for number, text in enumerate(raw.splitlines(), start=1):
        if text.strip():
            yield number, text


async def _models(raw: bytes) -> set[str]:
    """Every `model` the bodies name, so each is resolved once, before the lines are read."""
    models = set()
    async for _, text in paced(_lines(raw)):
        try:
            line = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue  # reported when the line is read
        body = line.get("body") if isinstance(line, dict) else None
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            models.add(body["model"])
    return models


async def _targets(
    services: Services, tenant_id: str, models: set[str]
) -> dict[str, Target | _Unknown]:
    targets: dict[str, Target | _Unknown] = {}
    for model in models:
        try:
            targets[model] = await resolve_model(services, tenant_id, model)
        except UnknownProviderName as error:
            targets[model] = _Unknown(str(error.params["name"]))
    return targets


def batch_items(raw: bytes, batch: _Batch) -> AsyncIterator[NewItem]:
    return paced(_item(number, text, batch) for number, text in _lines(raw))


def _item(number: int, text: bytes, batch: _Batch) -> NewItem:
    try:
        line = json_input.parse(text)
    except TurnoutError as error:
        return _failed(None, error, number)
    if not isinstance(line, dict):
        issue = _issue("line", "validation.wrong_type", expected="object")
        return _failed(None, ValidationFailed([issue]), number)
    custom_id = line.get("custom_id")
    usable_id = custom_id if _usable_id(custom_id) else None
    problems = _line_problems(line, batch)
    if usable_id is not None:
        batch.seen.add(usable_id)
    if problems:
        return _failed(usable_id, ValidationFailed(problems), number)
    try:
        return NewItem(_request(line["body"], batch), usable_id)
    except TurnoutError as error:
        return _failed(usable_id, error, number, status=error.status)


def _usable_id(custom_id: Any) -> bool:
    return isinstance(custom_id, str) and 0 < len(custom_id) <= CUSTOM_ID_CHARS


def _line_problems(line: dict[str, Any], batch: _Batch) -> list[dict[str, Any]]:
    """What keeps the line from being a request of this batch, field by field."""
    problems = []
    custom_id = line.get("custom_id")
    if custom_id is None:
        problems.append(_issue("custom_id", "validation.required"))
    elif not _usable_id(custom_id):
        problems.append(_issue("custom_id", "validation.batch_custom_id", max=CUSTOM_ID_CHARS))
    elif custom_id in batch.seen:
        problems.append(_issue("custom_id", "validation.batch_duplicate_custom_id"))
    if line.get("method") != "POST":
        problems.append(_issue("method", "validation.batch_method"))
    if line.get("url") != batch.endpoint:
        problems.append(_issue("url", "validation.batch_url", endpoint=batch.endpoint))
    if not isinstance(line.get("body"), dict):
        problems.append(_issue("body", "validation.wrong_type", expected="object"))
    return problems


def _request(body: dict[str, Any], batch: _Batch) -> dict[str, Any]:
    """The stored request for a body, as /v1/chat/completions or /v1/embeddings builds it."""
    if batch.endpoint == CHAT_ENDPOINT:
        chat = _validated(ChatCompletionBody, body)
        if chat.stream:
            raise ValidationFailed([_issue("stream", "validation.batch_stream")])
        provider_name, model = batch.target(chat.model)
        return {
            "operation": "generate",
            "chat": dataclasses.asdict(chat_request(chat, model)),
            "provider_name": provider_name,
        }
    embed = _validated(EmbeddingsBody, body)
    texts = embedding_texts(embed)
    provider_name, model = batch.target(embed.model)
    return {
        "operation": "embed",
        "chat": dataclasses.asdict(ChatRequest(messages=(), model=model)),
        "texts": texts,
        "provider_name": provider_name,
    }


def _validated(model: type[Body], body: dict[str, Any]) -> Body:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise from_validation(RequestValidationError(exc.errors(include_url=False))) from exc


def _issue(name: str, code: str, **params: Any) -> dict[str, Any]:
    return {"field": name, "code": code, "params": params}


def _failed(
    custom_id: str | None, error: TurnoutError, number: int, *, status: int | None = None
) -> NewItem:
    """A failed item recording `error` so that its message can be told in any language.

    `status` is what the endpoint would have answered; a line that is not a request has none.
    """
    recorded: dict[str, Any] = {"code": error.code.value, "key": error.message_key, "line": number}
    if status is not None:
        recorded["status"] = status
    if error.params:
        recorded["params"] = error.params
    if isinstance(error, ValidationFailed):
        recorded["fields"] = error.fields
    return NewItem(None, custom_id, error=recorded)
