"""Chat messages as OpenAI's chat schema defines them, for /v1/chat/completions and generate.

Roles system, developer, user, assistant and tool. Content is text or a list of typed parts:
text everywhere; image_url, input_audio and file on user messages; refusal on assistant
messages. An assistant message may carry `tool_calls`, and then needs no content; a tool
message answers one call by its `tool_call_id`. Nothing is dropped: an invalid message is a
422 naming the field (`messages.1.role`, `messages.2.content.0.image_url.url`).

Messages stay plain dicts (validated in place, never copied into models) so the request path
hands them to the providers as they came.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, WithJsonSchema, with_config
from pydantic_core import InitErrorDetails, PydanticCustomError

# pydantic reads TypedDicts from typing_extensions before Python 3.12.
from typing_extensions import TypedDict

Role = Literal["system", "developer", "user", "assistant", "tool"]
TOOL_NAME = r"^[a-zA-Z0-9_-]{1,64}$"
_TEXT = {"type": "string"}


# A tool call sent back loses what SDKs add to their own objects (`index`, the parsed
# arguments): it says nothing the id, name and arguments do not.
@with_config(ConfigDict(extra="ignore"))
class FunctionCall(TypedDict):
    name: Annotated[str, Field(pattern=TOOL_NAME)]
    arguments: str  # JSON text


@with_config(ConfigDict(extra="ignore"))
class ToolCallIn(TypedDict):
    id: Annotated[str, Field(min_length=1, max_length=256)]
    type: Literal["function"]
    function: FunctionCall


def _part_schema(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", kind],
        "properties": {"type": {"const": kind}, kind: value},
    }


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


CONTENT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _TEXT,
        {
            "type": "array",
            "minItems": 1,
            "items": {
                "oneOf": [
                    _part_schema("text", _TEXT),
                    _part_schema("refusal", _TEXT),
                    _part_schema(
                        "image_url",
                        _object(["url"], url=_TEXT, detail={"enum": ["auto", "low", "high"]}),
                    ),
                    _part_schema(
                        "input_audio",
                        _object(["data", "format"], data=_TEXT, format={"enum": ["wav", "mp3"]}),
                    ),
                    _part_schema(
                        "file", _object([], file_data=_TEXT, file_id=_TEXT, filename=_TEXT)
                    ),
                ]
            },
        },
        {"type": "null"},
    ],
    "description": "text, or typed parts: text (any role), image_url, input_audio and file "
    "(user), refusal (assistant); null only on an assistant message with tool_calls",
}


@with_config(ConfigDict(extra="forbid"))
class ChatMessage(TypedDict):
    """One message of OpenAI's chat schema; which fields a role may carry is checked after."""

    role: Role
    content: NotRequired[Annotated[Any, WithJsonSchema(CONTENT_SCHEMA)]]
    name: NotRequired[Annotated[str, Field(min_length=1, max_length=256)]]
    tool_calls: NotRequired[Annotated[list[ToolCallIn], Field(min_length=1, max_length=128)]]
    tool_call_id: NotRequired[Annotated[str, Field(min_length=1, max_length=256)]]
    refusal: NotRequired[str | None]


# The fields each role may carry (`role` included), and the part types its content may hold.
_FIELDS: dict[str, frozenset[str]] = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "refusal", "tool_calls"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
}
_PARTS: dict[str, frozenset[str]] = {
    "system": frozenset({"text"}),
    "developer": frozenset({"text"}),
    "user": frozenset({"text", "image_url", "input_audio", "file"}),
    "assistant": frozenset({"text", "refusal"}),
    "tool": frozenset({"text"}),
}
# Each part type's own field and its JSON type; the nested fields that must be strings.
_PART_VALUE: dict[str, type] = {
    "text": str, "refusal": str, "image_url": dict, "input_audio": dict, "file": dict,
}
_PART_NESTED: dict[str, tuple[str, ...]] = {
    "image_url": ("url",), "input_audio": ("data", "format"),
}
Loc = tuple[int | str, ...]


def _issue(kind: str, loc: Loc, value: Any, message: str) -> InitErrorDetails:
    return {"type": PydanticCustomError(kind, message), "loc": loc, "input": value}


def check_messages(messages: list[ChatMessage]) -> list[ChatMessage]:
    """`messages` when every one fits its role; else a validation error naming each field."""
    issues: list[InitErrorDetails] = []
    for index, message in enumerate(messages):
        role = message["role"]
        if (
            type(message.get("content")) is str
            and message.keys() <= _FIELDS[role]
            and (role != "tool" or "tool_call_id" in message)
        ):
            continue  # the usual message: text, and only fields its role may carry
        issues.extend(_message_issues(index, message))
    if issues:
        raise ValidationError.from_exception_data("messages", issues)
    return messages


def _message_issues(index: int, message: Mapping[str, Any]) -> list[InitErrorDetails]:
    role = message["role"]
    issues = [
        _issue("extra_forbidden", (index, key), message[key], f"not allowed on a {role} message")
        for key in sorted(message.keys() - _FIELDS[role])
    ]
    content = message.get("content")
    if content is None and not (role == "assistant" and message.get("tool_calls")):
        issues.append(_issue("missing", (index, "content"), content, "content is required"))
    elif content is not None and not isinstance(content, str):
        issues.extend(_content_issues((index, "content"), content, _PARTS[role]))
    if role == "tool" and "tool_call_id" not in message:
        issues.append(_issue("missing", (index, "tool_call_id"), None, "tool_call_id is required"))
    return issues


def _content_issues(loc: Loc, content: Any, allowed: frozenset[str]) -> list[InitErrorDetails]:
    if not isinstance(content, list):
        return [_issue("invalid", loc, content, "content is text or a list of parts")]
    if not content:
        return [_issue("too_short", loc, content, "content needs at least one part")]
    issues: list[InitErrorDetails] = []
    for position, part in enumerate(content):
        issues.extend(_part_issues((*loc, position), part, allowed))
    return issues


def _part_issues(loc: Loc, part: Any, allowed: frozenset[str]) -> list[InitErrorDetails]:
    if not isinstance(part, dict):
        return [_issue("invalid", loc, part, "a content part is an object")]
    kind = part.get("type")
    if not isinstance(kind, str) or kind not in allowed:  # any JSON value, a dict too
        return [_issue("literal_error", (*loc, "type"), kind, f"one of {sorted(allowed)}")]
    issues = [
        _issue("extra_forbidden", (*loc, key), part[key], "not allowed in this part")
        for key in sorted(part.keys() - {"type", kind})
    ]
    value = part.get(kind)
    if not isinstance(value, _PART_VALUE[kind]):
        issues.append(_issue("missing", (*loc, kind), value, f"{kind} is required"))
        return issues
    nested: dict[str, Any] = value if isinstance(value, dict) else {}
    for key in _PART_NESTED.get(kind, ()):
        if not isinstance(nested.get(key), str):
            message = f"{key} is required"
            issues.append(_issue("missing", (*loc, kind, key), nested.get(key), message))
    return issues


Messages = Annotated[
    list[ChatMessage], Field(min_length=1, max_length=4096), AfterValidator(check_messages)
]
