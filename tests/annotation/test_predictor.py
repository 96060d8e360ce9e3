"""One task through the predictor: asked, validated, repaired once, scored, or failed alone."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from turnout.annotation.calibration import TemperatureScaling
from turnout.annotation.label_config import parse_label_config
from turnout.annotation.predictor import Predictor, ProjectPlan
from turnout.errors import AllProvidersFailed, RateLimited, TurnoutError
from turnout.gateway.context import Caller, GatewayRequest
from turnout.gateway.outcomes import GatewayResult, logprobs_of
from turnout.jobs.runner import ProviderDown
from turnout.providers.base import ChatResult, TokenLogprob, Usage
from turnout.providers.catalog import CATALOG
from turnout.providers.specs import Capabilities

from .logprob_tokens import tokens

CONFIG = """
<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
</View>
"""
TASK = {"text": "Alice joined Acme today and loves it."}
CALLER = Caller("tenant-1", "user-1")
GOOD = {"sentiment": "Positive", "ner": [{"text": "Alice", "label": "PER", "occurrence": None}]}
SURE_POSITIVE = math.exp(-0.1) / (math.exp(-0.1) + math.exp(-2.5) + math.exp(-3.0))


def good_tokens() -> list[TokenLogprob]:
    return tokens(
        '{"', "sentiment", '":', ' "',
        ("Positive", -0.1, {"Positive": -0.1, "Negative": -2.5, "Neutral": -3.0}),
        '",', ' "', "ner", '":', ' [{"', "text", '":', ' "', ("Alice", -0.2), '",', ' "',
        "label", '":', ' "', ("PER", -0.05, {"PER": -0.05, "ORG": -3.0}), '",', ' "',
        "occurrence", '":', " null", "}]}",
    )


class Answers:
    """The switcher's stand-in: answers (texts, token lists or errors) in turn, and what it was
    asked."""

    def __init__(self, *answers: str | list[TokenLogprob] | TurnoutError) -> None:
        self._answers = list(answers)
        self.asked: list[GatewayRequest] = []

    async def generate(self, request: GatewayRequest) -> GatewayResult:
        self.asked.append(request)
        answer = self._answers.pop(0)
        if isinstance(answer, TurnoutError):
            raise answer
        logprobs = answer if isinstance(answer, list) else None
        text = "".join(t.token for t in logprobs) if logprobs else str(answer)
        listed = tuple(logprobs) if logprobs else None
        chat = ChatResult(text, "m", "stop", Usage.of(100, 20), listed)
        return GatewayResult(
            content=text, model="m", provider_id="p1", provider_name="main",
            provider_type="openai", finish_reason="stop", usage=chat.usage, latency_ms=1.0,
            cached=False, request_id=request.request_id, logprobs=logprobs_of(chat), cost=0.01,
        )


def with_capabilities(capabilities: Capabilities | None) -> Any:
    async def lookup(*, tenant_id: str, provider_id: str | None) -> Capabilities | None:
        assert tenant_id == CALLER.tenant_id
        return capabilities

    return lookup


def plan(**overrides: Any) -> ProjectPlan:
    return ProjectPlan(spec=parse_label_config(CONFIG), model_version="turnout:v1", **overrides)


async def predict(switcher: Answers, *, capabilities: Capabilities | None = None,
                  **plan_overrides: Any):
    caps = capabilities or CATALOG["openai"].capabilities
    predictor = Predictor(switcher, with_capabilities(caps))
    return await predictor.predict(plan(**plan_overrides), 7, TASK, caller=CALLER,
                                   request_id="job-1")


async def test_a_valid_answer_becomes_scored_label_studio_results():
    switcher = Answers(good_tokens())
    predicted = await predict(switcher)
    assert predicted.ok and predicted.task_id == 7 and predicted.model_version == "turnout:v1"
    sentiment, person = predicted.results
    assert sentiment["value"] == {"choices": ["Positive"]}
    assert sentiment["score"] == pytest.approx(SURE_POSITIVE, abs=1e-6)
    assert person["value"] == {"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]}
    methods = [r["method"] for r in predicted.regions]
    assert methods == ["logprob_renormalized", "mean_token_logprob"]
    assert predicted.raw_score == pytest.approx(min(r["raw_score"] for r in predicted.regions))
    assert predicted.score == pytest.approx(predicted.raw_score, abs=1e-6)
    assert (predicted.prompt_tokens, predicted.completion_tokens, predicted.cost) == (100, 20, 0.01)
    (asked,) = switcher.asked
    assert asked.chat.response_format["type"] == "json_schema"
    assert asked.chat.logprobs is True and asked.chat.temperature == 0.0
    assert asked.caller == CALLER and asked.request_id == "job-1-1"


async def test_an_invalid_answer_is_asked_again_once_with_its_problems():
    wrong = json.dumps({"sentiment": "Ecstatic", "ner": []})
    switcher = Answers(wrong, json.dumps(GOOD))
    predicted = await predict(switcher)
    assert predicted.ok
    assert predicted.results[0]["value"] == {"choices": ["Positive"]}
    first, second = switcher.asked
    repair = second.chat.messages
    assert repair[: len(first.chat.messages)] == first.chat.messages
    assert repair[-2] == {"role": "assistant", "content": wrong}
    assert "sentiment" in repair[-1]["content"]
    assert predicted.prompt_tokens == 200  # both calls are paid for


async def test_an_answer_still_invalid_after_the_repair_fails_the_task_with_its_issues():
    switcher = Answers("not json at all", json.dumps({"sentiment": "Ecstatic", "ner": []}))
    predicted = await predict(switcher)
    assert not predicted.ok and predicted.results == [] and predicted.score is None
    assert predicted.error["code"] == "PREDICTION_INVALID"
    assert predicted.error["issues"] and len(switcher.asked) == 2
    assert predicted.as_label_studio()["result"] == []


async def test_without_logprobs_regions_have_no_score_rather_than_an_invented_one():
    predicted = await predict(Answers(json.dumps(GOOD)))
    assert predicted.ok
    assert all("score" not in item for item in predicted.results)
    assert predicted.score is None and predicted.score_method == "none"
    assert "score" not in predicted.as_label_studio()


async def test_agreement_over_k_samples_scores_regions_when_asked_for():
    other = {"sentiment": "Negative", "ner": GOOD["ner"]}
    switcher = Answers(json.dumps(GOOD), json.dumps(GOOD), json.dumps(other))
    predicted = await predict(switcher, agreement_samples=3)
    scores = [item["score"] for item in predicted.results]
    assert scores == [pytest.approx(2 / 3), pytest.approx(1.0)]
    assert {r["method"] for r in predicted.regions} == {"sample_agreement"}
    assert [a.chat.temperature for a in switcher.asked] == [0.0, 0.7, 0.7]


async def test_a_calibration_changes_the_written_scores_and_keeps_the_raw_ones():
    calibrator = TemperatureScaling(0.5)
    predicted = await predict(Answers(good_tokens()), calibrator=calibrator)
    raw = predicted.regions[0]["raw_score"]
    assert raw == pytest.approx(SURE_POSITIVE)
    assert predicted.results[0]["score"] == pytest.approx(calibrator.apply(raw), abs=1e-6)
    assert predicted.score == pytest.approx(calibrator.apply(predicted.raw_score), abs=1e-6)
    assert predicted.score != pytest.approx(predicted.raw_score)


@pytest.mark.parametrize(
    ("error", "code"),
    [(AllProvidersFailed(()), "ALL_PROVIDERS_FAILED"), (TurnoutError("x"), "INTERNAL_ERROR")],
)
async def test_an_upstream_failure_fails_this_task_only(error: TurnoutError, code: str):
    predicted = await predict(Answers(error))
    assert not predicted.ok and predicted.error["code"] == code


async def test_a_rate_limit_is_left_to_the_caller_to_wait_out():
    with pytest.raises(RateLimited):
        await predict(Answers(RateLimited(retry_after_s=1.0)))


async def test_task_data_the_config_cannot_read_fails_without_a_call():
    switcher = Answers()
    predictor = Predictor(switcher, with_capabilities(None))
    predicted = await predictor.predict(plan(), 8, {"body": "no text field"}, caller=CALLER,
                                        request_id="job-1")
    assert predicted.error["code"] == "TASK_DATA_INVALID" and switcher.asked == []


@pytest.mark.parametrize(
    ("capabilities", "expected"),
    [
        (Capabilities(json_schema=True), "json_schema"),
        (Capabilities(json_object=True), "json_object"),
        (Capabilities(json_object=False, tools=True, forced_tool_choice=True), None),
        (Capabilities(json_object=False, tools=False), None),
        (None, None),
    ],
)
async def test_structured_output_follows_the_first_providers_capabilities(
    capabilities: Capabilities | None, expected: str | None
):
    switcher = Answers(json.dumps(GOOD))
    predictor = Predictor(switcher, with_capabilities(capabilities))
    await predictor.predict(plan(), 7, TASK, caller=CALLER, request_id="r")
    chat = switcher.asked[0].chat
    assert (chat.response_format or {}).get("type") == expected
    forced_tool = capabilities is not None and expected is None and capabilities.tools
    assert bool(chat.tools) == forced_tool


async def test_a_job_pauses_instead_of_failing_tasks_while_its_providers_are_down():
    predictor = Predictor(Answers(AllProvidersFailed(())), with_capabilities(None))
    with pytest.raises(ProviderDown):
        await predictor.predict(plan(), 7, TASK, caller=CALLER, request_id="job-1",
                                pause_when_down=True)
