"""Azure OpenAI's additions to OpenAI's bodies: content-filter annotations.

Azure reports its filter verdicts beside every reply (`prompt_filter_results` on the prompt,
`content_filter_results` on each choice), and opens each stream with a choice-less chunk that
only carries the prompt's verdict (learn.microsoft.com azure/ai-foundry/openai content-filter).
"""

from __future__ import annotations

from typing import Any

_CATEGORIES = ("hate", "self_harm", "sexual", "violence")


def filter_results(*, filtered: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {c: {"filtered": False, "severity": "safe"} for c in _CATEGORIES}
    if filtered:
        results["violence"] = {"filtered": True, "severity": "medium"}
    return results


def _prompt_results() -> list[dict[str, Any]]:
    prompt = {**filter_results(), "jailbreak": {"filtered": False, "detected": False}}
    return [{"prompt_index": 0, "content_filter_results": prompt}]


def annotate_completion(body: dict[str, Any], *, filtered: bool) -> None:
    body["prompt_filter_results"] = _prompt_results()
    for choice in body["choices"]:
        choice["content_filter_results"] = filter_results(filtered=filtered)


def prompt_filter_chunk() -> dict[str, Any]:
    return {"choices": [], "created": 0, "id": "", "model": "", "object": "",
            "prompt_filter_results": _prompt_results()}
