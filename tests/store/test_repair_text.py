"""`turnout repair-text`: rows holding lone surrogates or invalid UTF-8 become readable again.

Such rows were stored before request text was checked (tests/security/test_bad_unicode.py); here
they are made through SQL, as the old API made them, then repaired.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.gateway.helpers import providers
from tests.test_cli import run
from turnout.security.roles import Role
from turnout.store.repair import repair_text

M = Role.MEMBER


@pytest.fixture
async def lenient(app):
    """A client that gets the 500 the app answers instead of the exception behind it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout.test") as http:
        yield http


async def _break_rows(services, config_id: str, tenant_id: str) -> None:
    """What the old API let through: JSON escapes of lone surrogates, invalid UTF-8 bytes."""
    async with services.engine.begin() as connection:
        await connection.execute(
            text("UPDATE provider_configs SET models = :models, name = CAST(:name AS TEXT) "
                 "WHERE id = :id"),
            {"models": '{"chat": "m\\udc80"}', "name": b"bad\xff", "id": config_id},
        )
        await connection.execute(
            text("UPDATE audit_log SET after = :after WHERE tenant_id = :tenant"),
            {"after": '{"name": "x\\ud800"}', "tenant": tenant_id},
        )


async def test_repair_text_makes_broken_rows_readable_again(
    lenient, tenant, upstream, services
):
    setup = await providers(lenient, tenant, upstream, "openai")
    if services.engine.dialect.name != "sqlite":
        with pytest.raises(DBAPIError):  # PostgreSQL refuses such text: nothing can be broken
            await _break_rows(services, setup.ids["openai"], tenant.id)
        assert await repair_text(services.engine, dry_run=False) == []
        return
    await _break_rows(services, setup.ids["openai"], tenant.id)
    lists = [("/admin/config/llm", Role.ADMIN), ("/v1/models", M), ("/api/v1/audit", Role.ADMIN)]
    for path, role in lists:
        assert (await lenient.get(path, headers=tenant.headers(role))).status_code == 500

    dry = await repair_text(services.engine, dry_run=True)
    assert {(r.table, r.column) for r in dry} == {
        ("provider_configs", "models"), ("provider_configs", "name"), ("audit_log", "after")
    }
    assert (await lenient.get("/admin/config/llm", headers=tenant.headers())).status_code == 500

    assert len(await repair_text(services.engine, dry_run=False)) == len(dry)
    for path, role in lists:
        assert (await lenient.get(path, headers=tenant.headers(role))).status_code == 200, path
    config = (await lenient.get("/admin/config/llm", headers=tenant.headers())).json()[0]
    assert (config["name"], config["models"]["chat"]) == ("bad\ufffd", "m\ufffd")
    assert await repair_text(services.engine, dry_run=False) == []


def test_the_repair_text_command_prints_what_it_changes(tmp_path):
    assert run(tmp_path, "migrate").returncode == 0
    assert run(tmp_path, "keys", "create", "--tenant", "t", "--name", "k", "--role",
               "admin").returncode == 0
    with sqlite3.connect(tmp_path / "turnout.db") as db:
        db.execute("UPDATE api_keys SET name = CAST(X'6B6579EDB280' AS TEXT)")  # "key\udc80"

    dry = run(tmp_path, "repair-text", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "api_keys.name" in dry.stdout and "'key\\udc80' -> 'key\\ufffd'" in dry.stdout
    assert "would repair 1 value(s)" in dry.stderr

    done = run(tmp_path, "repair-text")
    assert done.returncode == 0 and "repaired 1 value(s)" in done.stderr
    with sqlite3.connect(tmp_path / "turnout.db") as db:
        assert db.execute("SELECT name FROM api_keys").fetchone() == ("key\ufffd",)
    assert "repaired 0 value(s)" in run(tmp_path, "repair-text").stderr


def test_the_command_is_listed():
    listed = subprocess.run(
        [sys.executable, "-m", "turnout.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "repair-text" in listed.stdout
