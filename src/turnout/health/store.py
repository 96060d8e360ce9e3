"""Health rows in the database, shared by every replica.

Writes are compare-and-set on the stored status: a row is written only while it still holds
the status the writer last knew. So when two replicas see the same provider fail, one of them
wins the transition (and alerts); the other learns the outcome when it next reads.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.health.status import HealthState, HealthStatus
from turnout.health.tracker import ProviderRef, StoredHealth
from turnout.store.models import ProviderConfig, ProviderHealth
from turnout.store.types import utcnow

CHUNK = 500
_STATE_COLUMNS = (
    "consecutive_failures", "consecutive_successes", "latency_ms", "last_check_at",
    "last_success_at", "last_error",
)


@dataclass(frozen=True, slots=True)
class HealthWrite:
    """Store `state` for `ref` if the row still has status `expected` (or does not exist)."""

    ref: ProviderRef
    state: HealthState
    expected: HealthStatus


class HealthRecords:
    """Reads and conditional writes of `provider_health`, joined with the provider configs."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def enabled(self) -> list[ProviderRef]:
        """Every enabled provider config of every tenant."""
        async with self._sessions() as session:
            rows = await session.execute(_ref_columns().where(ProviderConfig.enabled.is_(True)))
            return [_ref(row) for row in rows]

    async def load(self, provider_ids: Collection[str] | None = None) -> list[StoredHealth]:
        """Every provider (or those named) with its stored state, None when never stored."""
        query = _ref_columns().add_columns(ProviderHealth).outerjoin(
            ProviderHealth, ProviderHealth.provider_id == ProviderConfig.id
        )
        async with self._sessions() as session:
            if provider_ids is None:
                return [_stored(row) for row in await session.execute(query)]
            found: list[StoredHealth] = []
            for chunk in _chunks(list(provider_ids)):
                rows = await session.execute(query.where(ProviderConfig.id.in_(chunk)))
                found.extend(_stored(row) for row in rows)
            return found

    async def save(self, writes: Sequence[HealthWrite]) -> list[bool]:
        """Apply, in order, the writes whose row still has the expected status; which did."""
        if not writes:
            return []
        async with self._sessions() as session:
            existing = await _existing_ids(session, [w.ref.id for w in writes])
        # A transaction of its own that begins by writing: on SQLite a read-then-write
        # transaction fails when another writer commits in between.
        async with self._sessions() as session:
            dialect = session.get_bind().dialect.name
            done = [
                write.ref.id in existing and await _write(session, dialect, write)
                for write in writes
            ]
            await session.commit()
        return done


async def tenant_health(session: AsyncSession, *, tenant_id: str) -> list[StoredHealth]:
    """The tenant's providers by name, each with its stored state."""
    query = (
        _ref_columns().add_columns(ProviderHealth)
        .outerjoin(ProviderHealth, ProviderHealth.provider_id == ProviderConfig.id)
        .where(ProviderConfig.tenant_id == tenant_id)
        .order_by(ProviderConfig.name)
    )
    return [_stored(row) for row in await session.execute(query)]


async def _write(session: AsyncSession, dialect: str, write: HealthWrite) -> bool:
    values = as_columns(write.ref, write.state)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProviderHealth).values(**values)
        .on_conflict_do_update(
            index_elements=[ProviderHealth.provider_id],
            set_={k: v for k, v in values.items() if k != "provider_id"},
            where=ProviderHealth.status == write.expected,
        )
        .returning(ProviderHealth.provider_id)
    )
    return (await session.execute(statement)).first() is not None


def as_columns(ref: ProviderRef, state: HealthState) -> dict[str, Any]:
    """The row for `state`."""
    values = {name: getattr(state, name) for name in _STATE_COLUMNS}
    return {
        "provider_id": ref.id, "tenant_id": ref.tenant_id, "status": state.status,
        "updated_at": state.updated_at or utcnow(), **values,
    }


async def _existing_ids(session: AsyncSession, ids: list[str]) -> set[str]:
    """Providers deleted meanwhile have no row to write (their health went with them)."""
    existing: set[str] = set()
    for chunk in _chunks(ids):
        rows = await session.execute(select(ProviderConfig.id).where(ProviderConfig.id.in_(chunk)))
        existing.update(rows.scalars())
    return existing


def _ref_columns() -> Any:
    return select(
        ProviderConfig.id, ProviderConfig.tenant_id, ProviderConfig.name,
        ProviderConfig.provider_type, ProviderConfig.enabled,
    )


def _ref(row: Row[Any]) -> ProviderRef:
    return ProviderRef(row.id, row.tenant_id, row.name, row.provider_type, bool(row.enabled))


def _stored(row: Row[Any]) -> StoredHealth:
    stored: ProviderHealth | None = row.ProviderHealth
    if stored is None:
        return _ref(row), None
    state = HealthState(
        status=stored.status,  # type: ignore[arg-type]
        updated_at=stored.updated_at,
        **{name: getattr(stored, name) for name in _STATE_COLUMNS},
    )
    return _ref(row), state


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
