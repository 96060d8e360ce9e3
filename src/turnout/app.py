"""The app factory: builds every collaborator in the lifespan, injects it, tears it down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from turnout.api.errors import install_error_handlers
from turnout.api.hot_routes import HotRoutes, lean_endpoints
from turnout.api.lean import add_body_components
from turnout.api.middleware import RequestIdMiddleware
from turnout.api.routes import (
    audit,
    auth,
    health,
    keys,
    llm,
    llm_config,
    metrics,
    openai_compat,
    probes,
    provider_configs,
    users,
)
from turnout.configs.runtime import ProviderRuntime
from turnout.container import Services
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.pricing import PriceBook
from turnout.gateway.switcher import GatewayDeps, Switcher
from turnout.gateway.usage import UsageRecorder
from turnout.health import create_health_monitor
from turnout.i18n import load_catalogs
from turnout.logging_setup import configure_logging
from turnout.metrics import GatewayMetrics
from turnout.metrics.limits import MeteredLimits
from turnout.metrics.observer import MetricsObserver, ObserverGroup
from turnout.security.authenticator import Authenticator
from turnout.security.crypto import SecretBox
from turnout.security.outbound import OutboundPolicy
from turnout.security.tokens import SessionTokens
from turnout.serving import tune_for_serving
from turnout.settings import Settings
from turnout.state.factory import create_state
from turnout.store.db import create_engine, create_session_factory

log = logging.getLogger("turnout")
LAST_USED_FLUSH_INTERVAL_S = 30.0


async def build_services(settings: Settings) -> Services:
    """Create and start the long-lived collaborators."""
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    secret_box = SecretBox(settings.resolved_secret_keys())
    tokens = SessionTokens(secret_box.signing_keys, settings.jwt_ttl_s)
    state = await create_state(settings.redis_url)
    runtime = ProviderRuntime(sessions, secret_box, state.events)
    await runtime.start()
    meters = GatewayMetrics()
    usage = UsageRecorder(sessions, on_backlog=meters.usage_rows_pending.set)
    await usage.start()
    catalogs = load_catalogs()
    outbound = OutboundPolicy(settings.outbound_allowlist)
    monitor = create_health_monitor(
        settings, sessions=sessions, runtime=runtime, state=state, outbound=outbound,
        catalogs=catalogs, metrics=meters,
    )
    circuit = CircuitBreaker()
    switcher = Switcher(runtime, GatewayDeps(
        cache=state.cache, limits=MeteredLimits(state.limiter, meters), circuit=circuit,
        usage=usage, prices=PriceBook(sessions),
        observer=ObserverGroup(MetricsObserver(meters), monitor.observer()),
        is_unhealthy=monitor.tracker.is_unhealthy,
    ))
    meters.watch(health=monitor.tracker, circuit=circuit,
                 provider_type_of=monitor.tracker.provider_type)
    await monitor.start()
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        secrets=secret_box,
        tokens=tokens,
        authenticator=Authenticator(sessions, tokens),
        catalogs=catalogs,
        outbound=outbound,
        state=state,
        runtime=runtime,
        switcher=switcher,
        usage=usage,
        health=monitor,
        metrics=meters,
    )


async def _flush_periodically(services: Services) -> None:
    while True:
        await asyncio.sleep(LAST_USED_FLUSH_INTERVAL_S)
        try:
            await services.authenticator.flush_last_used()
        except Exception:  # a database hiccup must not end the loop
            log.warning("could not record API key last-used times; will retry", exc_info=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A Turnout ASGI app; `settings` defaults to the environment."""
    settings = settings or Settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await build_services(settings)
        app.state.services = services
        flusher = asyncio.create_task(_flush_periodically(services))
        if settings.env != "test":
            tune_for_serving()
        try:
            yield
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await services.health.close()
            with contextlib.suppress(Exception):
                await services.authenticator.flush_last_used()
            await services.usage.close()
            await services.runtime.close()
            await services.state.close()
            await services.engine.dispose()
            services.metrics.close()

    app = FastAPI(
        title="Turnout",
        version="0.1.0",
        lifespan=lifespan,
        # Per-request tracing hooks cost ~5 % of the hot path and nothing here exports them.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_error_handlers(app)
    # Routes are matched in order: the request hot path goes first.
    routers = (
        llm, openai_compat, auth, keys, users, audit, provider_configs, llm_config, health, probes,
        metrics,
    )
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(HotRoutes, endpoints=lean_endpoints(app.routes))
    app.add_middleware(RequestIdMiddleware)  # added last: outermost, so hot routes get ids too
    _document_lean_bodies(app)
    return app


def _document_lean_bodies(app: FastAPI) -> None:
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_body_components(default_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
