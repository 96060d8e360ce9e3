"""Users of the caller's tenant (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from turnout.accounts import users
from turnout.api.deps import CurrentAdmin, ServicesDep, SessionDep
from turnout.api.schemas.accounts import UserCreate, UserPublic, UserUpdate
from turnout.api.schemas.errors import error_responses

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=error_responses(401, 403))


@router.get("", response_model=list[UserPublic])
async def list_users(principal: CurrentAdmin, session: SessionDep) -> list[UserPublic]:
    rows = await users.list_users(session, tenant_id=principal.tenant_id)
    return [UserPublic.model_validate(row) for row in rows]


@router.post(
    "",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(422),
)
async def create_user(body: UserCreate, principal: CurrentAdmin, session: SessionDep) -> UserPublic:
    user = await users.create_user(
        session,
        tenant_id=principal.tenant_id,
        username=body.username,
        password=body.password,
        role=body.role,
        principal=principal,
    )
    await session.commit()
    return UserPublic.model_validate(user)


@router.get("/{user_id}", response_model=UserPublic, responses=error_responses(404, 422))
async def get_user(user_id: str, principal: CurrentAdmin, session: SessionDep) -> UserPublic:
    user = await users.get_user(session, tenant_id=principal.tenant_id, user_id=user_id)
    return UserPublic.model_validate(user)


@router.patch("/{user_id}", response_model=UserPublic, responses=error_responses(404, 409, 422))
async def update_user(
    user_id: str,
    body: UserUpdate,
    principal: CurrentAdmin,
    session: SessionDep,
    services: ServicesDep,
) -> UserPublic:
    user = await users.update_user(
        session,
        tenant_id=principal.tenant_id,
        user_id=user_id,
        principal=principal,
        role=body.role,
        is_active=body.is_active,
        password=body.password,
    )
    await session.commit()
    services.authenticator.forget(principal_id=user.id)
    return UserPublic.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409, 422),
)
async def delete_user(
    user_id: str, principal: CurrentAdmin, session: SessionDep, services: ServicesDep
) -> Response:
    await users.delete_user(
        session, tenant_id=principal.tenant_id, user_id=user_id, principal=principal
    )
    await session.commit()
    services.authenticator.forget(principal_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
