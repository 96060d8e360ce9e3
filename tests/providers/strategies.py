"""Hypothesis strategies: valid provider config payloads drawn from the catalog's own rules,
and single mistakes that make one invalid."""

from __future__ import annotations

import copy
import string
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from turnout.providers import CATALOG
from turnout.providers.specs import FieldSpec, ProviderType

provider_types = st.sampled_from(list(CATALOG.values()))

_name_chars = st.characters(blacklist_characters="/", blacklist_categories=("Cc", "Cs", "Zs"))
names = st.text(_name_chars, min_size=1, max_size=100)
_hosts = st.from_regex(r"\A[a-z][a-z0-9-]{0,15}(\.[a-z]{2,6}){0,2}\Z")
urls = st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
    st.sampled_from(["http", "https"]),
    _hosts,
    st.sampled_from(["", ":8000", ":11434"]),
    st.sampled_from(["", "/", "/v1", "/api/paas/v4"]),
)
secrets = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=64)


def valid_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "int":
        return st.integers(int(spec.minimum or 0), int(spec.maximum or 1_000_000))
    if spec.kind == "float":
        return st.floats(
            spec.minimum, spec.maximum, exclude_min=spec.exclusive_minimum, allow_nan=False
        )
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "url":
        return urls
    if spec.kind == "secret":
        return secrets
    low, high = spec.min_length or 1, spec.max_length or 100
    assert spec.pattern is not None
    return st.from_regex(spec.pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high)


def _put(payload: dict[str, Any], name: str, value: Any) -> None:
    head, _, tail = name.partition(".")
    if tail:
        payload.setdefault(head, {})[tail] = value
    else:
        payload[head] = value


@st.composite
def valid_payloads(draw: st.DrawFn, entry: ProviderType | None = None) -> dict[str, Any]:
    entry = entry or draw(provider_types)
    payload: dict[str, Any] = {"name": draw(names), "provider_type": entry.type}
    if draw(st.booleans()):
        payload["deployment_mode"] = draw(st.sampled_from(entry.deployment_modes))
    if draw(st.booleans()):
        payload["enabled"] = draw(st.booleans())
    for spec in entry.fields:
        if spec.required or draw(st.booleans()):
            _put(payload, spec.name, draw(valid_value(spec)))
    for spec in entry.fields:
        if (
            spec.required_unless
            and not _has(payload, spec.name)
            and not _has(payload, spec.required_unless)
        ):
            _put(payload, spec.name, draw(valid_value(spec)))
    return payload


def _has(payload: dict[str, Any], name: str) -> bool:
    head, _, tail = name.partition(".")
    section = payload.get(head) if tail else payload
    return isinstance(section, dict) and section.get(tail or head) not in (None, "")


Mutation = Callable[[dict[str, Any]], str]


def _drop(name: str) -> Mutation:
    def apply(payload: dict[str, Any]) -> str:
        head, _, tail = name.partition(".")
        (payload.get(head, {}) if tail else payload).pop(tail or head, None)
        return name

    return apply


def _set(name: str, value: Any) -> Mutation:
    def apply(payload: dict[str, Any]) -> str:
        _put(payload, name, value)
        return name

    return apply


def _field_mistakes(spec: FieldSpec) -> list[Mutation]:
    mistakes = [_set(spec.name, ["wrong", "type"])]
    if spec.kind in ("int", "float"):
        mistakes.append(_set(spec.name, (spec.maximum or 0) + 1))
        mistakes.append(_set(spec.name, (spec.minimum or 0) - 1))
    if spec.max_length:
        mistakes.append(_set(spec.name, "a" * (spec.max_length + 1)))
    if spec.kind == "url":
        mistakes += [_set(spec.name, "ftp://host/x"), _set(spec.name, "https://user:pw@host")]
    if spec.kind == "secret":
        mistakes.append(_set(spec.name, "two words"))
    if spec.pattern:
        mistakes.append(_set(spec.name, "has space"))
    if spec.required:
        mistakes.append(_drop(spec.name))
    return mistakes


def mistakes_for(entry: ProviderType) -> list[Mutation]:
    modes = [m for m in ("cloud", "local", "private", "hybrid") if m not in entry.deployment_modes]
    common: list[Mutation] = [
        _drop("name"),
        _set("name", ""),
        _set("name", "a/b"),
        _set("name", "x" * 101),
        _set("provider_type", "no_such_type"),
        _set("enabled", "true"),
        _set("options.no_such_option", 1),
        _set("extra.no_such_setting", "x"),
        *(_set("deployment_mode", mode) for mode in modes),
    ]
    return common + [m for spec in entry.fields for m in _field_mistakes(spec)]


@st.composite
def invalid_payloads(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid payload with one mistake, and the field the mistake is in."""
    entry = draw(provider_types)
    payload = copy.deepcopy(draw(valid_payloads(entry)))
    mistake = draw(st.sampled_from(mistakes_for(entry)))
    return payload, mistake(payload)
