"""Property 21: both locales hold exactly the same keys; negotiation picks sensibly."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.errors import ErrorCode
from turnout.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, load_catalogs, negotiate_locale


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@settings(max_examples=100)
@given(key=st.sampled_from(sorted(load_catalogs().keys("en-US") | load_catalogs().keys("zh-CN"))))
def test_property_21_i18n_completeness(key):
    catalogs = load_catalogs()
    texts = [catalogs.messages[locale].get(key) for locale in SUPPORTED_LOCALES]
    assert all(texts), f"{key} is missing in a locale"
    assert len({frozenset(_placeholders(t)) for t in texts}) == 1, f"{key} placeholders differ"
    assert texts[0] != texts[1] or key.startswith("providers."), f"{key} looks untranslated"


def test_both_catalogs_have_exactly_the_same_keys():
    catalogs = load_catalogs()
    assert catalogs.keys("en-US") == catalogs.keys("zh-CN")


def test_every_error_code_has_a_message():
    keys = load_catalogs().keys("en-US")
    assert {f"errors.{code.value}" for code in ErrorCode} <= keys


def test_accept_language_negotiation():
    assert negotiate_locale(None) == DEFAULT_LOCALE
    assert negotiate_locale("zh-CN") == "zh-CN"
    assert negotiate_locale("zh-TW,zh;q=0.8") == "zh-CN"
    assert negotiate_locale("fr-FR, en;q=0.5") == "en-US"
    assert negotiate_locale("en;q=0.4, zh;q=0.9") == "zh-CN"
    assert negotiate_locale("de, fr") == DEFAULT_LOCALE
    assert negotiate_locale("zh;q=0, en") == "en-US"
    assert negotiate_locale("zh;q=abc, en") == "en-US"


@given(st.text(max_size=60))
def test_negotiation_never_fails_on_any_header(header):
    assert negotiate_locale(header) in SUPPORTED_LOCALES
