"""One task pre-annotated: prompt, the gateway's answer, validation with one repair, confidence.

The steps are those of the package docstring; this module runs them against the switcher, so a
pre-annotation gets routing, failover, limits, the cache and usage rows like any request. An
answer that does not fit the labeling config is asked again once with its problems; after that
the task fails with PREDICTION_INVALID and nothing is written. The repair is never answered from
the response cache: a retry of such a task replays the cached first answer, known to be invalid,
and then asks the model afresh with its problems. Whatever fails, fails this task
alone: every error comes back as a failed `TaskPrediction`, never raised (but a rate limit,
which the caller waits out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from turnout.annotation.answer import ValidatedAnswer, read_answer
from turnout.annotation.calibration import Calibrator
from turnout.annotation.confidence import (
    NO_EVIDENCE,
    Confidence,
    RegionText,
    from_agreement,
    from_logprobs,
    preferred,
    task_confidence,
)
from turnout.annotation.label_config import TaskSpec
from turnout.annotation.prompt import Example, PromptPlan, build_prompt, repair_plan
from turnout.annotation.sources import SourceText, task_sources
from turnout.errors import AllProvidersFailed, PredictionInvalid, RateLimited, TurnoutError
from turnout.gateway.context import Caller, GatewayRequest
from turnout.gateway.outcomes import GatewayResult, decoded_logprobs
from turnout.jobs.llm_items import provider_down
from turnout.jobs.runner import ProviderDown
from turnout.providers.base import ChatRequest
from turnout.providers.specs import Capabilities

TOP_LOGPROBS = 5
AGREEMENT_TEMPERATURE = 0.7
MAX_AGREEMENT_SAMPLES = 10


@dataclass(frozen=True, slots=True)
class ProjectPlan:
    """How every task of a project is asked, the same for the whole run."""

    spec: TaskSpec
    model_version: str
    provider_id: str | None = None  # None: the tenant's routing decides
    model: str | None = None
    instructions: str | None = None
    examples: tuple[Example, ...] = ()
    all_occurrences: bool = False
    # Without log-probabilities, score regions by agreement over this many answers (k - 1
    # extra calls per task); 0 leaves them unscored.
    agreement_samples: int = 0
    calibrator: Calibrator | None = None
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class TaskPrediction:
    """A task's outcome: Label Studio result items with scores, or why it failed."""

    task_id: int
    model_version: str
    results: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)  # id, control, raw score, method
    score: float | None = None  # calibrated when the project has a calibration
    raw_score: float | None = None
    score_method: str | None = None
    error: dict[str, Any] | None = None  # {code, status, params?, issues?}
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    provider_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_label_studio(self) -> dict[str, Any]:
        """The prediction as Label Studio stores it (import, or an ML backend's answer)."""
        shown: dict[str, Any] = {"result": self.results, "model_version": self.model_version}
        if self.score is not None:
            shown["score"] = self.score
        return shown


class CapabilityLookup(Protocol):
    async def __call__(self, *, tenant_id: str, provider_id: str | None) -> Capabilities | None:
        """The capabilities of the provider a request will go to first (None: unknown)."""
        ...


class Asker(Protocol):
    async def generate(self, request: GatewayRequest) -> GatewayResult: ...


@dataclass
class _Spent:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    provider_id: str | None = None

    def add(self, result: GatewayResult) -> None:
        self.prompt_tokens += result.usage.prompt_tokens
        self.completion_tokens += result.usage.completion_tokens
        self.cost += result.cost
        self.provider_id = result.provider_id


