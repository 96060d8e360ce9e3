"""A provider's last connection test, kept on its row and shown with it.

What is kept is what any admin may read in any language: ok, latency, the models the test found,
our error code and the catalog message key with its parameters, rendered when read. The
upstream's own words (an error's `detail`) are never stored.

The result belongs to the settings it tested: changing the type, deployment mode, URL, key,
extra, timeout or retries of a config clears it (provider_configs.update_provider_config); its
name, models, enabled flag, limits and hedging do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.configs.connection_test import ConnectionTestOutcome, test_connection
from turnout.configs.runtime import ProviderRuntime
from turnout.security.outbound import OutboundPolicy
from turnout.store.models import ProviderConfig
from turnout.store.scoped import get_scoped
from turnout.store.types import utcnow

OK_MESSAGE_KEY = "provider_test.ok"
# What a connection test depends on besides the key; limits and hedging (also options) do not.
TESTED_FIELDS = ("provider_type", "deployment_mode", "base_url", "extra")
TESTED_OPTIONS = ("timeout_s", "max_retries")


@dataclass(frozen=True)
class LastTest:
    tested_at: datetime
    ok: bool
    latency_ms: float
    models: list[str] | None
    error_code: str | None
    message_key: str
    message_params: dict[str, Any]

    @classmethod
    def of_outcome(cls, outcome: ConnectionTestOutcome) -> LastTest:
        error = outcome.error
        if error is None:
            return cls(
                tested_at=utcnow(),
                ok=outcome.ok,
                latency_ms=outcome.latency_ms,
                models=outcome.models,
                error_code=None,
                message_key=OK_MESSAGE_KEY,
                message_params={"latency_ms": outcome.latency_ms},
            )
        # Our parameters only (provider name, status, ...); `detail` holds upstream text.
        params = {k: v for k, v in error.params.items() if isinstance(v, str | int | float | bool)}
        return cls(
            tested_at=utcnow(),
            ok=False,
            latency_ms=outcome.latency_ms,
            models=None,
            error_code=error.code.value,
            message_key=error.message_key,
            message_params=params,
        )

    @classmethod
    def of_row(cls, config: ProviderConfig) -> LastTest | None:
        if config.last_test_at is None or config.last_test_message_key is None:
            return None
        return cls(
            tested_at=config.last_test_at,
            ok=bool(config.last_test_ok),
            latency_ms=config.last_test_latency_ms or 0.0,
            models=config.last_test_models,
            error_code=config.last_test_error_code,
            message_key=config.last_test_message_key,
            message_params=dict(config.last_test_message_params or {}),
        )


def _columns(test: LastTest | None) -> dict[str, Any]:
    names = ("at", "ok", "latency_ms", "models", "error_code", "message_key", "message_params")
    if test is None:
        return {f"last_test_{name}": None for name in names}
    return {
        "last_test_at": test.tested_at,
        "last_test_ok": test.ok,
        "last_test_latency_ms": test.latency_ms,
        "last_test_models": test.models,
        "last_test_error_code": test.error_code,
        "last_test_message_key": test.message_key,
        "last_test_message_params": test.message_params,
    }


async def record_last_test(
    session: AsyncSession, *, config: ProviderConfig, started_at: datetime, test: LastTest
) -> bool:
    """Keep `test` on the config unless the config changed since `started_at` (its
    `updated_at` when the test began): then the result describes settings that are gone.

    `updated_at` is left as it was: a test does not edit the config.
    """
    statement = (
        update(ProviderConfig)
        .where(
            ProviderConfig.id == config.id,
            ProviderConfig.tenant_id == config.tenant_id,
            ProviderConfig.updated_at == started_at,
        )
        .values(**_columns(test), updated_at=ProviderConfig.updated_at)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).rowcount == 1  # type: ignore[attr-defined]


async def run_connection_test(
    session: AsyncSession,
    *,
    runtime: ProviderRuntime,
    outbound: OutboundPolicy,
    tenant_id: str,
    config_id: str,
) -> LastTest:
    """Test the config's connection and keep the result on it (flushed, not committed)."""
    config = await get_scoped(
        session, ProviderConfig, config_id, tenant_id=tenant_id, resource="provider"
    )
    started_at = config.updated_at
    outcome = await test_connection(
        runtime=runtime, outbound=outbound, tenant_id=tenant_id, provider_id=config_id
    )
    test = LastTest.of_outcome(outcome)
    await record_last_test(session, config=config, started_at=started_at, test=test)
    return test


def tested_settings(config: ProviderConfig) -> tuple[Any, ...]:
    """What the config's connection test depends on, key aside (a new key always counts)."""
    options = config.options or {}
    return (
        *(getattr(config, name) for name in TESTED_FIELDS),
        *(options.get(name) for name in TESTED_OPTIONS),
    )


def clear_last_test(config: ProviderConfig) -> None:
    """Forget the config's last test (its tested settings changed)."""
    for name, value in _columns(None).items():
        setattr(config, name, value)
