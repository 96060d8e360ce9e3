"""The fake upstream as a pre-annotation model: Turnout's own prompt goes out over real HTTP
through a real adapter, and Turnout's own parsing and confidence read what comes back."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnout.annotation.answer import ValidatedAnswer, read_answer
from turnout.annotation.confidence import Method, RegionText, choice_distribution, from_logprobs
from turnout.annotation.label_config import TaskSpec, parse_label_config
from turnout.annotation.prompt import ANSWER_TOOL, PromptPlan, build_prompt, repair_plan
from turnout.annotation.sources import SourceText, task_sources
from turnout.fakeupstream import Annotator, FakeUpstream
from turnout.fakeupstream.scored_json import cut
from turnout.providers import CATALOG, ProviderConnection, build_provider
from turnout.providers.base import ChatRequest, ChatResult, LLMProvider

from .helpers import KEY, auth_for, endpoint_url, sse_json

CONFIG = """<View><Text name="text" value="$text"/>
<Choices name="sentiment" toName="text">
  <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
</Choices>
<Labels name="ner" toName="text">
  <Label value="PER"/><Label value="ORG"/><Label value="LOC"/>
</Labels></View>"""
SPEC = parse_label_config(CONFIG)
MOODS = ("Positive", "Negative", "Neutral")


def task_text(number: int) -> str:
    return f"Report {number}: Ann met Bob at Acme in Paris."


def gold_answer(number: int) -> dict[str, Any]:
    return {
        "sentiment": MOODS[number % 3],
        "ner": [
            {"text": "Ann", "label": "PER", "occurrence": None},
            {"text": "Acme", "label": "ORG", "occurrence": None},
            {"text": "Paris", "label": "LOC", "occurrence": None},
        ],
    }


GOLD = {task_text(n): gold_answer(n) for n in range(200)}

@pytest.fixture
async def provider(fake: FakeUpstream) -> AsyncIterator[Callable[[str], LLMProvider]]:
    made: list[ProviderConnection] = []

    def make(provider_type: str) -> LLMProvider:
        conn = ProviderConnection(CATALOG[provider_type], name=f"fake-{provider_type}",
                                  base_url=fake.url_for(provider_type), api_key=lambda: KEY)
        made.append(conn)
        return build_provider(conn)

    yield make
    for conn in made:
        await conn.close()


def plan_for(number: int, provider_type: str,
             spec: TaskSpec = SPEC) -> tuple[PromptPlan, dict[str, SourceText]]:
    sources = task_sources(spec, {"text": task_text(number)})
    return build_prompt(spec, sources, capabilities=CATALOG[provider_type].capabilities), sources


async def ask(provider: LLMProvider, plan: PromptPlan, *, logprobs: bool = True) -> ChatResult:
    return await provider.generate(plan.chat_request(logprobs=logprobs, top_logprobs=5))


def read(result: ChatResult, plan: PromptPlan, sources: dict[str, SourceText]) -> ValidatedAnswer:
    return read_answer(SPEC, sources, plan.answer_text(result))


def regions(read_back: ValidatedAnswer) -> list[RegionText]:
    return [RegionText(r.field, r.raw, r.allowed) for r in read_back.regions]


async def test_a_gold_task_is_answered_with_its_gold_answer(fake: FakeUpstream, provider: Any):
    fake.set_annotator(Annotator(gold=GOLD, seed=1))
    plan, sources = plan_for(4, "openai")
    result = await ask(provider("openai"), plan)
    read_back = read(result, plan, sources)
    assert read_back.ok, read_back.issue_dicts()
    assert read_back.answer == gold_answer(4)
    labels = [item["value"]["labels"] for item in read_back.results if item["type"] == "labels"]
    assert labels == [["PER"], ["ORG"], ["LOC"]]
    assert result.usage.completion_tokens == len(result.logprobs or ())


async def test_about_wrong_rate_of_tasks_get_one_closed_value_wrong(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold=GOLD, wrong_rate=0.2, seed=7))
    openai = provider("openai")
    wrong = []
    for number in range(200):
        plan, sources = plan_for(number, "openai")
        read_back = read(await ask(openai, plan, logprobs=False), plan, sources)
        assert read_back.ok, read_back.issue_dicts()
        if read_back.answer != gold_answer(number):
            wrong.append(number)
            assert _differences(read_back.answer, gold_answer(number)) == 1
    assert 0.1 <= len(wrong) / 200 <= 0.3
    plan, sources = plan_for(wrong[0], "openai")
    again = read(await ask(openai, plan, logprobs=False), plan, sources)
    assert again.answer != gold_answer(wrong[0])  # the same task is wrong the same way


def _differences(answer: Any, gold: dict[str, Any]) -> int:
    spans = sum(a["label"] != g["label"] for a, g in zip(answer["ner"], gold["ner"], strict=True))
    return spans + (answer["sentiment"] != gold["sentiment"])


async def test_a_malformed_first_answer_is_put_right_by_the_repair_turn(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold=GOLD, malformed_rate=1.0, seed=3))
    openai = provider("openai")
    codes = set()
    for number in range(8):
        plan, sources = plan_for(number, "openai")
        first = read(await ask(openai, plan), plan, sources)
        assert not first.ok
        codes |= {issue.code for issue in first.issues}
        retry = repair_plan(plan, plan.answer_text(await ask(openai, plan)), first.issues)
        second = read(await ask(openai, retry), retry, sources)
        assert second.ok and second.answer == gold_answer(number)
    assert {"annotation.not_json", "annotation.unknown_choice"} <= codes


async def test_in_tools_mode_the_answer_is_a_call_of_the_answer_tool(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold=GOLD, malformed_rate=0.5, seed=5))
    hunyuan = provider("hunyuan")
    for number in range(6):
        plan, sources = plan_for(number, "hunyuan")
        assert plan.tools is not None
        result = await ask(hunyuan, plan, logprobs=False)
        assert [call.name for call in result.tool_calls] == [ANSWER_TOOL]
        read_back = read(result, plan, sources)
        if not read_back.ok:
            retry = repair_plan(plan, plan.answer_text(result), read_back.issues)
            read_back = read(await ask(hunyuan, retry, logprobs=False), retry, sources)
        assert read_back.ok and read_back.answer == gold_answer(number)


async def test_the_label_token_lists_the_other_labels_first_tokens(
    fake: FakeUpstream, http: aiohttp.ClientSession
):
    fake.set_annotator(Annotator(gold=GOLD, seed=2))
    plan, _ = plan_for(0, "openai")
    body = {"model": "gpt-4o-mini", "messages": list(plan.messages),
            "response_format": plan.response_format, "logprobs": True, "top_logprobs": 3}
    async with http.post(endpoint_url(fake, "openai", "chat/completions"), json=body,
                         headers=auth_for("openai")) as response:
        assert response.status == 200
        reply = await response.json()
    items = reply["choices"][0]["logprobs"]["content"]
    text = reply["choices"][0]["message"]["content"]
    assert "".join(item["token"] for item in items) == text
    assert json.loads(text) == gold_answer(0)
    chosen = next(item for item in items if item["token"] == "Positive")
    alternatives = {top["token"] for top in chosen["top_logprobs"]}
    assert alternatives == {"Positive", "Negative", "Neutral"}
    assert chosen["top_logprobs"][0]["token"] == "Positive"
    assert math.log(0.6) <= chosen["logprob"] < 0
    assert sum(math.exp(top["logprob"]) for top in chosen["top_logprobs"]) <= 1.0
    quote = next(item for item in items if item["token"] == "Acme")
    label = next(item for item in items if item["token"] == "ORG")
    assert {top["token"] for top in label["top_logprobs"]} == {"PER", "ORG", "LOC"}
    assert quote["logprob"] < -0.01  # a span's quote is as sure as the span, not near-certain
    assert reply["usage"]["completion_tokens"] == len(items)


async def test_confidence_scores_choices_and_spans_and_ranks_wrong_answers_lower(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold=GOLD, wrong_rate=0.3, seed=11))
    openai = provider("openai")
    right_scores, wrong_scores = [], []
    for number in range(60):
        plan, sources = plan_for(number, "openai")
        result = await ask(openai, plan)
        read_back = read(result, plan, sources)
        scores = from_logprobs(answer=result.content, logprobs=result.logprobs,
                               regions=regions(read_back))
        assert [s.method for s in scores] == [Method.LOGPROB_RENORMALIZED,
                                              *[Method.MEAN_TOKEN_LOGPROB] * 3]
        assert all(s.score is not None and 0 < s.score <= 1 for s in scores)
        task_score = min(s.score or 0.0 for s in scores)
        answered_right = read_back.answer == gold_answer(number)
        (right_scores if answered_right else wrong_scores).append(task_score)
    assert right_scores and wrong_scores
    mean = sum(right_scores) / len(right_scores), sum(wrong_scores) / len(wrong_scores)
    assert mean[0] > mean[1]


async def test_a_task_missing_from_gold_gets_a_valid_default_answer(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold={}, seed=1))
    spec = parse_label_config(
        CONFIG.replace("</View>", '<Rating name="stars" toName="text" maxRating="5"/>'
                       '<TextArea name="note" toName="text"/>'
                       '<Number name="count" toName="text" min="1" max="9" required="true"/>'
                       '<DateTime name="when" toName="text" only="date"/></View>'))
    plan, sources = plan_for(1, "openai", spec)
    result = await ask(provider("openai"), plan)
    read_back = read_answer(spec, sources, plan.answer_text(result))
    assert read_back.ok, read_back.issue_dicts()
    assert read_back.answer == {"sentiment": "Positive", "ner": [], "stars": None, "note": None,
                                "count": 1, "when": None}


async def test_ollama_native_chat_answers_from_the_format_schema_with_logprobs(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold=GOLD, seed=4))
    plan, sources = plan_for(5, "ollama")
    result = await ask(provider("ollama"), plan)
    read_back = read(result, plan, sources)
    assert read_back.answer == gold_answer(5)
    scores = from_logprobs(answer=result.content, logprobs=result.logprobs,
                           regions=regions(read_back))
    assert scores[0].method is Method.LOGPROB_RENORMALIZED
    assert all(s.score is not None for s in scores)


async def test_a_streamed_answer_is_the_same_answer(fake: FakeUpstream, provider: Any):
    fake.set_annotator(Annotator(gold=GOLD, seed=4))
    plan, _ = plan_for(7, "openai")
    openai = provider("openai")
    async with aclosing(openai.stream_generate(plan.chat_request())) as events:
        streamed = "".join([event.delta async for event in events])
    assert json.loads(streamed) == gold_answer(7)


async def test_other_requests_are_echoed_and_none_turns_the_annotator_off(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold=GOLD))
    openai = provider("openai")
    hello = ChatRequest(messages=[{"role": "user", "content": "hello there"}])
    assert (await openai.generate(hello)).content == "echo: hello there"
    fake.set_annotator(None)
    plan, _ = plan_for(0, "openai")
    assert (await ask(openai, plan)).content.startswith('{"echo"')


def test_the_wrong_share_follows_wrong_rate_over_many_tasks():
    annotator = Annotator(gold={task_text(n): gold_answer(n) for n in range(2000)},
                          wrong_rate=0.2, seed=7)
    wrong = 0
    for number in range(2000):
        sources = task_sources(SPEC, {"text": task_text(number)})
        plan = build_prompt(SPEC, sources, capabilities=CATALOG["openai"].capabilities)
        answer = annotator.annotate({"messages": list(plan.messages),
                                     "response_format": plan.response_format})
        assert answer is not None
        wrong += answer.arguments != gold_answer(number)
    assert abs(wrong / 2000 - 0.2) < 0.03


async def test_values_that_share_their_first_token_are_scored_step_by_step(
    fake: FakeUpstream, provider: Any
):
    spec = parse_label_config(
        '<View><Text name="text" value="$text"/><Choices name="tone" toName="text">'
        '<Choice value="Very positive"/><Choice value="Very negative"/><Choice value="Mixed"/>'
        "</Choices></View>")
    fake.set_annotator(Annotator(gold={task_text(1): {"tone": "Very negative"}}, seed=9))
    plan, sources = plan_for(1, "openai", spec)
    result = await ask(provider("openai"), plan)
    read_back = read_answer(spec, sources, result.content)
    assert read_back.answer == {"tone": "Very negative"}
    region = regions(read_back)[0]
    distribution = choice_distribution(answer=result.content, logprobs=result.logprobs,
                                       region=region)
    assert distribution is not None
    assert set(distribution) == {frozenset({"Very positive"}), frozenset({"Very negative"}),
                                 frozenset({"Mixed"})}
    assert sum(distribution.values()) == pytest.approx(1.0, abs=0.01)
    assert 0.6 <= distribution[frozenset({"Very negative"})] <= 0.99


async def test_json_object_mode_reads_the_schema_from_the_rules(
    fake: FakeUpstream, provider: Any
):
    fake.set_annotator(Annotator(gold=GOLD, seed=6))
    plan, sources = plan_for(8, "deepseek")
    assert plan.response_format == {"type": "json_object"}
    result = await ask(provider("deepseek"), plan)
    read_back = read(result, plan, sources)
    assert read_back.answer == gold_answer(8)
    scores = from_logprobs(answer=result.content, logprobs=result.logprobs,
                           regions=regions(read_back))
    assert all(s.score is not None for s in scores)


async def test_a_streamed_answer_carries_the_same_logprobs(
    fake: FakeUpstream, http: aiohttp.ClientSession
):
    fake.set_annotator(Annotator(gold=GOLD, wrong_rate=0.5, seed=8))
    plan, _ = plan_for(3, "openai")
    body = {"model": "gpt-4o-mini", "messages": list(plan.messages),
            "response_format": plan.response_format, "logprobs": True, "top_logprobs": 4}
    url, headers = endpoint_url(fake, "openai", "chat/completions"), auth_for("openai")
    async with http.post(url, json=body, headers=headers) as response:
        whole = (await response.json())["choices"][0]["logprobs"]["content"]
    async with http.post(url, json={**body, "stream": True}, headers=headers) as response:
        events = sse_json(await response.text())
    streamed = [item for event in events for choice in event["choices"]
                if choice.get("logprobs") for item in choice["logprobs"]["content"]]
    assert streamed == whole


async def test_the_control_api_sets_and_clears_the_annotator(
    fake: FakeUpstream, http: aiohttp.ClientSession
):
    control = fake.url + "/_fake/annotator"
    async with http.put(control, json={"gold": {task_text(2): gold_answer(2)}, "seed": 1}) as r:
        assert r.status == 200
    plan, _ = plan_for(2, "openai")
    body = {"model": "gpt-4o-mini", "messages": list(plan.messages),
            "response_format": plan.response_format}
    url, headers = endpoint_url(fake, "openai", "chat/completions"), auth_for("openai")
    async with http.post(url, json=body, headers=headers) as response:
        answer = (await response.json())["choices"][0]["message"]["content"]
    assert json.loads(answer) == gold_answer(2)
    async with http.put(control, json={"wrong_rate": 2}) as refused:
        assert refused.status == 400
    async with http.delete(control) as r:
        assert r.status == 200
    async with http.post(url, json=body, headers=headers) as response:
        answer = (await response.json())["choices"][0]["message"]["content"]
    assert "echo" in json.loads(answer)


@given(st.text(max_size=60))
def test_a_text_is_cut_into_tokens_that_join_back_to_it(text):
    assert "".join(cut(text)) == text
    assert all(token for token in cut(text))
