"""What pre-annotating a selection will cost, before a single call is made.

Prompt tokens are counted on the prompts Turnout would send (the same builder), with a
tokenizer estimate: one token per CJK character and one per four other characters, which is
close for the BPE vocabularies of the catalog's models on English and Chinese text and errs
high on code-like text. Completion tokens are estimated from the answer schema: a few tokens
per control plus, for span controls, an allowance per expected span (one span per 60
characters of text). A task that does not fit the config is counted as failing, at no cost.
Prices come from the model registry, as the gateway charges them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from turnout.annotation.label_config import TaskSpec
from turnout.annotation.predictor import ProjectPlan
from turnout.annotation.prompt import build_prompt
from turnout.annotation.sources import task_sources
from turnout.errors import TaskDataInvalid
from turnout.providers.specs import Capabilities

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
TOKENS_PER_CONTROL = 12
TOKENS_PER_SPAN = 16
CHARS_PER_SPAN = 60


@dataclass(frozen=True, slots=True)
class Estimate:
    tasks: int
    unreadable_tasks: int
    prompt_tokens: int
    completion_tokens: int
    calls_per_task: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def text_tokens(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)


def estimate(
    plan: ProjectPlan, tasks: Iterable[Mapping[str, Any]], capabilities: Capabilities | None
) -> Estimate:
    """Tokens for the tasks' data (each a task's `data`), first calls and k-sample extras."""
    count = unreadable = prompt = completion = 0
    calls = max(1, plan.agreement_samples) if plan.agreement_samples > 1 else 1
    for data in tasks:
        count += 1
        try:
            sources = task_sources(plan.spec, data)
        except TaskDataInvalid:
            unreadable += 1
            continue
        built = build_prompt(plan.spec, sources, instructions=plan.instructions,
                             examples=plan.examples, capabilities=capabilities)
        prompt += calls * sum(text_tokens(_text(m)) for m in built.messages)
        if built.tools:
            prompt += calls * text_tokens(json.dumps(built.tools))
        completion += calls * _answer_tokens(plan.spec, sum(len(s.text) for s in sources.values()))
    return Estimate(count, unreadable, prompt, completion, calls)


def _text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    return content if isinstance(content, str) else json.dumps(content)


def _answer_tokens(spec: TaskSpec, text_chars: int) -> int:
    tokens = 2
    for control in spec.controls:
        tokens += TOKENS_PER_CONTROL
        if control.result_type in ("labels", "hypertextlabels"):
            tokens += TOKENS_PER_SPAN * max(1, text_chars // CHARS_PER_SPAN)
    return tokens
