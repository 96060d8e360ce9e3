"""API keys of the caller's tenant (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, status

from turnout.accounts import api_keys
from turnout.api.deps import CurrentAdmin, ServicesDep, SessionDep
from turnout.api.schemas.accounts import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from turnout.api.schemas.errors import error_responses

router = APIRouter(prefix="/api/v1/keys", tags=["keys"], responses=error_responses(401, 403))


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(422),
)
async def create_key(
    body: ApiKeyCreate, principal: CurrentAdmin, session: SessionDep
) -> ApiKeyCreated:
    row, plaintext = await api_keys.create_api_key(
        session,
        tenant_id=principal.tenant_id,
        name=body.name,
        role=body.role,
        principal=principal,
        rpm_limit=body.rpm_limit,
    )
    await session.commit()
    return ApiKeyCreated(id=row.id, name=row.name, role=row.role, prefix=row.prefix, key=plaintext)


@router.get("", response_model=list[ApiKeyPublic])
async def list_keys(principal: CurrentAdmin, session: SessionDep) -> list[ApiKeyPublic]:
    rows = await api_keys.list_api_keys(session, tenant_id=principal.tenant_id)
    return [ApiKeyPublic.model_validate(row) for row in rows]


@router.delete("/{key_id}", response_model=ApiKeyPublic, responses=error_responses(404, 422))
async def revoke_key(
    key_id: str, principal: CurrentAdmin, session: SessionDep, services: ServicesDep
) -> ApiKeyPublic:
    row = await api_keys.revoke_api_key(
        session, tenant_id=principal.tenant_id, key_id=key_id, principal=principal
    )
    await session.commit()
    services.authenticator.forget(principal_id=row.id)
    return ApiKeyPublic.model_validate(row)
