from __future__ import annotations

import re

import pytest

from turnout.errors import NotFound, ValidationFailed
from turnout.i18n import SUPPORTED_LOCALES, load_catalogs
from turnout.providers import ADAPTERS, CATALOG, catalog_as_json, get_provider_type
from turnout.providers.specs import DEPLOYMENT_MODES, Capabilities, ProviderType

ENTRIES = list(CATALOG.values())
NINE = {
    "openai",
    "azure_openai",
    "qwen",
    "zhipu",
    "baidu",
    "hunyuan",
    "deepseek",
    "openai_compatible",
    "ollama",
}


def test_the_catalog_holds_the_nine_designed_types() -> None:
    assert set(CATALOG) == NINE


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.type)
class TestEveryEntry:
    def test_resolves_by_its_name(self, entry: ProviderType) -> None:
        assert get_provider_type(entry.type) is entry

    def test_has_an_adapter_for_its_dialect(self, entry: ProviderType) -> None:
        assert entry.dialect in ADAPTERS

    def test_is_translated_in_both_locales(self, entry: ProviderType) -> None:
        keys = [entry.display_name_key, entry.description_key]
        keys += [spec.label_key for spec in entry.fields]
        keys += [spec.help_key for spec in entry.fields if spec.help_key]
        keys += [f"providers.modes.{mode}" for mode in entry.deployment_modes]
        for locale in SUPPORTED_LOCALES:
            missing = [k for k in keys if k not in load_catalogs().keys(locale)]
            assert not missing, f"{locale} lacks {missing}"

    def test_default_models_are_known_models_of_their_kind(self, entry: ProviderType) -> None:
        for model, kind in (
            (entry.default_chat_model, "chat"),
            (entry.default_embedding_model, "embedding"),
        ):
            if model is not None:
                info = entry.known_model(model)
                assert info is not None and info.kind == kind, model

    def test_embedding_default_only_where_embeddings_exist(self, entry: ProviderType) -> None:
        if not entry.capabilities.embed:
            assert entry.default_embedding_model is None
            assert entry.field("models.embedding") is None

    def test_modes_are_known_and_the_default_is_one_of_them(self, entry: ProviderType) -> None:
        assert set(entry.deployment_modes) <= set(DEPLOYMENT_MODES)
        assert entry.default_deployment_mode in entry.deployment_modes

    def test_field_rules_are_consistent(self, entry: ProviderType) -> None:
        names = [spec.name for spec in entry.fields]
        assert len(names) == len(set(names))
        for spec in entry.fields:
            if spec.pattern:
                re.compile(spec.pattern)
            if spec.required_unless:
                assert spec.required_unless in names
            if spec.default is not None and spec.pattern:
                assert re.fullmatch(spec.pattern, spec.default)

    def test_known_models_have_sane_prices(self, entry: ProviderType) -> None:
        for info in entry.known_models:
            assert info.context_window > 0
            assert info.input_price_per_1k >= 0 and info.output_price_per_1k >= 0
            assert (info.dimensions is not None) == (info.kind == "embedding")

    def test_base_url_is_known_or_required(self, entry: ProviderType) -> None:
        base_url = entry.field("base_url")
        assert base_url is not None
        assert entry.default_base_url is not None or base_url.required


def test_deepseek_has_no_embeddings_and_openai_compatible_needs_a_url() -> None:
    assert CATALOG["deepseek"].capabilities.embed is False
    assert CATALOG["openai_compatible"].default_base_url is None


def test_api_key_is_required_exactly_for_cloud_only_keyed_types() -> None:
    optional = {t for t, e in CATALOG.items() if not e.field("api_key").required}  # type: ignore[union-attr]
    assert optional == {"openai_compatible", "ollama"}


def test_unknown_type_is_not_found() -> None:
    with pytest.raises(NotFound):
        get_provider_type("anthropic")


def test_unknown_type_in_a_payload_is_a_field_issue() -> None:
    with pytest.raises(ValidationFailed) as caught:
        get_provider_type("anthropic", field="provider_type")
    assert caught.value.fields[0]["code"] == "validation.not_allowed"
    with pytest.raises(ValidationFailed) as missing:
        get_provider_type(None, field="provider_type")
    assert missing.value.fields[0]["code"] == "validation.required"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_json_is_localised_and_complete(locale: str) -> None:
    methods = catalog_as_json(locale)
    assert [m["type"] for m in methods] == list(CATALOG)
    for method in methods:
        assert method["name"] and not method["name"].startswith("providers.")
        assert method["description"] and not method["description"].startswith("providers.")
        assert all(not f["label"].startswith("providers.") for f in method["fields"])
        assert set(method["capabilities"]) == {
            "chat",
            "stream",
            "embed",
            "json_schema",
            "json_object",
            "logprobs",
            "tools",
            "forced_tool_choice",
            "multiple_choices",
            "seed",
            "logit_bias",
            "user",
            "image_input",
            "image_urls",
            "audio_input",
            "file_input",
        }


def test_catalog_json_speaks_chinese_for_zh_cn() -> None:
    names = {m["type"]: m["name"] for m in catalog_as_json("zh-CN")}
    assert names["zhipu"] == "智谱 GLM"
    fields = {f["name"]: f for f in catalog_as_json("zh-CN")[0]["fields"]}
    assert fields["api_key"]["label"] == "API 密钥"
    assert fields["options.timeout_s"]["maximum"] == 600


def test_provider_namespace_keys_are_the_same_in_both_locales() -> None:
    catalogs = load_catalogs()
    en = {k for k in catalogs.keys("en-US") if k.startswith("providers.")}
    zh = {k for k in catalogs.keys("zh-CN") if k.startswith("providers.")}
    assert en == zh


def test_every_capability_has_a_name_in_both_locales() -> None:
    catalogs = load_catalogs()
    for name in Capabilities.__dataclass_fields__:
        for locale in SUPPORTED_LOCALES:
            assert catalogs.t(f"capabilities.{name}", locale) != f"capabilities.{name}", name


# What each type's API takes beyond plain chat, as researched (sources beside each entry).
REQUEST_FEATURES = {
    "openai": {"tools", "forced_tool_choice", "multiple_choices", "seed", "logit_bias", "user",
               "image_input", "image_urls", "audio_input", "file_input"},
    "azure_openai": {"tools", "forced_tool_choice", "multiple_choices", "seed", "logit_bias",
                     "user", "image_input", "image_urls"},
    "qwen": {"tools", "forced_tool_choice", "multiple_choices", "seed", "image_input",
             "image_urls", "audio_input"},
    "zhipu": {"tools", "image_input", "image_urls"},
    "baidu": {"tools", "forced_tool_choice", "seed", "user", "image_input", "image_urls"},
    "hunyuan": {"tools", "forced_tool_choice", "seed", "image_input", "image_urls"},
    "deepseek": {"tools", "forced_tool_choice"},
    "openai_compatible": {"tools", "forced_tool_choice", "multiple_choices", "seed",
                          "logit_bias", "user", "image_input", "image_urls", "audio_input"},
    "ollama": {"tools", "seed", "image_input"},
}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.type)
def test_request_features_follow_the_providers_documentation(entry: ProviderType) -> None:
    features = {name for name in REQUEST_FEATURES["openai"] if getattr(entry.capabilities, name)}
    assert features == REQUEST_FEATURES[entry.type]
