"""The provider catalog, tenant routing and activation, and the model registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from turnout.api.deps import CurrentAdmin, CurrentViewer, LocaleDep, ServicesDep, SessionDep
from turnout.api.schemas.catalog import ProviderTypePublic
from turnout.api.schemas.errors import error_responses
from turnout.api.schemas.providers import ModelEntryCreate, ModelEntryPublic, RoutingBody
from turnout.configs import model_registry
from turnout.configs.routing import Routing, activate_provider, get_routing, set_routing
from turnout.providers import catalog_as_json

router = APIRouter(prefix="/api/v1/llm", tags=["llm configuration"])


@router.get("/methods", response_model=list[ProviderTypePublic])
async def list_methods(locale: LocaleDep) -> list[dict[str, Any]]:
    """Every provider type with its fields, defaults and capabilities, localised."""
    return catalog_as_json(locale)


@router.get("/routing", response_model=RoutingBody, responses=error_responses(401, 403))
async def read_routing(principal: CurrentAdmin, session: SessionDep) -> RoutingBody:
    routing = await get_routing(session, tenant_id=principal.tenant_id)
    return RoutingBody(**routing.as_dict())


@router.put("/routing", response_model=RoutingBody, responses=error_responses(401, 403, 422))
async def replace_routing(
    body: RoutingBody, principal: CurrentAdmin, session: SessionDep, services: ServicesDep
) -> RoutingBody:
    routing = await set_routing(
        session,
        tenant_id=principal.tenant_id,
        principal=principal,
        routing=Routing(
            body.active_provider_id, tuple(body.fallback_provider_ids), body.fallback_for_pinned
        ),
    )
    await session.commit()
    await services.runtime.changed(tenant_id=principal.tenant_id)
    return RoutingBody(**routing.as_dict())


@router.post(
    "/providers/{provider_id}/activate",
    response_model=RoutingBody,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def activate(
    provider_id: str, principal: CurrentAdmin, session: SessionDep, services: ServicesDep
) -> RoutingBody:
    routing = await activate_provider(
        session, tenant_id=principal.tenant_id, provider_id=provider_id, principal=principal
    )
    await session.commit()
    await services.runtime.changed(tenant_id=principal.tenant_id)
    return RoutingBody(**routing.as_dict())


@router.get(
    "/models",
    response_model=list[ModelEntryPublic],
    responses=error_responses(401, 403, 422),
)
async def list_models(
    principal: CurrentViewer, session: SessionDep, provider_type: str | None = None
) -> list[dict[str, Any]]:
    return await model_registry.list_models(
        session, tenant_id=principal.tenant_id, provider_type=provider_type
    )


@router.post(
    "/models",
    response_model=ModelEntryPublic,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 422),
)
async def add_model(
    body: ModelEntryCreate, principal: CurrentAdmin, session: SessionDep
) -> ModelEntryPublic:
    row = await model_registry.add_model(
        session, tenant_id=principal.tenant_id, values=body.model_dump(), principal=principal
    )
    await session.commit()
    return ModelEntryPublic(**body.model_dump(), id=row.id, builtin=False)


@router.delete(
    "/models/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 422),
)
async def delete_model(entry_id: str, principal: CurrentAdmin, session: SessionDep) -> Response:
    await model_registry.delete_model(
        session, tenant_id=principal.tenant_id, entry_id=entry_id, principal=principal
    )
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