class Predictor:
    """Pre-annotates one task at a time through the gateway."""

    def __init__(self, switcher: Asker, capabilities: CapabilityLookup) -> None:
        self._switcher = switcher
        self._capabilities = capabilities

    async def predict(
        self,
        plan: ProjectPlan,
        task_id: int,
        data: Mapping[str, Any],
        *,
        caller: Caller,
        request_id: str,
        limit_share: float = 1.0,
        paced: bool = False,
        pause_when_down: bool = False,
    ) -> TaskPrediction:
        """`pause_when_down`: raise ProviderDown instead of failing the task when every
        candidate failed for reasons of its own health (a job then pauses and resumes)."""
        spent = _Spent()
        calls = 0

        def gateway_request(chat: ChatRequest, cache: bool | None) -> GatewayRequest:
            nonlocal calls
            calls += 1
            return GatewayRequest(
                caller=caller, request_id=f"{request_id}-{calls}", chat=chat,
                provider_id=plan.provider_id, limit_share=limit_share, paced=paced, cache=cache,
            )

        try:
            capabilities = await self._capabilities(
                tenant_id=caller.tenant_id, provider_id=plan.provider_id
            )
            return await self._predict(plan, task_id, data, capabilities, gateway_request, spent)
        except RateLimited:
            raise  # the caller waits for its share and asks again
        except AllProvidersFailed as failure:
            if pause_when_down and provider_down(failure):
                raise ProviderDown(failure) from failure
            return _failed(plan, task_id, failure, spent)
        except TurnoutError as error:
            return _failed(plan, task_id, error, spent)

    async def _predict(
        self,
        plan: ProjectPlan,
        task_id: int,
        data: Mapping[str, Any],
        capabilities: Capabilities | None,
        gateway_request: Callable[[ChatRequest, bool | None], GatewayRequest],
        spent: _Spent,
    ) -> TaskPrediction:
        sources = task_sources(plan.spec, data)
        prompt = build_prompt(
            plan.spec, sources, instructions=plan.instructions, examples=plan.examples,
            capabilities=capabilities,
        )
        wants_logprobs = capabilities is None or capabilities.logprobs

        async def ask(
            asked: PromptPlan, cache: bool | None = None, **sampling: Any
        ) -> tuple[str, GatewayResult]:
            chat = asked.chat_request(
                model=plan.model, max_tokens=plan.max_tokens, logprobs=wants_logprobs,
                top_logprobs=TOP_LOGPROBS, **sampling,
            )
            result = await self._switcher.generate(gateway_request(chat, cache))
            spent.add(result)
            return asked.answer_text(result), result

        text, result = await ask(prompt)
        read = read_answer(plan.spec, sources, text, all_occurrences=plan.all_occurrences)
        if not read.ok:
            text, result = await ask(repair_plan(prompt, text, read.issues), cache=False)
            read = read_answer(plan.spec, sources, text, all_occurrences=plan.all_occurrences)
        read.raise_if_invalid()
        confidences = from_logprobs(
            answer=text, logprobs=decoded_logprobs(result.logprobs), regions=_texts(read)
        )
        if plan.agreement_samples > 1 and any(c.score is None for c in confidences):
            samples = await self._samples(plan, prompt, sources, ask)
            agreed = from_agreement(chosen=read.results, answers=[read.results, *samples])
            confidences = preferred(first=confidences, then=agreed)
        return _predicted(plan, task_id, read, confidences, spent)

    async def _samples(
        self,
        plan: ProjectPlan,
        prompt: PromptPlan,
        sources: Mapping[str, SourceText],
        ask: Callable[..., Awaitable[tuple[str, GatewayResult]]],
    ) -> list[list[dict[str, Any]]]:
        """k - 1 more answers at a higher temperature, the valid ones as result items."""
        answers = []
        for _ in range(min(plan.agreement_samples, MAX_AGREEMENT_SAMPLES) - 1):
            text, _ = await ask(prompt, temperature=AGREEMENT_TEMPERATURE)
            read = read_answer(plan.spec, sources, text, all_occurrences=plan.all_occurrences)
            answers.append(read.results)
        return answers


def _texts(read: ValidatedAnswer) -> list[RegionText]:
    return [RegionText(r.field, r.raw, r.allowed) for r in read.regions]


def _predicted(
    plan: ProjectPlan, task_id: int, read: ValidatedAnswer, confidences: Sequence[Confidence],
    spent: _Spent,
) -> TaskPrediction:
    calibrate = plan.calibrator.apply if plan.calibrator is not None else (lambda raw: raw)
    results, regions = [], []
    for index, (item, confidence) in enumerate(zip(read.results, confidences, strict=True)):
        item = {"id": item.get("id") or f"r{index}", **item}
        score = calibrate(confidence.score)
        if score is not None:
            item["score"] = round(score, 6)
        results.append(item)
        regions.append({
            "id": item["id"], "from_name": item["from_name"], "type": item["type"],
            "raw_score": confidence.score, "method": confidence.method.value,
        })
    task = task_confidence(regions=confidences) if confidences else NO_EVIDENCE
    score = calibrate(task.score)
    return TaskPrediction(
        task_id, plan.model_version, results=results, regions=regions,
        score=None if score is None else round(score, 6),
        raw_score=task.score, score_method=task.method.value,
        prompt_tokens=spent.prompt_tokens, completion_tokens=spent.completion_tokens,
        cost=round(spent.cost, 8), provider_id=spent.provider_id,
    )


def _failed(plan: ProjectPlan, task_id: int, error: TurnoutError, spent: _Spent) -> TaskPrediction:
    recorded: dict[str, Any] = {"code": error.code.value, "status": error.status}
    params = {k: v for k, v in error.params.items() if isinstance(v, str | int | float | bool)}
    if params:
        recorded["params"] = params
    if isinstance(error, PredictionInvalid):
        recorded["issues"] = error.issues
    return TaskPrediction(
        task_id, plan.model_version, error=recorded,
        prompt_tokens=spent.prompt_tokens, completion_tokens=spent.completion_tokens,
        cost=round(spent.cost, 8), provider_id=spent.provider_id,
    )
