"""Properties 1–3 of the plan (Requirements 1.1–1.4, 6.4)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.providers.strategies import invalid_payloads, valid_payloads
from turnout.i18n import SUPPORTED_LOCALES, load_catalogs, negotiate_locale
from turnout.providers import (
    ADAPTERS,
    CATALOG,
    ProviderConnection,
    build_provider,
    provider_type_as_json,
    validate_provider_settings,
)
from turnout.providers.base import LLMProvider

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTY
@given(payload=valid_payloads(), key=st.one_of(st.none(), st.text("abc123", min_size=1)))
def test_property_01_provider_type_support(payload: dict[str, Any], key: str | None) -> None:
    """Every catalog type, configured validly, builds into its dialect's adapter and validates."""
    entry = CATALOG[payload["provider_type"]]
    stored_key = key if entry.field("api_key").required is False else (key or "sk-x")  # type: ignore[union-attr]
    config = {k: v for k, v in payload.items() if k != "api_key"}
    connection = ProviderConnection.from_config(entry, config, api_key=lambda: stored_key)
    provider = build_provider(connection)
    assert isinstance(provider, LLMProvider)
    assert type(provider) is ADAPTERS[entry.dialect]
    assert provider.capabilities is entry.capabilities
    assert provider.validate_config() == []
    assert connection.deployment_mode in entry.deployment_modes


@PROPERTY
@given(valid=valid_payloads(), broken=invalid_payloads())
def test_property_02_configuration_validation(
    valid: dict[str, Any], broken: tuple[dict[str, Any], str]
) -> None:
    """Valid payloads produce no issue; one mistake always produces an issue on its field."""
    assert validate_provider_settings(valid) == []
    payload, field = broken
    issues = validate_provider_settings(payload)
    assert issues
    assert field in {issue.field for issue in issues} | _paired(payload, field)
    for issue in issues:
        assert issue.code in load_catalogs().keys("en-US")
        assert issue.code in load_catalogs().keys("zh-CN")


def _paired(payload: dict[str, Any], field: str) -> set[str]:
    """A dropped either/or field is reported on its partner too (Azure resource vs base_url)."""
    entry = CATALOG.get(payload.get("provider_type", ""))
    spec = entry.field(field) if entry else None
    return {spec.required_unless} if spec and spec.required_unless else set()


_accept_language = st.one_of(
    st.none(),
    st.sampled_from(["zh-CN", "zh", "en-US,en;q=0.9", "zh-TW;q=0.8, en;q=0.5", "fr, de", "*"]),
    st.text(max_size=30),
)


@PROPERTY
@given(entry=st.sampled_from(list(CATALOG.values())), accept_language=_accept_language)
def test_property_03_provider_metadata_completeness(
    entry: Any, accept_language: str | None
) -> None:
    """Every type exposes all metadata, localised for whatever locale the caller negotiates."""
    locale = negotiate_locale(accept_language)
    assert locale in SUPPORTED_LOCALES
    meta = provider_type_as_json(entry, locale)
    required = (
        "type",
        "name",
        "description",
        "dialect",
        "auth_style",
        "deployment_modes",
        "default_deployment_mode",
        "default_models",
        "capabilities",
        "connection_test",
        "fields",
        "known_models",
    )
    assert all(meta.get(key) not in (None, "") for key in required if key != "known_models")
    assert meta["default_base_url"] or any(
        f["name"] == "base_url" and (f["required"] or f["required_unless"]) for f in meta["fields"]
    )
    keys = load_catalogs().keys(locale)
    assert entry.display_name_key in keys and entry.description_key in keys
    assert all(spec.label_key in keys for spec in entry.fields)
    assert all(isinstance(flag, bool) for flag in meta["capabilities"].values())
    assert all(field["label"] and field["kind"] for field in meta["fields"])
    assert meta["default_models"]["chat"] or any(
        f["name"] == "models.chat" and f["required"] for f in meta["fields"]
    )
