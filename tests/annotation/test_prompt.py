"""The chat request that asks a model for a pre-annotation, per provider capability."""

from __future__ import annotations

import json

import pytest

from turnout.annotation.answer import read_answer
from turnout.annotation.label_config import parse_label_config
from turnout.annotation.prompt import (
    ANSWER_TOOL,
    Example,
    OutputMode,
    build_prompt,
    output_mode,
    repair_plan,
)
from turnout.annotation.sources import task_sources
from turnout.gateway.outcomes import GatewayResult
from turnout.providers.base import ChatResult, ToolCall, Usage
from turnout.providers.catalog import CATALOG
from turnout.providers.specs import Capabilities

CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="sentiment" toName="text">
  <Choice value="Positive" hint="happy"/><Choice value="Negative"/>
</Choices>
<Labels name="ner" toName="text"><Label value="PER"/></Labels>
<Rating name="stars" toName="text" maxRating="3" required="true"/></View>"""


def _plan(capabilities=None, **kwargs):
    spec = parse_label_config(CONFIG)
    sources = task_sources(spec, {"text": "Ann waved at \"Bob\"."})
    return spec, sources, build_prompt(spec, sources, capabilities=capabilities, **kwargs)


@pytest.mark.parametrize(
    ("provider_type", "mode"),
    [("openai", OutputMode.JSON_SCHEMA), ("deepseek", OutputMode.JSON_OBJECT),
     ("hunyuan", OutputMode.TOOLS), ("ollama", OutputMode.JSON_SCHEMA)],
)
def test_the_catalog_profile_picks_the_strongest_structured_output(provider_type, mode):
    assert output_mode(CATALOG[provider_type].capabilities) is mode


def test_without_any_structured_output_the_rules_are_plain_instructions():
    caps = Capabilities(json_schema=False, json_object=False, forced_tool_choice=False)
    assert output_mode(caps) is OutputMode.PLAIN
    _, _, plan = _plan(caps)
    assert plan.response_format is None and plan.tools is None
    assert "JSON object only" in plan.messages[0]["content"]


def test_json_schema_mode_sends_the_answer_schema_with_one_required_key_per_control():
    _, _, plan = _plan(CATALOG["openai"].capabilities)
    assert plan.response_format is not None
    schema = plan.response_format["json_schema"]["schema"]
    assert schema["required"] == ["sentiment", "ner", "stars"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["stars"] == {"type": "integer", "minimum": 1, "maximum": 3}
    assert {"type": "null"} in schema["properties"]["sentiment"]["anyOf"]
    request = plan.chat_request(model="gpt-4o-mini", logprobs=True, top_logprobs=5)
    assert request.response_format == plan.response_format
    assert request.logprobs and request.top_logprobs == 5 and request.tools is None


def test_tool_mode_forces_the_answer_tool_and_reads_its_arguments():
    _, _, plan = _plan(CATALOG["hunyuan"].capabilities)
    assert plan.tools is not None and plan.response_format is None
    assert plan.tools[0]["function"]["name"] == ANSWER_TOOL
    assert plan.tool_choice == {"type": "function", "function": {"name": ANSWER_TOOL}}
    called = ChatResult("", "m", "tool_calls", Usage(),
                        tool_calls=(ToolCall("c1", ANSWER_TOOL, '{"stars": 2}'),))
    assert plan.answer_text(called) == '{"stars": 2}'
    ignored = ChatResult('{"stars": 3}', "m", "stop", Usage())
    assert plan.answer_text(ignored) == '{"stars": 3}'


def test_the_prompt_describes_every_control_and_shows_the_task_as_json():
    _, _, plan = _plan(instructions="Names of pets count as PER.")
    system, task = plan.messages[0]["content"], plan.messages[-1]
    assert '"Positive" (happy)' in system and "from 1 to 3" in system and "PER" in system
    assert "Names of pets count as PER." in system
    assert task["role"] == "user"
    assert json.loads(task["content"].removeprefix("Task:\n")) == {"text": 'Ann waved at "Bob".'}


def test_few_shot_examples_are_earlier_turns_answered_as_the_humans_did():
    human = [
        {"from_name": "ner", "to_name": "text", "type": "labels",
         "value": {"start": 8, "end": 11, "text": "Cid", "labels": ["PER"]}},
        {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": 1}},
    ]
    examples = [Example({"text": "Cid saw Cid."}, human), Example({"other": "x"}, human)]
    spec, _, plan = _plan(examples=examples)
    assert plan.examples_used == 1
    roles = [message["role"] for message in plan.messages]
    assert roles == ["system", "user", "assistant", "user"]
    shown = json.loads(plan.messages[2]["content"])
    assert shown == {"sentiment": None, "ner": [{"text": "Cid", "label": "PER",
                                                  "occurrence": 2}], "stars": 1}
    example_sources = task_sources(spec, {"text": "Cid saw Cid."})
    again = read_answer(spec, example_sources, plan.messages[2]["content"])
    assert [item["value"] for item in again.results] == [human[0]["value"], human[1]["value"]]


def test_a_repair_asks_again_with_the_rejected_answer_and_its_problems():
    spec, sources, plan = _plan(CATALOG["openai"].capabilities)
    bad = '{"sentiment": "Meh", "ner": [], "stars": 9}'
    read = read_answer(spec, sources, bad)
    again = repair_plan(plan, bad, read.issues)
    assert again.messages[: len(plan.messages)] == plan.messages
    assert again.messages[-2] == {"role": "assistant", "content": bad}
    request = again.messages[-1]["content"]
    assert "sentiment" in request and "Meh" in request and "stars" in request
    assert again.response_format == plan.response_format


def test_the_switchers_result_is_read_like_the_adapters():
    _, _, plan = _plan(CATALOG["hunyuan"].capabilities)
    result = GatewayResult(
        content="", model="m", provider_id="p", provider_name="n", provider_type="hunyuan",
        finish_reason="tool_calls", usage=Usage(), latency_ms=1.0, cached=False,
        request_id="r", tool_calls=(ToolCall("c1", ANSWER_TOOL, '{"stars": 1}'),),
    )
    assert plan.answer_text(result) == '{"stars": 1}'
