"""The app factory: builds every collaborator in the lifespan, injects it, tears it down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.abc import AbstractResolver
from fastapi import FastAPI

from turnout.annotation.client_jobs import KIND
from turnout.annotation.service import Preannotation
from turnout.api.docs import install_docs
from turnout.api.errors import install_error_handlers
from turnout.api.limits import InputLimits, document_refusals
from turnout.api.middleware import RequestIdMiddleware
from turnout.api.plain import add_plain_routes
from turnout.api.routes import (
    audit,
    auth,
    health,
    jobs,
    keys,
    llm,
    llm_config,
    metrics,
    ml_backend,
    openai_batches,
    openai_compat,
    openai_files,
    preannotation,
    probes,
    provider_configs,
    users,
)
from turnout.configs.runtime import ProviderRuntime
from turnout.console.serving import install_console
from turnout.container import Services
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.events import ObserverGroup
from turnout.gateway.pricing import PriceBook
from turnout.gateway.switcher import GatewayDeps, Switcher
from turnout.gateway.usage import UsageRecorder
from turnout.health import create_health_monitor
from turnout.i18n import load_catalogs
from turnout.jobs.factory import create_job_system
from turnout.logging_setup import configure_logging
from turnout.metrics import GatewayMetrics
from turnout.metrics.limits import MeteredLimits
from turnout.metrics.observer import MetricsObserver
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
METRICS_FLUSH_INTERVAL_S = 1.0


async def build_services(
    settings: Settings, *, resolver: AbstractResolver | None = None
) -> Services:
    """Create and start the long-lived collaborators; `resolver` replaces the system's DNS."""
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    secret_box = SecretBox(settings.resolved_secret_keys())
    tokens = SessionTokens(secret_box.signing_keys, settings.jwt_ttl_s)
    state = await create_state(settings.redis_url)
    outbound = OutboundPolicy(
        settings.outbound_allowlist,
        private_networks=settings.private_networks,
        tenant_modes=settings.tenant_deployment_modes,
        resolver=resolver,
    )
    runtime = ProviderRuntime(sessions, secret_box, state.events, outbound)
    await runtime.start()
    meters = GatewayMetrics()
    usage = UsageRecorder(sessions, on_backlog=meters.usage_rows_pending.set)
    await usage.start()
    catalogs = load_catalogs()
    monitor = create_health_monitor(
        settings, sessions=sessions, runtime=runtime, state=state, outbound=outbound,
        catalogs=catalogs, metrics=meters,
    )
    circuit = CircuitBreaker()
    switcher = Switcher(runtime, GatewayDeps(
        cache=state.cache, limits=MeteredLimits(state.limiter, meters), circuit=circuit,
        prices=PriceBook(sessions),
        observer=ObserverGroup(usage, MetricsObserver(meters), monitor.observer()),
        is_unhealthy=monitor.tracker.is_unhealthy,
    ))
    meters.watch(health=monitor.tracker, circuit=circuit,
                 provider_type_of=monitor.tracker.provider_type)
    await monitor.start()
    preannotation = Preannotation(
        sessions=sessions, switcher=switcher, runtime=runtime, secrets=secret_box,
        outbound=outbound, prices=PriceBook(sessions),
        concurrency=settings.preannotation_concurrency, limit_share=settings.job_limit_share,
    )
    jobs = create_job_system(
        settings, sessions=sessions, switcher=switcher, metrics=meters, locks=state.locks,
        executors={KIND: preannotation.items},
    )
    preannotation.attach(jobs)
    await jobs.start()
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
        jobs=jobs,
        preannotation=preannotation,
    )


async def close_services(services: Services) -> None:
    """Stop the collaborators in the reverse order of need, writing what is buffered."""
    await services.jobs.close()
    await services.preannotation.close()
    await services.health.close()
    with contextlib.suppress(Exception):
        await services.authenticator.flush_last_used()
    await services.usage.close()
    await services.runtime.close()
    await services.state.close()
    await services.engine.dispose()
    services.metrics.close()


async def _flush_periodically(services: Services) -> None:
    while True:
        await asyncio.sleep(LAST_USED_FLUSH_INTERVAL_S)
        try:
            await services.authenticator.flush_last_used()
        except Exception:  # a database hiccup must not end the loop
            log.warning("could not record API key last-used times; will retry", exc_info=True)


async def flush_metrics_periodically(services: Services) -> None:
    while True:
        await asyncio.sleep(METRICS_FLUSH_INTERVAL_S)
        services.metrics.flush()


def create_app(
    settings: Settings | None = None, *, resolver: AbstractResolver | None = None
) -> FastAPI:
    """A Turnout ASGI app; `settings` defaults to the environment, `resolver` (tests) to DNS."""
    settings = settings or Settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await build_services(settings, resolver=resolver)
        app.state.services = services
        flushers = [
            asyncio.create_task(_flush_periodically(services)),
            asyncio.create_task(flush_metrics_periodically(services)),
        ]
        if settings.env != "test":
            tune_for_serving()
        try:
            yield
        finally:
            for flusher in flushers:
                flusher.cancel()
            await asyncio.gather(*flushers, return_exceptions=True)
            await close_services(services)

    app = FastAPI(
        title="Turnout",
        version="0.1.0",
        lifespan=lifespan,
        # Operation ids are the endpoint functions' names: stable, and what generated clients
        # call their methods.
        generate_unique_id_function=lambda route: route.name,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
        # Per-request tracing hooks cost ~5 % of the hot path and nothing here exports them.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_error_handlers(app)
    # Routes are matched in order: the request path's plain routes go first.
    add_plain_routes(app, llm.hot, openai_compat.hot)
    routers = (
        llm.router, openai_compat.router, jobs.router, auth.router, keys.router, users.router,
        audit.router, provider_configs.router, llm_config.router, health.router, probes.router,
        metrics.router, openai_files.router, openai_batches.router, ml_backend.router,
        preannotation.router,
    )
    for router in routers:
        app.include_router(router)
    install_docs(app)
    document_refusals(app)
    # Inside the middlewares below: console files get request ids and the access log too.
    install_console(app, settings.console_dir)
    # Added last, so outermost: every answer (the refusals of InputLimits too) has an id.
    app.add_middleware(InputLimits)
    app.add_middleware(RequestIdMiddleware, log_access=settings.access_log)
    return app
