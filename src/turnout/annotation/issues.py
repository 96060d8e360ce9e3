"""What parsing found wrong with a model's answer, and what it produced when nothing was."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from turnout.i18n import DEFAULT_LOCALE, load_catalogs

# Quoted values in messages are cut here, so a huge junk answer gives a short message.
SHOWN_CHARS = 80


def shown(value: Any) -> str:
    """A value as it may appear in a message: short, on one line."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class AnswerIssue:
    """One problem at `field` (a path into the answer, e.g. `ner[2].label`): `code` is a
    catalog key under `annotation.`, `params` fill its message."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def message(self, locale: str = DEFAULT_LOCALE) -> str:
        return load_catalogs().t(self.code, locale, **self.params)

    def as_dict(self) -> dict[str, Any]:
        """The shape of ValidationFailed's fields: {field, code, params}."""
        return {"field": self.field, "code": self.code, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class Region:
    """One Label Studio result item and the answer's strings that wrote it.

    `raw` holds those strings exactly as the model wrote them, in answer order (choice values;
    a span's quote and label in the order written; TextArea texts; a rating or number as its
    JSON text; a taxonomy path's names), and `field` is where they sit in the answer, so token
    log-probabilities can be matched to them (`confidence.RegionText`). `allowed[i]` lists what
    the model could have written for `raw[i]` when that is a closed set, for renormalising;
    empty for free text.
    """

    item: Mapping[str, Any]
    raw: tuple[str, ...]
    field: str
    allowed: tuple[tuple[str, ...], ...] = ()

    @property
    def control(self) -> str:
        return str(self.item["from_name"])
