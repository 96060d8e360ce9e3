"""Message catalogs (zh-CN, en-US) and Accept-Language negotiation."""

from turnout.i18n.catalog import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    Catalogs,
    load_catalogs,
    negotiate_locale,
)

__all__ = ["DEFAULT_LOCALE", "SUPPORTED_LOCALES", "Catalogs", "load_catalogs", "negotiate_locale"]
