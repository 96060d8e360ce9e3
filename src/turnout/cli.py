"""The `turnout` command line."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
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
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Migrate the database, make sure an admin exists, and serve the API."""
    import uvicorn

    from turnout.logging_setup import configure_logging
    from turnout.serving_processes import reuse_port_supported, serve_workers

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
        # Turnout logs each request itself (TURNOUT_ACCESS_LOG), with tenant and key ids.
        "access_log": False,
        "loop": "uvloop",
        # httptools with a bounded request head (uvicorn bounds it only for h11).
        "http": "turnout.serving_protocol:BoundedHttpToolsProtocol",
        **proxy_options(settings),
    }
    if processes > 1 and reuse_port_supported():
        try:
            serve_workers(uvicorn.Config("turnout.app:create_app", **options))
        except OSError as exc:
            where = f"{options['host']}:{options['port']}"
            raise click.ClickException(f"cannot listen on {where}: {exc.strerror or exc}") from exc
    else:
        uvicorn.run("turnout.app:create_app", **options)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's handling of X-Forwarded-For: off unless TURNOUT_TRUSTED_PROXIES names proxies.

    Failed logins are throttled per client address, so a header any client can write must not
    choose it; behind a trusted proxy, uvicorn takes the address the proxy forwards instead.
    """
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


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


@main.command("repair-text")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
def repair_text(dry_run: bool) -> None:
    """Replace lone surrogates and invalid UTF-8 in stored text with U+FFFD, printing each."""
    from turnout.store.db import create_engine
    from turnout.store.repair import Repair
    from turnout.store.repair import repair_text as repair

    async def work(settings: Settings) -> list[Repair]:
        engine = create_engine(settings.database_url)
        try:
            return await repair(engine, dry_run=dry_run)
        finally:
            await engine.dispose()

    repairs = _run(work)
    for done in repairs:
        click.echo(f"{done.table}.{done.column} [{done.key}]: {done.before} -> {done.after}")
    verb = "would repair" if dry_run else "repaired"
    click.echo(f"{verb} {len(repairs)} value(s)", err=True)


@main.command()
@click.option(
    "--metrics-port", type=click.IntRange(0, 65535), default=None,
    help="Serve this worker's /metrics on the port (default TURNOUT_WORKER_METRICS_PORT; 0 off).",
)
def worker(metrics_port: int | None) -> None:
    """Run batch-job items from the queue (needs TURNOUT_JOB_RUNNER=queue and PostgreSQL)."""
    from turnout.logging_setup import configure_logging
    from turnout.worker_process import run_worker

    async def work(settings: Settings) -> None:
        if metrics_port is not None:
            settings = settings.model_copy(update={"worker_metrics_port": metrics_port})
        if settings.job_runner != "queue":
            raise click.ClickException(
                "turnout worker runs queued jobs: set TURNOUT_JOB_RUNNER=queue (with "
                "PostgreSQL); by default the serving processes run jobs themselves"
            )
        configure_logging(settings.log_level)
        await run_worker(settings)

    _run(work)


@main.command("fake-upstream")
@click.option("--host", default="127.0.0.1", help="Interface to bind.")
@click.option("--port", default=8900, type=int, help="Port (0 picks a free one).")
def fake_upstream(host: str, port: int) -> None:
    """Serve the fake upstream that speaks every provider dialect (for demos and benchmarks)."""
    from turnout.fakeupstream import run_standalone
    from turnout.logging_setup import configure_logging

    configure_logging("INFO")
    run_standalone(host=host, port=port)


@main.group()
def batch() -> None:
    """Batch jobs on a running Turnout, through its HTTP API.

    Exit status of run and status --follow: 0 every item completed, 3 some items failed,
    4 the job failed or was cancelled, 130 left running after Ctrl-C, 1 an error.
    """


def _turnout_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Where Turnout is and the API key to use: client-side, not the server's settings."""
    command = click.option(
        "--api-key", envvar="TURNOUT_API_KEY", show_envvar=True, default=None,
        help="A tk-… API key (member or admin to submit and cancel).",
    )(command)
    return click.option(
        "--url", envvar="TURNOUT_URL", show_envvar=True, default="http://127.0.0.1:8000",
        show_default=True, help="Where Turnout serves.",
    )(command)


@batch.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Results file (default: <FILE stem>.results.jsonl beside FILE).",
)
@click.option("--provider-id", default=None, help="Provider for lines that name none.")
@click.option("--model", default=None, help="Model for lines that name none.")
@click.option("--client-key", default=None, help="Sending again with it follows the same job.")
@_turnout_options
def batch_run(
    file: Path, out: Path | None, provider_id: str | None, model: str | None,
    client_key: str | None, url: str, api_key: str | None,
) -> None:
    """Submit FILE (JSON lines, each like a generate body), follow it, write its results."""
    from turnout.batchcli import commands

    options = {"provider_id": provider_id, "model": model, "client_key": client_key}
    query = {name: value for name, value in options.items() if value is not None}
    commands.run(commands.target(url, api_key), file, out=out, query=query)


@batch.command("status")
@click.argument("job_id")
@click.option("--follow", "keep_following", is_flag=True, help="Show live progress to the end.")
@_turnout_options
def batch_status(job_id: str, keep_following: bool, url: str, api_key: str | None) -> None:
    """Show a job's status and progress."""
    from turnout.batchcli import commands

    commands.status(commands.target(url, api_key), job_id, keep_following=keep_following)


@batch.command("results")
@click.argument("job_id")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="File to write (default: standard output).",
)
@_turnout_options
def batch_results(job_id: str, out: Path | None, url: str, api_key: str | None) -> None:
    """Write a job's results as JSON lines."""
    from turnout.batchcli import commands

    commands.results(commands.target(url, api_key), job_id, out=out)


@batch.command("cancel")
@click.argument("job_id")
@_turnout_options
def batch_cancel(job_id: str, url: str, api_key: str | None) -> None:
    """Cancel a job: finished items are kept, the rest cancelled."""
    from turnout.batchcli import commands

    commands.cancel(commands.target(url, api_key), job_id)


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
