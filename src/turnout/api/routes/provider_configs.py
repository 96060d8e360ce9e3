"""Admin CRUD of the tenant's provider configs, and their connection test."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from turnout.api.deps import CurrentAdmin, LocaleDep, ServicesDep, SessionDep
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.providers import ConnectionTestResult, ProviderPublic, ProviderWrite
from turnout.configs import provider_configs as configs
from turnout.configs.last_test import run_connection_test
from turnout.configs.routing import get_routing

router = APIRouter(
    prefix="/admin/config/llm", tags=["provider configs"], responses=error_responses(401, 403)
)


async def _active_id(session: SessionDep, tenant_id: str) -> str | None:
    return (await get_routing(session, tenant_id=tenant_id)).active_provider_id


@router.get("", response_model=list[ProviderPublic])
async def list_configs(
    principal: CurrentAdmin, session: SessionDep, locale: LocaleDep
) -> list[ProviderPublic]:
    rows = await configs.list_provider_configs(session, tenant_id=principal.tenant_id)
    active = await _active_id(session, principal.tenant_id)
    return [ProviderPublic.of(row, active_id=active, locale=locale) for row in rows]


@router.get("/{config_id}", response_model=ProviderPublic, responses=error_responses(404, 422))
async def get_config(
    config_id: str, principal: CurrentAdmin, session: SessionDep, locale: LocaleDep
) -> ProviderPublic:
    row = await configs.get_provider_config(
        session, tenant_id=principal.tenant_id, config_id=config_id
    )
    return ProviderPublic.of(
        row, active_id=await _active_id(session, principal.tenant_id), locale=locale
    )


@router.post(
    "",
    response_model=ProviderPublic,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(422),
)
async def create_config(
    body: ProviderWrite,
    principal: CurrentAdmin,
    session: SessionDep,
    services: ServicesDep,
    locale: LocaleDep,
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
    return ProviderPublic.of(
        row, active_id=await _active_id(session, principal.tenant_id), locale=locale
    )


@router.put("/{config_id}", response_model=ProviderPublic, responses=error_responses(404, 422))
async def update_config(
    config_id: str,
    body: ProviderWrite,
    principal: CurrentAdmin,
    session: SessionDep,
    services: ServicesDep,
    locale: LocaleDep,
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
    return ProviderPublic.of(
        row, active_id=await _active_id(session, principal.tenant_id), locale=locale
    )


@router.delete(
    "/{config_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409, 422),
)
async def delete_config(
    config_id: str, principal: CurrentAdmin, session: SessionDep, services: ServicesDep
) -> Response:
    await configs.delete_provider_config(
        session, tenant_id=principal.tenant_id, config_id=config_id, principal=principal
    )
    await session.commit()
    await services.runtime.changed(tenant_id=principal.tenant_id, provider_id=config_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{config_id}/test",
    response_model=ConnectionTestResult,
    responses=error_responses(404, 422),
)
async def test_config(
    config_id: str,
    principal: CurrentAdmin,
    session: SessionDep,
    services: ServicesDep,
    locale: LocaleDep,
) -> ConnectionTestResult:
    """Test the connection now; the result is also kept and shown as the config's `last_test`."""
    test = await run_connection_test(
        session,
        runtime=services.runtime,
        outbound=services.outbound,
        tenant_id=principal.tenant_id,
        config_id=config_id,
    )
    await session.commit()
    return ConnectionTestResult.of(test, locale=locale)
