"""The model_version a pre-annotation run writes under: provider, model and prompt, encoded.

Label Studio keeps prediction sets apart by this free string (Data Manager filter, the project's
prelabel choice, and the ML backend's "already predicted" check), so a run that asks differently
must write under another one: `turnout:<provider>/<model>:<prompt hash>`, the hash covering the
labeling config, the instructions, the settings that change answers and PROMPT_REVISION (raised
when Turnout's prompt wording changes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

PROMPT_REVISION = 1
MAX_CHARS = 128
_PART_CHARS = 48
_ANSWER_SETTINGS = ("all_occurrences", "examples", "agreement_samples", "max_tokens")


def model_version(
    *,
    provider: str | None,
    model: str | None,
    label_config: str,
    instructions: str | None,
    settings: Mapping[str, Any],
) -> str:
    prompt = {
        "revision": PROMPT_REVISION,
        "label_config": label_config,
        "instructions": instructions or "",
        "settings": {key: settings.get(key) for key in _ANSWER_SETTINGS},
    }
    digest = hashlib.sha256(json.dumps(prompt, sort_keys=True).encode()).hexdigest()[:8]
    who = f"{_part(provider or 'auto')}/{_part(model or 'default')}"
    return f"turnout:{who}:{digest}"[:MAX_CHARS]


def _part(text: str) -> str:
    return "".join(ch if ch.isprintable() and ch not in ":/" else "_" for ch in text)[:_PART_CHARS]
