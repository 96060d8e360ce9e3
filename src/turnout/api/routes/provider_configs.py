"""Admin CRUD of the tenant's provider configs, and their connection test."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from turnout.api.deps import CurrentAdmin, LocaleDep, ServicesDep, SessionDep
from turnout.api.errors import error_body
from turnout.api.schemas.providers import ConnectionTestResult, ProviderPublic, ProviderWrite
from turnout.configs import provider_configs as configs
from turnout.configs.connection_test import test_connection
from turnout.configs.routing import get_routing

router = APIRouter(prefix="/admin/config/llm", tags=["provider configs"])


async def _active_id(session: SessionDep, tenant_id: str) -> str | None:
    return (await get_routing(session, tenant_id=tenant_id)).active_provider_id


@router.get("", response_model=list[ProviderPublic])
async def list_configs(principal: CurrentAdmin, session: SessionDep) -> list[ProviderPublic]:
    rows = await configs.list_provider_configs(session, tenant_id=principal.tenant_id)
    active = await _active_id(session, principal.tenant_id)
    return [ProviderPublic.of(row, active_id=active) for row in rows]


@router.get("/{config_id}", response_model=ProviderPublic)
async def get_config(
    config_id: str, principal: CurrentAdmin, session: SessionDep
) -> ProviderPublic:
    row = await configs.get_provider_config(
        session, tenant_id=principal.tenant_id, config_id=config_id
    )
    return ProviderPublic.of(row, active_id=await _active_id(session, principal.tenant_id))


@router.post("", response_model=ProviderPublic, status_code=status.HTTP_201_CREATED)
async def create_config(
    body: ProviderWrite, principal: CurrentAdmin, session: SessionDep, services: ServicesDep
) -> ProviderPublic:
    row = await configs.create_provider_config(
        session,
        tenant_id=principal.tenant_id,
        payload=body.model_dump(exclude_unset=True),
        principal=principal,
        deps=services.config_deps,
    )
    await session.commit()
    await services.runtime.changed(tenant_id=principal.tenant_id, provider_id=row.id)
    return ProviderPublic.of(row, active_id=await _active_id(session, principal.tenant_id))


@router.put("/{config_id}", response_model=ProviderPublic)
async def update_config(
    config_id: str,
    body: ProviderWrite,
    principal: CurrentAdmin,
    session: SessionDep,
    services: ServicesDep,
) -> ProviderPublic:
    row = await configs.update_provider_config(
        session,
        tenant_id=principal.tenant_id,
        config_id=config_id,
        payload=body.model_dump(exclude_unset=True),
        principal=principal,
        deps=services.config_deps,
    )
    await session.commit()
    await services.runtime.changed(tenant_id=principal.tenant_id, provider_id=row.id)
    return ProviderPublic.of(row, active_id=await _active_id(session, principal.tenant_id))


@router.delete("/{config_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_config(
    config_id: str, principal: CurrentAdmin, session: SessionDep, services: ServicesDep
) -> Response:
    await configs.delete_provider_config(
        session, tenant_id=principal.tenant_id, config_id=config_id, principal=principal
    )
    await session.commit()
    await services.runtime.changed(tenant_id=principal.tenant_id, provider_id=config_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{config_id}/test", response_model=ConnectionTestResult)
async def test_config(
    config_id: str,
    principal: CurrentAdmin,
    session: SessionDep,
    services: ServicesDep,
    locale: LocaleDep,
) -> ConnectionTestResult:
    await configs.get_provider_config(session, tenant_id=principal.tenant_id, config_id=config_id)
    outcome = await test_connection(
        runtime=services.runtime,
        outbound=services.outbound,
        tenant_id=principal.tenant_id,
        provider_id=config_id,
    )
    if outcome.error is None:
        message = services.catalogs.t("provider_test.ok", locale, latency_ms=outcome.latency_ms)
        return ConnectionTestResult(
            ok=outcome.ok, latency_ms=outcome.latency_ms, message=message, models=outcome.models
        )
    rendered = error_body(outcome.error, locale, "")["error"]
    return ConnectionTestResult(
        ok=False,
        latency_ms=outcome.latency_ms,
        error_code=rendered["code"],
        message=rendered["message"],
    )
