"""The one settings class: every knob is a `TURNOUT_*` environment variable."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values that must never protect a production deployment.
KNOWN_WEAK_SECRETS = frozenset({"", "changeme", "change-me", "secret", "turnout", "development"})
MIN_PRODUCTION_SECRET_LENGTH = 32
SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name


DeploymentMode = Literal["cloud", "local", "private"]


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
    # Batch jobs: items run at once per process, the share of each provider's rpm/tpm a job may
    # use (interactive traffic keeps the rest), and how long a worker's claim on an item lasts
    # unless renewed (a dead worker's items are picked up again after this).
    job_concurrency: int = Field(default=16, ge=1, le=1024)
    job_limit_share: float = Field(default=0.8, gt=0, le=1)
    job_lease_s: float = Field(default=30.0, ge=1, le=3600)
    # inline: serving processes run jobs themselves (several replicas share them by lease);
    # queue: they only enqueue, and `turnout worker` processes run them (PostgreSQL only).
    job_runner: Literal["inline", "queue"] = "inline"
    # Tasks an ML backend /predict call pre-annotates at once (Label Studio waits 100 s).
    preannotation_concurrency: int = Field(default=8, ge=1, le=256)
    # Where `turnout worker` serves its own /metrics (item outcomes, requests); 0: it does not.
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    outbound_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Deployment modes tenant admins may pick, and the non-public networks (CIDRs) that local
    # and private modes may reach; cloud mode reaches public addresses only (security/outbound.py).
    tenant_deployment_modes: Annotated[list[DeploymentMode], NoDecode] = Field(
        default_factory=lambda: list(get_args(DeploymentMode)), min_length=1
    )
    private_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"]
    )
    log_level: str = "INFO"
    access_log: bool = True  # one INFO line per request (see api/middleware.py)
    jwt_ttl_s: int = 3600
    # Failed logins allowed per window, per username and per client address, before further
    # attempts are refused unverified; at least 2 (see security/login_throttle.py).
    login_max_failures_per_user: int = Field(default=10, ge=2)
    login_max_failures_per_address: int = Field(default=30, ge=2)
    login_failure_window_s: float = Field(default=900.0, gt=0)
    # Proxies (IPs or CIDRs) whose X-Forwarded-For names the client; empty: the connection does.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The built admin console (index.html and assets/); unset: the one inside the package.
    console_dir: Path | None = None

    @field_validator(
        "secret_key",
        "outbound_allowlist",
        "trusted_proxies",
        "tenant_deployment_modes",
        "private_networks",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("private_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @model_validator(mode="after")
    def _queue_needs_postgresql(self) -> Settings:
        if self.job_runner == "queue" and not self.database_url.startswith("postgresql"):
            raise ValueError("TURNOUT_JOB_RUNNER=queue needs a PostgreSQL TURNOUT_DATABASE_URL")
        return self

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
