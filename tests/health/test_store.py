"""Health rows in the real database: compare-and-set writes, joins, deleted providers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.api.test_provider_configs import create, payload_for
from turnout.health import HealthState, ProviderRef
from turnout.health.store import HealthRecords, HealthWrite, tenant_health
from turnout.store.models import ProviderHealth

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.usefixtures("paused_monitor")
async def test_only_one_writer_wins_a_transition(client, tenant, upstream, services):
    made = await create(client, tenant, payload_for("openai", upstream))
    ref = ProviderRef(made["id"], tenant.id, made["name"], "openai")
    records = HealthRecords(services.sessions)
    healthy = HealthState(status="healthy", consecutive_successes=1, updated_at=AT)
    assert await records.save([HealthWrite(ref, healthy, "unknown")]) == [True]

    # Two replicas both saw the provider fail; each tries healthy → degraded.
    degraded = HealthState(status="degraded", consecutive_failures=1, last_error="TIMEOUT",
                           updated_at=AT)
    first = await records.save([HealthWrite(ref, degraded, "healthy")])
    second = await records.save([HealthWrite(ref, degraded, "healthy")])
    assert (first, second) == ([True], [False])
    # A replica that missed the change cannot write its stale counters over it either.
    assert await records.save([HealthWrite(ref, healthy, "healthy")]) == [False]

    async with services.sessions() as session:
        row = await session.get(ProviderHealth, ref.id)
    assert row is not None and row.tenant_id == tenant.id
    assert (row.status, row.consecutive_failures, row.last_error) == ("degraded", 1, "TIMEOUT")
    assert row.updated_at == AT
    [(loaded_ref, loaded)] = await records.load([ref.id])
    assert loaded_ref == ref and loaded == degraded


@pytest.mark.usefixtures("paused_monitor")
async def test_a_deleted_provider_is_skipped_and_unstored_ones_load_as_none(
    client, tenant, other_tenant, upstream, services
):
    kept = await create(client, tenant, payload_for("qwen", upstream, name="b-kept"))
    first = await create(client, tenant, payload_for("deepseek", upstream, name="a-first"))
    foreign = await create(client, other_tenant, payload_for("openai", upstream))
    records = HealthRecords(services.sessions)
    gone = ProviderRef("00000000-0000-0000-0000-000000000000", tenant.id, "gone", "openai")
    state = HealthState(status="healthy", updated_at=AT)
    written = await records.save([
        HealthWrite(gone, state, "unknown"),
        HealthWrite(ProviderRef(kept["id"], tenant.id, "b-kept", "qwen"), state, "unknown"),
    ])
    assert written == [False, True]

    rows = await tenant_health_rows(services, tenant.id)
    assert [(ref.name, s.status if s else None) for ref, s in rows] == [
        ("a-first", None), ("b-kept", "healthy"),
    ]
    assert foreign["id"] not in {ref.id for ref, _ in rows}
    assert {ref.id for ref in await records.enabled()} >= {kept["id"], first["id"], foreign["id"]}
    async with services.sessions() as session:
        ids = set((await session.execute(select(ProviderHealth.provider_id))).scalars())
    assert gone.id not in ids


async def tenant_health_rows(services, tenant_id):
    async with services.sessions() as session:
        return await tenant_health(session, tenant_id=tenant_id)
