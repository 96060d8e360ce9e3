"""Login and who-am-I."""

from __future__ import annotations

from fastapi import APIRouter

from turnout.accounts.users import authenticate
from turnout.api.deps import CurrentViewer, ServicesDep, SessionDep
from turnout.api.schemas.accounts import LoginRequest, LoginResponse, MeResponse, UserPublic
from turnout.security.tokens import SessionClaims

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/login", response_model=LoginResponse)
async def login(body: LoginRequest, session: SessionDep, services: ServicesDep) -> LoginResponse:
    user = await authenticate(session, username=body.username, password=body.password)
    token = services.tokens.issue(SessionClaims(user.id, user.tenant_id, user.role))
    return LoginResponse(
        access_token=token,
        expires_in=services.tokens.ttl_s,
        user=UserPublic.model_validate(user),
    )


@router.get("/me", response_model=MeResponse)
async def me(principal: CurrentViewer) -> MeResponse:
    return MeResponse(
        id=principal.id,
        kind=principal.kind,
        name=principal.name,
        role=principal.role,
        tenant_id=principal.tenant_id,
    )
