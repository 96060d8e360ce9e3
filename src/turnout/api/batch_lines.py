"""Lines of a batch, read into job items: valid ones as stored requests, bad ones as failures.

A bad line is never dropped: it becomes an item that failed with the reason, so a job's results
account for every line sent. A JSONL line is read by the same rules as a JSON body (json_input):
text with U+0000 or an integer past 64 bits is refused by field, as it would be in a request.
Items are made as they are consumed, handing the event loop back every few hundred (paced.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from turnout.api import json_input
from turnout.api.paced import paced
from turnout.api.routes.llm import gateway_request
from turnout.api.schemas.jobs import BatchCreate
from turnout.api.schemas.llm import GenerateRequest
from turnout.errors import TurnoutError, ValidationFailed
from turnout.jobs.store import NewItem
from turnout.security.roles import Principal

CUSTOM_ID_CHARS = 256


def batch_items(body: BatchCreate, principal: Principal) -> AsyncIterator[NewItem]:
    defaults = _defaults(body)
    return paced(line_item(line, defaults, principal) for line in body.requests)


def jsonl_items(
    raw: bytes, defaults: Mapping[str, Any], principal: Principal
) -> AsyncIterator[NewItem]:
    """One item per non-empty line of a JSONL upload."""
    return paced(_jsonl_items(raw, defaults, principal))


def _jsonl_items(
    raw: bytes, defaults: Mapping[str, Any], principal: Principal
) -> Iterator[NewItem]:
    for number, text in enumerate(raw.splitlines(), start=1):
        if text.strip():
            yield _jsonl_item(number, text, defaults, principal)


def _jsonl_item(
    number: int, text: bytes, defaults: Mapping[str, Any], principal: Principal
) -> NewItem:
    try:
        line = json_input.parse(text)
    except ValidationFailed as error:
        return _bad(None, error.code.value, line=number, fields=[_field(f) for f in error.fields])
    except TurnoutError as error:  # not JSON: MalformedJson says what and where in the line
        return _bad(None, error.code.value, line=number, **{
            k: v for k, v in error.details.items() if k in ("problem", "column")})
    if not isinstance(line, dict):
        return _bad(None, "VALIDATION_FAILED", line=number,
                    fields=[{"field": "line", "type": "wrong_type", "expected": "object"}])
    return line_item(line, defaults, principal)


def line_item(line: dict[str, Any], defaults: Mapping[str, Any], principal: Principal) -> NewItem:
    line = dict(line)
    custom_id = line.pop("custom_id", None)
    if custom_id is not None and (problem := _custom_id_problem(custom_id)):
        return _bad(None, "VALIDATION_FAILED", fields=[{"field": "custom_id", **problem}])
    merged = {**defaults, **line}
    options = line.get("options")
    if ("options" in defaults or "options" in line) and isinstance(options, dict | None):
        merged["options"] = {**defaults.get("options", {}), **(options or {})}
    try:
        request = GenerateRequest.model_validate(merged)
    except ValidationError as exc:
        fields = [{"field": ".".join(str(p) for p in e["loc"]), "type": e["type"]}
                  for e in exc.errors(include_url=False)]
        return _bad(custom_id, "VALIDATION_FAILED", fields=fields)
    if request.stream:
        return _bad(custom_id, "VALIDATION_FAILED", fields=[{"field": "stream"}])
    return NewItem(stored_request(request, principal), custom_id)


def _field(issue: dict[str, Any]) -> dict[str, Any]:
    """A json_input field issue in the shape of the other lines' ({field, type, limits…})."""
    kind = str(issue["code"]).removeprefix("validation.")
    return {"field": issue["field"], "type": kind, **issue.get("params", {})}


def _custom_id_problem(custom_id: Any) -> dict[str, Any] | None:
    """Why `custom_id` cannot be kept as sent (a result under a shortened id answers nothing)."""
    if not isinstance(custom_id, str):
        return {"type": "string_type"}
    if not custom_id:
        return {"type": "string_too_short", "min_length": 1}
    if len(custom_id) > CUSTOM_ID_CHARS:
        return {"type": "string_too_long", "max_length": CUSTOM_ID_CHARS}
    return None


def stored_request(body: GenerateRequest, principal: Principal) -> dict[str, Any]:
    """What an item keeps of a generate request: enough to send it again, as it was sent."""
    work = gateway_request(body, principal, "")
    return {
        "operation": "generate",
        "chat": dataclasses.asdict(work.chat),
        "provider_id": work.provider_id,
        "cache": work.cache,
    }


def _defaults(body: BatchCreate) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    if body.provider_id:
        defaults["provider_id"] = body.provider_id
    if body.model:
        defaults["model"] = body.model
    if body.options is not None:
        defaults["options"] = body.options.model_dump(exclude_none=True)
    return defaults


def _bad(custom_id: str | None, code: str, **details: Any) -> NewItem:
    return NewItem(None, custom_id, error={"code": code, **details})
