"""Writing many rows of one table at once, cheaply for the event loop that sends them.

On SQLite the rows travel as one JSON array in one statement (`INSERT … SELECT … FROM
json_each(?)`). The driver runs SQLite in a thread that needs the interpreter lock again after
every executed statement; `executemany` executes one statement per row, and while the event
loop is busy serving requests each of those hand-overs waits, so a batch of a thousand rows
could take seconds. One statement per batch hands over once. Values are converted by the
columns' own types first, so what is stored is exactly what the ORM would store.

Other databases get a plain Core `executemany` (asyncpg pipelines it on the event loop itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Table, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection


class BulkInsert:
    """Inserts rows (mappings of column key → value) into `table`."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._insert = insert(table)
        columns = list(table.columns)
        self._keys = [c.key for c in columns]
        self._defaults = {
            c.key: c.default.arg  # type: ignore[attr-defined]
            for c in columns
            if c.default is not None and getattr(c.default, "is_scalar", False)
        }
        self._required = {
            c.key for c in columns if c.default is not None and c.key not in self._defaults
        }
        selected = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
        names = ", ".join(f'"{c.name}"' for c in columns)
        # Built from the table's own column names, never from input.
        self._sqlite = text(
            f'INSERT INTO "{table.name}" ({names}) SELECT {selected} FROM json_each(:rows)'  # noqa: S608
        )
        self._processors: dict[str, list[Callable[[Any], Any] | None]] = {}

    async def __call__(
        self, connection: AsyncConnection, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        if not rows:
            return
        for row in rows:
            if not self._required.issubset(row):
                missing = sorted(self._required.difference(row))
                raise ValueError(f"{self.table.name} row without {missing}")
        dialect = connection.dialect
        if dialect.name != "sqlite":
            await connection.execute(self._insert, list(rows))
            return
        await connection.execute(self._sqlite, {"rows": self._json(rows, dialect)})

    def _json(self, rows: Sequence[Mapping[str, Any]], dialect: Dialect) -> str:
        processors = self._processors_for(dialect)
        keys, defaults = self._keys, self._defaults
        table = []
        for row in rows:
            values = []
            for key, process in zip(keys, processors, strict=True):
                value = row[key] if key in row else defaults.get(key)
                if process is not None and value is not None:
                    value = process(value)
                values.append(value)
            table.append(values)
        return orjson.dumps(table).decode()

    def _processors_for(self, dialect: Dialect) -> list[Callable[[Any], Any] | None]:
        found = self._processors.get(dialect.name)
        if found is None:
            found = self._processors[dialect.name] = [
                c.type.dialect_impl(dialect).bind_processor(dialect) for c in self.table.columns
            ]
        return found
