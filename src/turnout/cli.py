"""The `turnout` command line."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click

from turnout.settings import Settings, SettingsError

T = TypeVar("T")
ROLES = click.Choice(["admin", "member", "viewer"])


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run one async unit of work against the configured database, then dispose of it."""
    try:
        settings = Settings()
        settings.resolved_secret_keys()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    return asyncio.run(work(settings))


@click.group()
def main() -> None:
    """Turnout: one API over many LLM providers."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default TURNOUT_HOST).")
@click.option("--port", default=None, type=int, help="Port (default TURNOUT_PORT).")
@click.option(
    "--workers", default=None, type=int, help="Worker processes (default TURNOUT_WORKERS)."
)
@click.option("--access-log/--no-access-log", default=False, help="Log every request.")
def serve(host: str | None, port: int | None, workers: int | None, access_log: bool) -> None:
    """Migrate the database, make sure an admin exists, and serve the API."""
    import uvicorn

    from turnout.logging_setup import configure_logging
    from turnout.workers import reuse_port_supported, serve_workers

    settings = _run(_prepare)
    configure_logging(settings.log_level)
    processes = workers or settings.workers
    if processes > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Read by prometheus-client in each worker: /metrics then sums every worker's values.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="turnout-metrics-")
    options: dict[str, Any] = {
        "factory": True,
        "host": host or settings.host,
        "port": port or settings.port,
        "workers": processes,
        "log_config": None,
        "access_log": access_log,
        "loop": "uvloop",
        "http": "httptools",
        # Forwarded headers are not trusted by default; the client address is not used anyway.
        "proxy_headers": False,
    }
    if processes > 1 and reuse_port_supported():
        try:
            serve_workers(uvicorn.Config("turnout.app:create_app", **options))
        except OSError as exc:
            where = f"{options['host']}:{options['port']}"
            raise click.ClickException(f"cannot listen on {where}: {exc.strerror or exc}") from exc
    else:
        uvicorn.run("turnout.app:create_app", **options)


async def _prepare(settings: Settings) -> Settings:
    from turnout.bootstrap import ensure_default_admin
    from turnout.store import migrate
    from turnout.store.db import create_engine, create_session_factory

    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        async with create_session_factory(engine)() as session:
            result = await ensure_default_admin(session, admin_password=settings.admin_password)
    finally:
        await engine.dispose()
    if result.generated_password:
        click.echo(
            "Created tenant 'default' with user 'admin' and password "
            f"{result.generated_password} (shown once; set TURNOUT_ADMIN_PASSWORD to choose it).",
            err=True,
        )
    return settings


@main.command()
@click.option("--downgrade", "down_to", default=None, help="Revision to go down to (e.g. base).")
def migrate(down_to: str | None) -> None:
    """Bring the database schema up to date (or down to a revision)."""
    from turnout.store import migrate as migrations
    from turnout.store.db import create_engine

    async def work(settings: Settings) -> None:
        engine = create_engine(settings.database_url)
        try:
            if down_to:
                await migrations.downgrade(engine, down_to)
            else:
                await migrations.upgrade(engine)
        finally:
            await engine.dispose()

    _run(work)
    click.echo("database at " + (down_to or "head"), err=True)


@main.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--tenant", required=True)
@click.option("--username", required=True)
@click.option("--role", type=ROLES, required=True)
@click.option("--password", default=None, help="Generated and printed once when omitted.")
def users_create(tenant: str, username: str, role: str, password: str | None) -> None:
    """Create a user (and the tenant, when new)."""
    from turnout.accounts.tenants import get_or_create_tenant
    from turnout.accounts.users import create_user
    from turnout.security.roles import Role

    chosen = password or secrets.token_urlsafe(12)

    async def work(session_factory: object) -> None:
        async with session_factory() as session:  # type: ignore[operator]
            row, _ = await get_or_create_tenant(session, name=tenant)
            await create_user(
                session,
                tenant_id=row.id,
                username=username,
                password=chosen,
                role=Role(role),
                principal=None,
            )
            await session.commit()

    _with_sessions(work)
    click.echo(f"created user {username} in tenant {tenant}", err=True)
    if password is None:
        click.echo(chosen)


@main.group()
def keys() -> None:
    """Manage API keys."""


@keys.command("create")
@click.option("--tenant", required=True)
@click.option("--name", required=True)
@click.option("--role", type=ROLES, required=True)
def keys_create(tenant: str, name: str, role: str) -> None:
    """Create an API key and print it (only the key, on stdout, shown once)."""
    from turnout.accounts.api_keys import create_api_key
    from turnout.accounts.tenants import get_or_create_tenant
    from turnout.security.roles import Role

    async def work(session_factory: object) -> str:
        async with session_factory() as session:  # type: ignore[operator]
            row, _ = await get_or_create_tenant(session, name=tenant)
            _, plaintext = await create_api_key(
                session, tenant_id=row.id, name=name, role=Role(role), principal=None
            )
            await session.commit()
            return plaintext

    click.echo(_with_sessions(work))


@main.group("secrets")
def secrets_group() -> None:
    """Manage encryption of stored secrets."""


@secrets_group.command("rotate")
def secrets_rotate() -> None:
    """Re-encrypt every stored provider key under the newest TURNOUT_SECRET_KEY."""
    from turnout.security.crypto import SecretBox
    from turnout.security.rotation import rotate_provider_secrets

    async def work(session_factory: object, settings: Settings) -> int:
        async with session_factory() as session:  # type: ignore[operator]
            return await rotate_provider_secrets(
                session, SecretBox(settings.resolved_secret_keys())
            )

    count = _with_sessions(work, pass_settings=True)
    click.echo(f"re-encrypted {count} provider key(s) under the newest secret key", err=True)


@main.command("fake-upstream")
@click.option("--host", default="127.0.0.1", help="Interface to bind.")
@click.option("--port", default=8900, type=int, help="Port (0 picks a free one).")
def fake_upstream(host: str, port: int) -> None:
    """Serve the fake upstream that speaks every provider dialect (for demos and benchmarks)."""
    from turnout.fakeupstream import run_standalone
    from turnout.logging_setup import configure_logging

    configure_logging("INFO")
    run_standalone(host=host, port=port)


def _with_sessions(work: Callable[..., Awaitable[T]], *, pass_settings: bool = False) -> T:
    from turnout.errors import TurnoutError
    from turnout.store.db import create_engine, create_session_factory

    async def run(settings: Settings) -> T:
        engine = create_engine(settings.database_url)
        try:
            factory = create_session_factory(engine)
            return await (work(factory, settings) if pass_settings else work(factory))
        finally:
            await engine.dispose()

    try:
        return _run(run)
    except TurnoutError as exc:
        raise click.ClickException(f"{exc.code.value}: {exc.details or exc.detail}") from exc


if __name__ == "__main__":
    sys.exit(main())
