"""Repair stored text that cannot be read back: lone surrogates and invalid UTF-8.

Before request bodies were checked for real Unicode, a JSON escape such as `"\\udc80"` could
reach the database: SQLite keeps JSON columns as text, escape and all, and keeps whatever bytes
a TEXT column is given. Every read of such a row failed from then on (orjson refuses to write a
lone surrogate, the driver to decode invalid UTF-8), so whole lists answered 500 for good.
PostgreSQL refuses both on the way in; there the scan finds nothing.

`repair_text` reads every text and JSON column of every table in its stored form (bytes on
SQLite), replaces each offending code point with U+FFFD (a surrogate stored as three bytes
counts as one code point) and writes the values back in one transaction, unless `dry_run`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Table, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from turnout.store.models import Base

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNCHANGED = object()


@dataclass(frozen=True, slots=True)
class Repair:
    """One repaired value: where it is and what it was (both shown as ASCII)."""

    table: str
    column: str
    key: str
    before: str
    after: str


async def repair_text(engine: AsyncEngine, *, dry_run: bool) -> list[Repair]:
    """Every value holding a lone surrogate or invalid UTF-8, repaired unless `dry_run`."""
    repairs: list[Repair] = []
    async with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            repairs += await _repair_table(connection, table, dry_run=dry_run)
        if dry_run:
            await connection.rollback()
    return repairs


def _text_columns(table: Table) -> list[Any]:
    return [
        column
        for column in table.columns
        if not column.primary_key and isinstance(column.type, String | Text | JSON)
    ]


async def _repair_table(
    connection: AsyncConnection, table: Table, *, dry_run: bool
) -> list[Repair]:
    columns = _text_columns(table)
    if not columns:
        return []
    keys = list(table.primary_key.columns)
    sqlite = connection.dialect.name == "sqlite"
    stored = [_stored_form(column, sqlite=sqlite) for column in columns]
    repairs: list[Repair] = []
    rows = await connection.stream(select(*keys, *stored))
    fixes: list[tuple[dict[str, Any], dict[str, Any]]] = []
    async for row in rows:
        where = {key.name: row[i] for i, key in enumerate(keys)}
        changed: dict[str, Any] = {}
        for offset, column in enumerate(columns):
            raw = row[len(keys) + offset]
            fixed = _repaired(raw, json_column=isinstance(column.type, JSON))
            if fixed is not _UNCHANGED:
                changed[column.name] = fixed
                repairs.append(_described(table, column.name, where, raw, fixed))
        if changed:
            fixes.append((where, changed))
    if not dry_run:
        for where, changed in fixes:
            condition = [table.c[name] == value for name, value in where.items()]
            await connection.execute(table.update().where(*condition).values(**changed))
    return repairs


def _stored_form(column: Any, *, sqlite: bool) -> ColumnElement[Any]:
    """The column as stored: bytes on SQLite (its driver would fail to decode bad text)."""
    return cast(column, LargeBinary if sqlite else Text).label(column.name)


def _repaired(raw: bytes | str | None, *, json_column: bool) -> Any:
    """The repaired value of a stored one, or _UNCHANGED."""
    if raw is None:
        return _UNCHANGED
    text, text_changed = _decoded(raw)
    if not json_column:
        return text if text_changed else _UNCHANGED
    try:
        value = json.loads(text)
    except ValueError:
        return _UNCHANGED  # not JSON at all: nothing this command knows how to repair
    fixed, value_changed = _without_surrogates(value)
    return fixed if (text_changed or value_changed) else _UNCHANGED


def _decoded(raw: bytes | str) -> tuple[str, bool]:
    """(text with every lone surrogate and invalid byte replaced, whether any was)."""
    text = _as_text(raw)
    fixed = _SURROGATE.sub(REPLACEMENT, text)
    return fixed, fixed != text or _invalid_utf8(raw)


def _as_text(raw: bytes | str) -> str:
    """`raw` as text; a surrogate written as UTF-8's three bytes stays one code point."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def _invalid_utf8(raw: bytes | str) -> bool:
    if isinstance(raw, str):
        return False
    try:
        raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return True
    return False


def _without_surrogates(value: Any) -> tuple[Any, bool]:
    """`value` (parsed JSON) with lone surrogates replaced in every string and key."""
    if isinstance(value, str):
        fixed = _SURROGATE.sub(REPLACEMENT, value)
        return fixed, fixed != value
    if isinstance(value, list):
        items = [_without_surrogates(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if isinstance(value, dict):
        pairs = [(_without_surrogates(k), _without_surrogates(v)) for k, v in value.items()]
        fixed_dict = {k: v for (k, _), (v, _) in pairs}
        return fixed_dict, any(kc or vc for (_, kc), (_, vc) in pairs)
    return value, False


def _described(table: Table, column: str, where: dict[str, Any], raw: Any, fixed: Any) -> Repair:
    after = fixed if isinstance(fixed, str) else json.dumps(fixed, ensure_ascii=False)
    key = ",".join(f"{name}={value}" for name, value in where.items())
    # An invalid byte shows as \xff: U+FFFD would hide what was there.
    before = raw.decode("utf-8", "backslashreplace") if _invalid_utf8(raw) else _as_text(raw)
    return Repair(table.name, column, key, _shown(before), _shown(after))


def _shown(text: str, limit: int = 80) -> str:
    shown = ascii(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
