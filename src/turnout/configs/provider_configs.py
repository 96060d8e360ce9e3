"""Provider configurations: validated, key encrypted, URL guarded, audited, tenant-scoped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.configs.last_test import clear_last_test, tested_settings
from turnout.errors import ActiveProviderDelete, ValidationFailed
from turnout.providers import ProviderConnection, get_provider_type, validate_provider_settings
from turnout.security.audit import AuditTrail
from turnout.security.crypto import SecretBox
from turnout.security.masking import mask_secret
from turnout.security.outbound import OutboundPolicy
from turnout.security.roles import Principal
from turnout.store.models import ProviderConfig, TenantRouting
from turnout.store.scoped import get_scoped, snapshot

EDITABLE = (
    "name",
    "provider_type",
    "deployment_mode",
    "base_url",
    "models",
    "options",
    "extra",
    "enabled",
)
AUDITED = (*EDITABLE, "api_key_hint")


@dataclass(frozen=True)
class ConfigDeps:
    """What writing a provider config needs besides the session."""

    secrets: SecretBox
    outbound: OutboundPolicy


def _issues_to_error(issues: list[Any]) -> ValidationFailed:
    return ValidationFailed([issue.as_dict() for issue in issues])


async def _ensure_unique_name(
    session: AsyncSession, *, tenant_id: str, name: str, exclude_id: str | None = None
) -> None:
    statement = select(ProviderConfig.id).where(
        ProviderConfig.tenant_id == tenant_id, ProviderConfig.name == name
    )
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is not None and found != exclude_id:
        raise ValidationFailed([{"field": "name", "code": "validation.duplicate"}])


async def _check_reachable(values: Mapping[str, Any], outbound: OutboundPolicy) -> None:
    """The operator's allowed modes, then the outbound guard on the URL this config would call
    (defaults and templates included); connections are checked again when they are made."""
    entry = get_provider_type(values["provider_type"], field="provider_type")
    connection = ProviderConnection.from_config(entry, values, api_key=lambda: None)
    outbound.require_mode(connection.deployment_mode)
    await outbound.check(connection.base_url, deployment_mode=connection.deployment_mode)


def _normalised(entry_type: str, values: dict[str, Any]) -> dict[str, Any]:
    entry = get_provider_type(entry_type, field="provider_type")
    # null, like leaving the field out, means the default: the columns hold no NULL.
    if values.get("deployment_mode") is None:
        values["deployment_mode"] = entry.default_deployment_mode
    if values.get("enabled") is None:
        values["enabled"] = True
    for section in ("models", "options", "extra"):
        values[section] = dict(values.get(section) or {})
    values["base_url"] = values.get("base_url") or None
    return values


def _store_key(config: ProviderConfig, api_key: str | None, secrets: SecretBox) -> None:
    if api_key:
        config.api_key_encrypted = secrets.encrypt(api_key)
        config.api_key_hint = mask_secret(api_key)
    else:
        config.api_key_encrypted = None
        config.api_key_hint = None


async def create_provider_config(
    session: AsyncSession,
    *,
    tenant_id: str,
    payload: Mapping[str, Any],
    principal: Principal,
    deps: ConfigDeps,
) -> ProviderConfig:
    """Validate and store a new provider config; nothing is stored when anything is wrong."""
    issues = validate_provider_settings(payload)
    if issues:
        raise _issues_to_error(issues)
    values = _normalised(
        payload["provider_type"], {k: payload.get(k) for k in EDITABLE if k in payload}
    )
    await _ensure_unique_name(session, tenant_id=tenant_id, name=values["name"])
    await _check_reachable(values, deps.outbound)
    config = ProviderConfig(tenant_id=tenant_id, **values)
    _store_key(config, payload.get("api_key"), deps.secrets)
    session.add(config)
    await session.flush()
    AuditTrail(session, principal, tenant_id).record(
        "create", "provider", config.id, after=snapshot(config, AUDITED)
    )
    return config


async def update_provider_config(
    session: AsyncSession,
    *,
    tenant_id: str,
    config_id: str,
    payload: Mapping[str, Any],
    principal: Principal,
    deps: ConfigDeps,
) -> ProviderConfig:
    """Apply an update: `api_key` omitted or null keeps the stored key, "" clears it.

    `provider_type` cannot change (422 on the field): the stored key, URL, models and options
    were meant for that vendor, and keeping them for another would send its key elsewhere.
    A different type is a new config.

    A new key, or a change of deployment mode, URL, extra, timeout or retries, clears the last
    connection test: it tested settings that are gone. Name, models, enabled, limits and hedging
    keep it.
    """
    config = await get_provider_config(session, tenant_id=tenant_id, config_id=config_id)
    if payload.get("provider_type", config.provider_type) != config.provider_type:
        raise ValidationFailed([{"field": "provider_type", "code": "validation.immutable"}])
    before = snapshot(config, AUDITED)
    merged = {name: getattr(config, name) for name in EDITABLE}
    merged.update({k: v for k, v in payload.items() if k in EDITABLE})
    new_key = payload.get("api_key")
    keeps_key = new_key is None and config.api_key_encrypted is not None
    issues = validate_provider_settings(
        merged | ({"api_key": new_key} if new_key else {}), has_stored_api_key=keeps_key
    )
    if issues:
        raise _issues_to_error(issues)
    values = _normalised(merged["provider_type"], merged)
    await _ensure_unique_name(
        session, tenant_id=tenant_id, name=values["name"], exclude_id=config.id
    )
    await _check_reachable(values, deps.outbound)
    tested = tested_settings(config)
    for name, value in values.items():
        setattr(config, name, value)
    if new_key is not None:
        _store_key(config, new_key, deps.secrets)
    if new_key is not None or tested_settings(config) != tested:
        clear_last_test(config)
    await session.flush()
    after = snapshot(config, AUDITED) | ({"api_key_changed": True} if new_key else {})
    AuditTrail(session, principal, tenant_id).record(
        "update", "provider", config.id, before=before, after=after
    )
    return config


async def delete_provider_config(
    session: AsyncSession, *, tenant_id: str, config_id: str, principal: Principal
) -> None:
    """Delete a config; the tenant's active provider cannot be deleted (409)."""
    config = await get_provider_config(session, tenant_id=tenant_id, config_id=config_id)
    routing = await session.get(TenantRouting, tenant_id)
    if routing is not None and routing.active_provider_id == config.id:
        raise ActiveProviderDelete(details={"provider_id": config.id})
    if routing is not None and config.id in routing.fallback_provider_ids:
        routing.fallback_provider_ids = [
            pid for pid in routing.fallback_provider_ids if pid != config.id
        ]
    AuditTrail(session, principal, tenant_id).record(
        "delete", "provider", config.id, before=snapshot(config, AUDITED)
    )
    await session.delete(config)
    await session.flush()


async def get_provider_config(
    session: AsyncSession, *, tenant_id: str, config_id: str
) -> ProviderConfig:
    return await get_scoped(
        session, ProviderConfig, config_id, tenant_id=tenant_id, resource="provider"
    )


async def list_provider_configs(session: AsyncSession, *, tenant_id: str) -> list[ProviderConfig]:
    statement = (
        select(ProviderConfig)
        .where(ProviderConfig.tenant_id == tenant_id)
        .order_by(ProviderConfig.created_at, ProviderConfig.id)
    )
    return list((await session.execute(statement)).scalars())
