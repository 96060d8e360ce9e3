"""The long-lived collaborators the app factory creates in its lifespan and injects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from turnout.annotation.service import Preannotation
from turnout.configs.provider_configs import ConfigDeps
from turnout.configs.runtime import ProviderRuntime
from turnout.gateway.switcher import Switcher
from turnout.gateway.usage import UsageRecorder
from turnout.health import HealthMonitor
from turnout.i18n import Catalogs
from turnout.jobs.system import JobSystem
from turnout.metrics import GatewayMetrics
from turnout.security.authenticator import Authenticator
from turnout.security.crypto import SecretBox
from turnout.security.outbound import OutboundPolicy
from turnout.security.tokens import SessionTokens
from turnout.settings import Settings
from turnout.state.factory import StateBackends


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    secrets: SecretBox
    tokens: SessionTokens
    authenticator: Authenticator
    catalogs: Catalogs
    outbound: OutboundPolicy
    state: StateBackends
    runtime: ProviderRuntime
    switcher: Switcher
    usage: UsageRecorder
    health: HealthMonitor
    metrics: GatewayMetrics
    jobs: JobSystem
    preannotation: Preannotation
    # Later parts (state backends, gateway, health monitor…) register themselves here by name.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def config_deps(self) -> ConfigDeps:
        return ConfigDeps(secrets=self.secrets, outbound=self.outbound)
