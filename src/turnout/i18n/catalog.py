"""Flat key → message catalogs (locales/<locale>/<namespace>.json) and locale negotiation."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LOCALE = "en-US"
SUPPORTED_LOCALES = ("en-US", "zh-CN")
# Primary language subtag → our locale; zh-TW/zh-Hant readers still get zh-CN rather than English.
_BY_LANGUAGE = {"en": "en-US", "zh": "zh-CN"}


class Catalogs:
    """All locales' messages; `t` falls back to en-US, then to the key itself."""

    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        self.messages = messages

    def keys(self, locale: str) -> set[str]:
        return set(self.messages[locale])

    def t(self, key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
        template = self.messages.get(locale, {}).get(key) or self.messages[DEFAULT_LOCALE].get(key)
        if template is None:
            return key
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template


@cache
def load_catalogs() -> Catalogs:
    """Read every namespace file of every locale shipped in the package (once per process)."""
    root = resources.files("turnout.i18n") / "locales"
    messages: dict[str, dict[str, str]] = {}
    for locale in SUPPORTED_LOCALES:
        merged: dict[str, str] = {}
        for entry in sorted((root / locale).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                merged.update(json.loads(entry.read_text("utf-8")))
        messages[locale] = merged
    return Catalogs(messages)


def negotiate_locale(accept_language: str | None) -> str:
    """Pick the best supported locale for an Accept-Language header (RFC 9110 q-values)."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        locale = _match(tag.strip())
        if locale and quality > 0:
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


def _match(tag: str) -> str | None:
    for locale in SUPPORTED_LOCALES:
        if tag.lower() == locale.lower():
            return locale
    return _BY_LANGUAGE.get(tag.split("-")[0].lower())
