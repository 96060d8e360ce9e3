"""Check a provider config payload against its catalog entry; issues carry i18n codes.

The payload is the admin API's `{name, provider_type, deployment_mode, base_url?, api_key?,
models{…}, options{…}, extra{…}, enabled}`. Whether a URL may be *reached* (the outbound guard)
is not decided here: only its syntax is.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from turnout.providers.catalog import CATALOG
from turnout.providers.catalog_fields import OPTION_FIELDS
from turnout.providers.specs import FieldSpec, ProviderType

NAME_MAX_LENGTH = 100
_NESTED_SECTIONS = ("models", "options", "extra")
_NAME_FORBIDDEN = re.compile(r"[/\x00-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s")
_JSON_TYPE = {
    "string": "string",
    "secret": "string",
    "url": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
}


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One problem with one field: `code` is an i18n key, `params` fill its message."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "params": dict(self.params)}


def validate_provider_settings(
    data: Mapping[str, Any], *, partial: bool = False, has_stored_api_key: bool = False
) -> list[FieldIssue]:
    """Every issue in a provider config; empty when it is valid.

    `partial=True` (an update that only carries the changed fields) skips "required" checks;
    `has_stored_api_key=True` accepts a payload without `api_key` (the stored key is kept).
    """
    if not isinstance(data, Mapping):
        return [FieldIssue("", "validation.invalid")]
    issues = _check_name(data.get("name"), partial)
    entry, type_issues = _check_provider_type(data.get("provider_type"), partial)
    issues += type_issues
    issues += _check_enabled(data.get("enabled"))
    # Without a known type only the options, which every type shares, can be checked.
    specs = entry.fields if entry else OPTION_FIELDS
    sections = _NESTED_SECTIONS if entry else ("options",)
    if entry is not None:
        issues += _check_deployment_mode(entry, data.get("deployment_mode"))
    issues += _check_sections(data, specs, sections)
    for spec in specs:
        issue = _check_field(spec, data, partial=partial, has_key=has_stored_api_key)
        if issue is not None:
            issues.append(issue)
    return issues


def _check_name(name: Any, partial: bool) -> list[FieldIssue]:
    if name is None:
        return [] if partial else [FieldIssue("name", "validation.required")]
    if not isinstance(name, str):
        return [FieldIssue("name", "providers.validation.wrong_type", {"expected": "string"})]
    if not name.strip():
        return [FieldIssue("name", "validation.required")]
    if len(name) > NAME_MAX_LENGTH:
        return [FieldIssue("name", "validation.too_long", {"max_length": NAME_MAX_LENGTH})]
    # The OpenAI-compatible API addresses models as "<provider name>/<model>".
    if _NAME_FORBIDDEN.search(name) or name != name.strip():
        return [FieldIssue("name", "providers.validation.name_chars")]
    return []


def _check_provider_type(value: Any, partial: bool) -> tuple[ProviderType | None, list[FieldIssue]]:
    if value is None:
        issues = [] if partial else [FieldIssue("provider_type", "validation.required")]
        return None, issues
    entry = CATALOG.get(value) if isinstance(value, str) else None
    if entry is None:
        choices = {"choices": list(CATALOG)}
        return None, [FieldIssue("provider_type", "validation.not_allowed", choices)]
    return entry, []


def _check_deployment_mode(entry: ProviderType, mode: Any) -> list[FieldIssue]:
    if mode is None or mode in entry.deployment_modes:
        return []
    choices = {"choices": list(entry.deployment_modes)}
    return [FieldIssue("deployment_mode", "validation.not_allowed", choices)]


def _check_enabled(enabled: Any) -> list[FieldIssue]:
    if enabled is None or isinstance(enabled, bool):
        return []
    return [FieldIssue("enabled", "providers.validation.wrong_type", {"expected": "boolean"})]


def _check_sections(
    data: Mapping[str, Any], specs: tuple[FieldSpec, ...], sections: tuple[str, ...]
) -> list[FieldIssue]:
    """Nested sections must be objects holding only settings the type knows."""
    known = {spec.name for spec in specs}
    issues: list[FieldIssue] = []
    for section in sections:
        value = data.get(section)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            issues.append(
                FieldIssue(section, "providers.validation.wrong_type", {"expected": "object"})
            )
            continue
        issues += [
            FieldIssue(f"{section}.{key}", "providers.validation.unknown_field")
            for key in value
            if f"{section}.{key}" not in known
        ]
    return issues


def _lookup(data: Mapping[str, Any], name: str) -> Any:
    head, _, tail = name.partition(".")
    if not tail:
        return data.get(head)
    section = data.get(head)
    return section.get(tail) if isinstance(section, Mapping) else None


def _given(value: Any) -> bool:
    return value is not None and value != ""


def _check_field(
    spec: FieldSpec, data: Mapping[str, Any], *, partial: bool, has_key: bool
) -> FieldIssue | None:
    value = _lookup(data, spec.name)
    if _given(value):
        return check_value(spec, value)
    if partial or (spec.kind == "secret" and has_key):
        return None
    if spec.required:
        return FieldIssue(spec.name, "validation.required")
    if spec.required_unless and not _given(_lookup(data, spec.required_unless)):
        return FieldIssue(
            spec.name, "providers.validation.required_one_of", {"other": spec.required_unless}
        )
    return None


def check_value(spec: FieldSpec, value: Any) -> FieldIssue | None:
    """The first problem with one given (non-empty) value, or None."""
    if spec.kind in ("int", "float"):
        return _check_number(spec, value)
    if spec.kind == "bool":
        return None if isinstance(value, bool) else _wrong_type(spec)
    if not isinstance(value, str):
        return _wrong_type(spec)
    return _check_string(spec, value)


def _wrong_type(spec: FieldSpec) -> FieldIssue:
    return FieldIssue(
        spec.name, "providers.validation.wrong_type", {"expected": _JSON_TYPE[spec.kind]}
    )


def _check_number(spec: FieldSpec, value: Any) -> FieldIssue | None:
    allowed = int if spec.kind == "int" else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        return _wrong_type(spec)
    if not math.isfinite(value):
        return FieldIssue(spec.name, "validation.invalid")
    low_ok = spec.minimum is None or (
        value > spec.minimum if spec.exclusive_minimum else value >= spec.minimum
    )
    high_ok = spec.maximum is None or value <= spec.maximum
    if low_ok and high_ok:
        return None
    params = {"min": spec.minimum, "max": spec.maximum, "exclusive_min": spec.exclusive_minimum}
    return FieldIssue(spec.name, "validation.out_of_range", params)


def _check_string(spec: FieldSpec, value: str) -> FieldIssue | None:
    if spec.min_length is not None and len(value) < spec.min_length:
        return FieldIssue(spec.name, "validation.too_short", {"min_length": spec.min_length})
    if spec.max_length is not None and len(value) > spec.max_length:
        return FieldIssue(spec.name, "validation.too_long", {"max_length": spec.max_length})
    if spec.choices is not None and value not in spec.choices:
        return FieldIssue(spec.name, "validation.not_allowed", {"choices": list(spec.choices)})
    if spec.kind == "secret" and _WHITESPACE.search(value):
        # A key with a line break would be a header-injection vector.
        return FieldIssue(spec.name, "providers.validation.whitespace")
    if spec.kind == "url":
        return _check_url(spec, value)
    if spec.pattern is not None and not _compiled(spec.pattern).fullmatch(value):
        return FieldIssue(spec.name, "validation.invalid", {"pattern": spec.pattern})
    return None


def _check_url(spec: FieldSpec, value: str) -> FieldIssue | None:
    if _WHITESPACE.search(value) or not value.isprintable():
        return FieldIssue(spec.name, "validation.invalid_url")
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return FieldIssue(spec.name, "validation.invalid_url")
    if parts.scheme not in ("http", "https") or not _valid_host(parts.hostname) or not port_ok:
        return FieldIssue(spec.name, "validation.invalid_url")
    if parts.username is not None or parts.password is not None:
        return FieldIssue(spec.name, "providers.validation.url_credentials")
    if parts.query or parts.fragment:
        return FieldIssue(spec.name, "validation.invalid_url")
    return None


def _valid_host(host: str | None) -> bool:
    """A host a resolver accepts: DNS labels of 1–63 characters once IDNA-encoded."""
    if not host:
        return False
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
