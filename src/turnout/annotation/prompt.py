"""From a TaskSpec and one task to the chat request that asks a model to pre-annotate it.

One answer object holds one key per control, so every control is answered in one call. How the
answer's shape is enforced follows the provider type's capabilities, strongest first:
json_schema, json_object, a forced tool call, and plain instructions. The schema is also spelled
out in the system message every time: when the gateway fails over to a weaker provider, the
adapter degrades `response_format` (`providers/openai_wire.adapt_response_format`) and the
instructions still say what to write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from turnout.annotation.issues import AnswerIssue
from turnout.annotation.label_config import TaskSpec
from turnout.annotation.sources import SourceText, task_sources
from turnout.errors import TaskDataInvalid
from turnout.providers.base import ChatRequest, ToolCall
from turnout.providers.specs import Capabilities

ANSWER_TOOL = "submit_annotation"
SCHEMA_NAME = "annotation"
MAX_EXAMPLES = 10
MAX_INSTRUCTIONS_CHARS = 20_000
MAX_ISSUES_SHOWN = 50
MAX_ECHO_CHARS = 20_000  # of a rejected answer, repeated back when asking again

Message = dict[str, Any]


class Answered(Protocol):
    """What a model gave back: the adapter's ChatResult or the switcher's GatewayResult."""

    @property
    def content(self) -> str: ...

    @property
    def tool_calls(self) -> Sequence[ToolCall]: ...


class OutputMode(StrEnum):
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    TOOLS = "tools"
    PLAIN = "plain"


@dataclass(frozen=True, slots=True)
class Example:
    """An already-annotated task: its `data` and a human annotation's `result` items."""

    data: Mapping[str, Any]
    result: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class PromptPlan:
    """The messages and output settings of one pre-annotation call."""

    messages: tuple[Message, ...]
    output_mode: OutputMode
    schema: Mapping[str, Any]
    response_format: Mapping[str, Any] | None = None
    tools: tuple[Mapping[str, Any], ...] | None = None
    tool_choice: Mapping[str, Any] | None = None
    examples_used: int = 0

    def chat_request(
        self,
        *,
        model: str | None = None,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
        logprobs: bool = False,
        top_logprobs: int | None = None,
    ) -> ChatRequest:
        """The gateway request for this plan (logprobs are dropped where a type has none)."""
        return ChatRequest(
            messages=self.messages,
            model=model,
            temperature=temperature,
            max_tokens=max_tokens,
            response_format=self.response_format,
            logprobs=logprobs,
            top_logprobs=top_logprobs if logprobs else None,
            tools=self.tools,
            tool_choice=self.tool_choice,
        )

    def answer_text(self, result: Answered) -> str:
        """The answer's JSON text: the answer tool's arguments when the model called it,
        else the message content (a provider may ignore the tool; read_answer judges)."""
        call = next((c for c in result.tool_calls if c.name == ANSWER_TOOL), None)
        return call.arguments if call is not None else result.content


def output_mode(capabilities: Capabilities | None) -> OutputMode:
    """The strongest way this provider type can be held to the answer schema."""
    if capabilities is None:
        return OutputMode.PLAIN
    if capabilities.json_schema:
        return OutputMode.JSON_SCHEMA
    if capabilities.json_object:
        return OutputMode.JSON_OBJECT
    if capabilities.tools and capabilities.forced_tool_choice:
        return OutputMode.TOOLS
    return OutputMode.PLAIN


def answer_schema(spec: TaskSpec) -> dict[str, Any]:
    """The JSON schema of the whole answer: one required key per control."""
    return {
        "type": "object",
        "properties": {control.name: control.answer_schema() for control in spec.controls},
        "required": [control.name for control in spec.controls],
        "additionalProperties": False,
    }


def build_prompt(
    spec: TaskSpec,
    sources: Mapping[str, SourceText],
    *,
    instructions: str | None = None,
    examples: Sequence[Example] = (),
    capabilities: Capabilities | None = None,
) -> PromptPlan:
    """The plan for one task: system rules, few-shot turns, the task, and output settings.

    `sources` come from `task_sources(spec, task.data)`; examples whose data does not fit
    the config are skipped; at most MAX_EXAMPLES are used.
    """
    schema = answer_schema(spec)
    mode = output_mode(capabilities)
    messages: list[Message] = [
        {"role": "system", "content": _system_text(spec, schema, instructions, mode)}
    ]
    used = 0
    for example in examples:
        if used == MAX_EXAMPLES:
            break
        turn = _example_turn(spec, example)
        if turn is not None:
            messages.extend(turn)
            used += 1
    messages.append({"role": "user", "content": _task_text(sources)})
    return PromptPlan(tuple(messages), mode, schema, examples_used=used,
                      **_output_settings(mode, schema))


