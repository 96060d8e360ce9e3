"""The one settings class: every knob is a `TURNOUT_*` environment variable."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values that must never protect a production deployment.
KNOWN_WEAK_SECRETS = frozenset({"", "changeme", "change-me", "secret", "turnout", "development"})
MIN_PRODUCTION_SECRET_LENGTH = 32
SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name


class SettingsError(ValueError):
    """The environment describes a deployment that must not start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TURNOUT_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: Annotated[list[str], NoDecode] = Field(default_factory=list)
    admin_password: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    health_interval_s: float = Field(default=60.0, gt=0)
    health_failure_threshold: int = Field(default=3, ge=1)  # consecutive failures → unhealthy
    health_recovery_threshold: int = Field(default=2, ge=1)  # consecutive successes → recovered
    health_degraded_latency_ms: float = Field(default=5000.0, gt=0)  # slower checks → degraded
    outbound_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    jwt_ttl_s: int = 3600

    @field_validator("secret_key", "outbound_allowlist", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @model_validator(mode="after")
    def _defaults_from_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'turnout.db'}"
        return self

    @property
    def is_development(self) -> bool:
        return self.env != "production"

    def resolved_secret_keys(self) -> list[str]:
        """Secret keys, newest first; outside production one is generated once and kept."""
        keys = [k for k in self.secret_key if k]
        if not self.is_development:
            if not keys:
                raise SettingsError("TURNOUT_SECRET_KEY must be set in production")
            weak = [k for k in keys if k.lower() in KNOWN_WEAK_SECRETS]
            short = [k for k in keys if len(k) < MIN_PRODUCTION_SECRET_LENGTH]
            if weak or short:
                raise SettingsError(
                    "TURNOUT_SECRET_KEY holds a default or short value "
                    f"(at least {MIN_PRODUCTION_SECRET_LENGTH} characters required in production)"
                )
            return keys
        return keys or [self._generated_secret_key()]

    def _generated_secret_key(self) -> str:
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        # The data directory holds the key and the embedded database: owner-only.
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            # Owner-only from creation: never briefly world-readable.
            path.touch(mode=0o600, exist_ok=False)
        except FileExistsError:  # another process won the race; use its key
            return path.read_text().strip()
        path.write_text(key + "\n")
        return key
