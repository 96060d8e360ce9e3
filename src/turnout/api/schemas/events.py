"""Server-Sent Events in the OpenAPI document. The `schema` of a text/event-stream response
describes one event (OpenAPI 3.1; 3.2 names it itemSchema); its `data` is JSON text whose
structure `contentSchema` gives, written out in full so it stands alone."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def sse_response(description: str, *models: type[BaseModel]) -> dict[str, Any]:
    """A `responses=` entry for a stream whose events each carry one of `models` as data."""
    payloads = [inlined_schema(model) for model in models]
    data = {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": payloads[0] if len(payloads) == 1 else {"oneOf": payloads},
    }
    event = {
        "type": "object",
        "description": description,
        "required": ["data"],
        "properties": {"event": {"type": "string"}, "data": data, "id": {"type": "string"}},
    }
    return {"content": {"text/event-stream": {"schema": event}}}


def inlined_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema with its definitions written in place, so it stands alone."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    return _resolved(schema, definitions)


def _resolved(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _resolved(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {key: _resolved(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(item, definitions) for item in node]
    return node
