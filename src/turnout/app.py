"""The app factory: builds every collaborator in the lifespan, injects it, tears it down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from turnout.api.errors import install_error_handlers
from turnout.api.middleware import RequestIdMiddleware
from turnout.api.routes import (
    audit,
    auth,
    keys,
    llm,
    llm_config,
    openai_compat,
    probes,
    provider_configs,
    users,
)
from turnout.container import Services
from turnout.gateway.circuit import CircuitBreaker
from turnout.gateway.limits import Limits
from turnout.gateway.pricing import PriceBook
from turnout.gateway.switcher import GatewayDeps, Switcher
from turnout.gateway.usage import UsageRecorder
from turnout.i18n import load_catalogs
from turnout.logging_setup import configure_logging
from turnout.security.authenticator import Authenticator
from turnout.configs.runtime import ProviderRuntime
from turnout.security.crypto import SecretBox
from turnout.security.outbound import OutboundPolicy
from turnout.security.tokens import SessionTokens
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
    usage = UsageRecorder(sessions)
    await usage.start()
    switcher = Switcher(runtime, GatewayDeps(
        cache=state.cache, limits=Limits(state.limiter), circuit=CircuitBreaker(), usage=usage,
        prices=PriceBook(sessions),
    ))
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        secrets=secret_box,
        tokens=tokens,
        authenticator=Authenticator(sessions, tokens),
        catalogs=load_catalogs(),
        outbound=OutboundPolicy(settings.outbound_allowlist),
        state=state,
        runtime=runtime,
        switcher=switcher,
        usage=usage,
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
        try:
            yield
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            with contextlib.suppress(Exception):
                await services.authenticator.flush_last_used()
            await services.usage.close()
            await services.runtime.close()
            await services.state.close()
            await services.engine.dispose()

    app = FastAPI(
        title="Turnout",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    routers = (auth, keys, users, audit, provider_configs, llm_config, llm, openai_compat, probes)
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(RequestIdMiddleware)
    return app
