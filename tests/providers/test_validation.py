from __future__ import annotations

from typing import Any

import pytest

from tests.providers.payloads import valid_payload
from turnout.providers import CATALOG, validate_provider_settings


def codes(data: Any, **kw: Any) -> dict[str, str]:
    return {i.field: i.code for i in validate_provider_settings(data, **kw)}


@pytest.mark.parametrize("provider_type", list(CATALOG))
def test_a_complete_payload_of_every_type_is_valid(provider_type: str) -> None:
    assert validate_provider_settings(valid_payload(provider_type)) == []


def test_minimal_cloud_payload_needs_only_name_type_and_key() -> None:
    assert codes({"name": "a", "provider_type": "qwen", "api_key": "k"}) == {}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"name": None}, "name", "validation.required"),
        ({"name": "  "}, "name", "validation.required"),
        ({"name": "x" * 101}, "name", "validation.too_long"),
        ({"name": "team/a"}, "name", "providers.validation.name_chars"),
        ({"name": " padded"}, "name", "providers.validation.name_chars"),
        ({"provider_type": "anthropic"}, "provider_type", "validation.not_allowed"),
        ({"deployment_mode": "local"}, "deployment_mode", "validation.not_allowed"),
        ({"api_key": None}, "api_key", "validation.required"),
        ({"api_key": "sk abc"}, "api_key", "providers.validation.whitespace"),
        ({"api_key": "sk\nX-Evil: 1"}, "api_key", "providers.validation.whitespace"),
        ({"base_url": "ftp://example.com"}, "base_url", "validation.invalid_url"),
        ({"base_url": "not a url"}, "base_url", "validation.invalid_url"),
        ({"base_url": "http://"}, "base_url", "validation.invalid_url"),
        (
            {"base_url": "https://u:p@example.com/v1"},
            "base_url",
            "providers.validation.url_credentials",
        ),
        ({"base_url": "https://example.com/v1?x=1"}, "base_url", "validation.invalid_url"),
        ({"base_url": "https://example.com:99999"}, "base_url", "validation.invalid_url"),
        ({"options": {"timeout_s": 0}}, "options.timeout_s", "validation.out_of_range"),
        ({"options": {"timeout_s": 601}}, "options.timeout_s", "validation.out_of_range"),
        ({"options": {"timeout_s": float("nan")}}, "options.timeout_s", "validation.invalid"),
        ({"options": {"timeout_s": "60"}}, "options.timeout_s", "providers.validation.wrong_type"),
        ({"options": {"max_retries": 11}}, "options.max_retries", "validation.out_of_range"),
        (
            {"options": {"max_retries": 1.5}},
            "options.max_retries",
            "providers.validation.wrong_type",
        ),
        ({"options": {"rpm": -1}}, "options.rpm", "validation.out_of_range"),
        ({"options": {"tpm": True}}, "options.tpm", "providers.validation.wrong_type"),
        ({"options": {"timeout": 5}}, "options.timeout", "providers.validation.unknown_field"),
        ({"options": []}, "options", "providers.validation.wrong_type"),
        ({"models": {"chat": "has space"}}, "models.chat", "validation.invalid"),
        ({"models": {"chat": "m" * 201}}, "models.chat", "validation.too_long"),
        ({"extra": {"deployment": "d"}}, "extra.deployment", "providers.validation.unknown_field"),
        ({"enabled": "yes"}, "enabled", "providers.validation.wrong_type"),
    ],
)
def test_each_kind_of_mistake_is_reported_on_its_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    payload = valid_payload("openai") | change
    assert codes(payload).get(field) == code


def test_deepseek_has_no_embedding_model_setting() -> None:
    payload = valid_payload("deepseek") | {"models": {"embedding": "e"}}
    assert codes(payload) == {"models.embedding": "providers.validation.unknown_field"}


def test_openai_compatible_requires_base_url_and_chat_model() -> None:
    payload = {"name": "vllm", "provider_type": "openai_compatible"}
    assert codes(payload) == {
        "base_url": "validation.required",
        "models.chat": "validation.required",
    }


def test_ollama_and_openai_compatible_need_no_key() -> None:
    assert codes({"name": "o", "provider_type": "ollama"}) == {}


def test_azure_needs_a_resource_or_a_base_url_and_a_deployment() -> None:
    payload: dict[str, Any] = {"name": "az", "provider_type": "azure_openai", "api_key": "k"}
    assert codes(payload) == {
        "base_url": "providers.validation.required_one_of",
        "extra.resource": "providers.validation.required_one_of",
        "extra.deployment": "validation.required",
    }
    payload["base_url"] = "https://contoso.openai.azure.com"
    payload["extra"] = {"deployment": "chat"}
    assert codes(payload) == {}


def test_azure_api_version_must_look_like_a_date() -> None:
    payload = valid_payload("azure_openai")
    payload["extra"]["api_version"] = "latest"
    assert codes(payload) == {"extra.api_version": "validation.invalid"}


def test_partial_update_skips_required_checks_but_not_values() -> None:
    assert codes({"options": {"rpm": 10}}, partial=True) == {}
    assert codes({"options": {"rpm": -3}}, partial=True) == {
        "options.rpm": "validation.out_of_range"
    }


def test_a_stored_key_satisfies_the_required_key() -> None:
    payload = valid_payload("openai")
    del payload["api_key"]
    assert codes(payload) == {"api_key": "validation.required"}
    assert codes(payload, has_stored_api_key=True) == {}


def test_issue_params_feed_the_message() -> None:
    payload = valid_payload("openai") | {"options": {"max_retries": 20}}
    (issue,) = validate_provider_settings(payload)
    assert issue.as_dict() == {
        "field": "options.max_retries",
        "code": "validation.out_of_range",
        "params": {"min": 0, "max": 10, "exclusive_min": False},
    }


def test_non_object_payload_is_one_issue() -> None:
    assert codes(["not", "a", "dict"]) == {"": "validation.invalid"}
