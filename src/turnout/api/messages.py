"""Turnout's own message for an error, in the caller's language."""

from __future__ import annotations

from collections.abc import Mapping

from turnout.errors import TurnoutError
from turnout.i18n import load_catalogs

# Parameters whose values are themselves catalog keys under a prefix.
_TRANSLATED_PARAMS = {
    "resource": "resources",
    "reason": "reasons",
    "capability": "capabilities",
    "problem": "json_problems",
    "part": "url_parts",
}


def localised_message(error: TurnoutError, locale: str, **extra: object) -> str:
    """`error`'s catalog message in `locale`; never the upstream's own words."""
    return catalog_message(error.message_key, locale, {**error.params, **extra})


def catalog_message(key: str, locale: str, params: Mapping[str, object]) -> str:
    """The message `key` in `locale`, with parameters that name catalog keys translated too."""
    catalogs = load_catalogs()
    values = dict(params)
    for name, prefix in _TRANSLATED_PARAMS.items():
        if name in values:
            named = f"{prefix}.{values[name]}"
            translated = catalogs.t(named, locale)
            values[name] = values[name] if translated == named else translated
    return catalogs.t(key, locale, **values)
