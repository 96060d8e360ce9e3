"""A provider config at run time: its key, base URL, options and one pooled HTTP client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Protocol

import aiohttp

from turnout.errors import UpstreamAuthError, ValidationFailed
from turnout.providers.specs import AuthStyle, ProviderType

ApiKeySource = Callable[[], str | None]


class ConnectorFactory(Protocol):
    """Builds the connection pool; the app's factory refuses addresses the outbound guard
    forbids, at every connection (`security/outbound_connect.py`)."""

    def __call__(
        self, *, limit: int, ttl_dns_cache: int, keepalive_timeout: float
    ) -> aiohttp.BaseConnector: ...


# auth style → (header, value template, key required)
_AUTH: Mapping[AuthStyle, tuple[str, str, bool] | None] = MappingProxyType(
    {
        "bearer": ("Authorization", "Bearer {}", True),
        "bearer_optional": ("Authorization", "Bearer {}", False),
        "api_key_header": ("api-key", "{}", True),
        "none": None,
    }
)
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _no_key() -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    timeout_s: float = 60.0
    max_retries: int = 2
    rpm: int = 0  # 0 = no limit
    tpm: int = 0

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> ConnectionOptions:
        known = {f.name for f in fields(cls)}
        given = {k: v for k, v in (values or {}).items() if k in known and v is not None}
        return cls(**given)


class ProviderConnection:
    """Owns what one provider config owns; `api_key` is called at each upstream call.

    The aiohttp session is created lazily inside the running loop and shared by every request
    to this provider; `await close()` releases it.
    """

    connector_limit = 100
    dns_cache_ttl_s = 300
    keepalive_timeout_s = 30.0

    def __init__(
        self,
        provider_type: ProviderType,
        *,
        name: str | None = None,
        base_url: str | None = None,
        api_key: ApiKeySource = _no_key,
        models: Mapping[str, str | None] | None = None,
        options: ConnectionOptions | None = None,
        extra: Mapping[str, Any] | None = None,
        deployment_mode: str | None = None,
        connector_factory: ConnectorFactory = aiohttp.TCPConnector,
    ) -> None:
        self.provider_type = provider_type
        self.name = name or provider_type.type
        self.configured_base_url = base_url or None
        self.api_key = api_key
        self.models: Mapping[str, str | None] = MappingProxyType(dict(models or {}))
        self.options = options or ConnectionOptions()
        self.extra: Mapping[str, Any] = MappingProxyType(dict(extra or _EMPTY))
        self.deployment_mode = deployment_mode or provider_type.default_deployment_mode
        self.connector_factory = connector_factory
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._base_url: str | None = None

    @classmethod
    def from_config(
        cls,
        provider_type: ProviderType,
        config: Mapping[str, Any],
        *,
        api_key: ApiKeySource,
        connector_factory: ConnectorFactory = aiohttp.TCPConnector,
    ) -> ProviderConnection:
        """Build from a stored/validated config payload (the key comes from `api_key`)."""
        return cls(
            provider_type,
            name=config.get("name"),
            base_url=config.get("base_url"),
            api_key=api_key,
            models=config.get("models"),
            options=ConnectionOptions.from_mapping(config.get("options")),
            extra=config.get("extra"),
            deployment_mode=config.get("deployment_mode"),
            connector_factory=connector_factory,
        )

    @property
    def base_url(self) -> str:
        """The configured base URL, else the type's default (Azure's filled from `extra`)."""
        if self._base_url is None:
            self._base_url = self._resolve_base_url()
        return self._base_url

    def _resolve_base_url(self) -> str:
        if self.configured_base_url:
            return self.configured_base_url.rstrip("/")
        template = self.provider_type.default_base_url
        if template is None:
            raise ValidationFailed([{"field": "base_url", "code": "validation.required"}])
        try:
            return template.format_map(self.extra).rstrip("/")
        except KeyError as exc:
            field = f"extra.{exc.args[0]}"
            raise ValidationFailed([{"field": field, "code": "validation.required"}]) from exc

    @property
    def chat_model(self) -> str | None:
        return self.models.get("chat") or self.provider_type.default_chat_model

    @property
    def embedding_model(self) -> str | None:
        return self.models.get("embedding") or self.provider_type.default_embedding_model

    def auth_headers(self) -> dict[str, str]:
        """Headers carrying the key, read now (so a rotated key is used at once)."""
        rule = _AUTH[self.provider_type.auth_style]
        if rule is None:
            return {}
        header, template, required = rule
        key = self.api_key()
        if key:
            return {header: template.format(key)}
        if required:
            raise UpstreamAuthError("no API key configured", provider=self.name)
        return {}

    def session(self) -> aiohttp.ClientSession:
        """The shared client; must be called inside the running event loop."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = self.connector_factory(
                limit=self.connector_limit,
                ttl_dns_cache=self.dns_cache_ttl_s,
                keepalive_timeout=self.keepalive_timeout_s,
            )
            self._session = aiohttp.ClientSession(connector=connector, raise_for_status=False)
            self._loop = loop
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def as_settings(self) -> dict[str, Any]:
        """The config payload this connection was built from, without the key."""
        return {
            "name": self.name,
            "provider_type": self.provider_type.type,
            "deployment_mode": self.deployment_mode,
            "base_url": self.configured_base_url,
            "models": {k: v for k, v in self.models.items() if v},
            "options": {f.name: getattr(self.options, f.name) for f in fields(self.options)},
            "extra": dict(self.extra),
        }
