"""A scripted model for function calling, the same in every dialect.

Given `tools` (and a tool_choice other than "none"), a conversation whose last message is the
user's is answered with a tool call instead of text: to the function tool_choice names, else
the first tool; with tool_choice "required" and parallel_tool_calls not false, to every tool,
in order. The arguments fill each required parameter (every parameter, when none is
required) from the user's text: strings get the text, integers and numbers its word count,
booleans true. A conversation ending with tool results is answered with text,
`"echo: <the results, joined by spaces>"`, so a test sees the result reach the model.

Requests are checked the way each dialect's API checks them: OpenAI tool messages need a
`tool_call_id` and assistant tool-call arguments are JSON text; Ollama's are JSON objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from turnout.fakeupstream.content import last_user_text, part_text, word_count


@dataclass(frozen=True)
class ScriptedCall:
    index: int
    id: str
    name: str
    arguments: dict[str, Any]
    written: str | None = None  # the arguments as the model wrote them, when not orjson's

    @property
    def arguments_text(self) -> str:
        return self.written if self.written is not None else orjson.dumps(self.arguments).decode()

    def openai(self) -> dict[str, Any]:
        function = {"name": self.name, "arguments": self.arguments_text}
        return {"id": self.id, "type": "function", "function": function}

    def ollama(self) -> dict[str, Any]:
        return {"function": {"name": self.name, "arguments": self.arguments}}


def tool_calls(body: dict[str, Any], call_prefix: str) -> tuple[ScriptedCall, ...]:
    """The calls the scripted model makes for `body`; none when it answers with text."""
    tools = [t for t in body.get("tools") or () if isinstance(t, dict)]
    messages = body.get("messages") or []
    choice = body.get("tool_choice")
    if not tools or choice == "none" or not _user_spoke_last(messages):
        return ()
    chosen = _chosen(tools, choice, body.get("parallel_tool_calls"))
    text = last_user_text(messages)
    return tuple(
        ScriptedCall(i, f"{call_prefix}{i}", _name(tool), _arguments(tool, text))
        for i, tool in enumerate(chosen)
    )


def _user_spoke_last(messages: Sequence[Any]) -> bool:
    last = messages[-1] if messages else None
    return isinstance(last, dict) and last.get("role") == "user"


def _chosen(tools: list[dict[str, Any]], choice: Any, parallel: Any) -> list[dict[str, Any]]:
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        return [tool for tool in tools if _name(tool) == wanted][:1]
    if choice == "required" and parallel is not False:
        return tools
    return tools[:1]


def _name(tool: dict[str, Any]) -> str:
    return str((tool.get("function") or {}).get("name") or "")


def _arguments(tool: dict[str, Any], text: str) -> dict[str, Any]:
    parameters = (tool.get("function") or {}).get("parameters") or {}
    properties = parameters.get("properties") or {}
    names = parameters.get("required") or list(properties)
    return {name: _value((properties.get(name) or {}).get("type"), text) for name in names}


def _value(kind: Any, text: str) -> Any:
    if kind in ("integer", "number"):
        return word_count(text)
    if kind == "boolean":
        return True
    return text


def tool_results_text(messages: Sequence[Any]) -> str | None:
    """The trailing tool results joined by spaces, when the conversation ends with them."""
    results: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "tool":
            break
        results.append(part_text(message.get("content")))
    return " ".join(reversed(results)) if results else None


def openai_tool_problem(messages: Sequence[Any]) -> bool:
    """Whether tool messages or calls break OpenAI's rules (id needed, arguments as text)."""
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool" and not message.get("tool_call_id"):
            return True
        for call in message.get("tool_calls") or ():
            if not isinstance((call.get("function") or {}).get("arguments"), str):
                return True
    return False


def ollama_tool_problem(messages: Sequence[Any]) -> bool:
    """Whether assistant tool calls break Ollama's rule: arguments are a JSON object."""
    return any(
        not isinstance((call.get("function") or {}).get("arguments"), dict)
        for message in messages
        if isinstance(message, dict)
        for call in message.get("tool_calls") or ()
    )