def repair_messages(
    plan: PromptPlan, answer_text: str, issues: Sequence[AnswerIssue]
) -> tuple[Message, ...]:
    """The plan's messages, the rejected answer, and a request to answer again that lists
    what was wrong (in English, the language of the rules the model was given)."""
    echoed = answer_text if len(answer_text) <= MAX_ECHO_CHARS else answer_text[:MAX_ECHO_CHARS]
    lines = [f"- {issue.field or 'answer'}: {issue.message('en-US')}"
             for issue in issues[:MAX_ISSUES_SHOWN]]
    if len(issues) > MAX_ISSUES_SHOWN:
        lines.append(f"- … and {len(issues) - MAX_ISSUES_SHOWN} more")
    how = (f"by calling {ANSWER_TOOL} again" if plan.output_mode is OutputMode.TOOLS
           else "as one JSON object and nothing else")
    request = (
        "Your answer does not fit the labeling rules:\n" + "\n".join(lines)
        + f"\nAnswer again with the complete corrected answer, {how}."
    )
    return (*plan.messages, {"role": "assistant", "content": echoed},
            {"role": "user", "content": request})


def repair_plan(plan: PromptPlan, answer_text: str, issues: Sequence[AnswerIssue]) -> PromptPlan:
    """The same plan asking once more, with the problems of the rejected answer."""
    return replace(plan, messages=repair_messages(plan, answer_text, issues))


def _output_settings(mode: OutputMode, schema: Mapping[str, Any]) -> dict[str, Any]:
    if mode is OutputMode.JSON_SCHEMA:
        named = {"name": SCHEMA_NAME, "strict": True, "schema": schema}
        return {"response_format": {"type": "json_schema", "json_schema": named}}
    if mode is OutputMode.JSON_OBJECT:
        return {"response_format": {"type": "json_object"}}
    if mode is OutputMode.TOOLS:
        function = {
            "name": ANSWER_TOOL,
            "description": "Submit the annotation of the task: one key per control.",
            "parameters": schema,
        }
        return {
            "tools": ({"type": "function", "function": function},),
            "tool_choice": {"type": "function", "function": {"name": ANSWER_TOOL}},
        }
    return {}


def _system_text(spec: TaskSpec, schema: Mapping[str, Any], instructions: str | None,
                 mode: OutputMode) -> str:
    controls = "\n".join(
        f'- "{control.name}" (about "{control.to_name}"): {control.describe()}'
        for control in spec.controls
    )
    deliver = {
        OutputMode.TOOLS: f"Answer by calling the function {ANSWER_TOOL} with that object.",
        OutputMode.PLAIN: "Reply with that JSON object only: no prose, no code fence.",
    }.get(mode, "Reply with that JSON object only.")
    parts = [
        "You annotate tasks for a labeling project. Each task shows one or more texts, as a "
        "JSON object from their names to their content.",
        "Answer with one JSON object that has exactly these keys, one per control:",
        controls,
        "Quote spans by copying their exact words from the text; never give character "
        "offsets. Use only the values listed.",
        "The answer follows this JSON schema:\n" + json.dumps(schema, ensure_ascii=False),
        deliver,
    ]
    if instructions and instructions.strip():
        parts.append("Project instructions:\n" + instructions.strip()[:MAX_INSTRUCTIONS_CHARS])
    return "\n\n".join(parts)


def _task_text(sources: Mapping[str, SourceText]) -> str:
    texts = {name: source.text for name, source in sources.items()}
    return "Task:\n" + json.dumps(texts, ensure_ascii=False, indent=1)


def _example_turn(spec: TaskSpec, example: Example) -> list[Message] | None:
    try:
        sources = task_sources(spec, example.data)
    except TaskDataInvalid:
        return None
    answer = {}
    for control in spec.controls:
        items = [item for item in example.result
                 if isinstance(item, Mapping) and item.get("from_name") == control.name]
        answer[control.name] = control.answer_from(items, sources.get(control.to_name))
    if all(value in (None, []) for value in answer.values()):
        return None
    return [
        {"role": "user", "content": _task_text(sources)},
        {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)},
    ]
