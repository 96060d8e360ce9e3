"""Login and who-am-I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from turnout.accounts.login import LoginAttempt, log_in
from turnout.api.deps import CurrentViewer, ServicesDep, SessionDep
from turnout.api.schemas.accounts import LoginRequest, LoginResponse, MeResponse, UserPublic
from turnout.api.schemas.errors import error_responses
from turnout.security.login_throttle import LoginLimits, LoginThrottle
from turnout.security.tokens import SessionClaims

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


async def login_throttle(services: ServicesDep) -> LoginThrottle:
    return LoginThrottle(services.state.limiter, LoginLimits.from_settings(services.settings))


LoginThrottleDep = Annotated[LoginThrottle, Depends(login_throttle)]


def client_address(request: Request) -> str:
    """The peer of the connection: a forwarded address only when uvicorn was told to trust the
    proxy that sent it (TURNOUT_TRUSTED_PROXIES), never a header taken on the client's word."""
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=LoginResponse, responses=error_responses(401, 422, 429))
async def login(
    body: LoginRequest,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    throttle: LoginThrottleDep,
) -> LoginResponse:
    attempt = LoginAttempt(body.username, body.password, body.tenant, client_address(request))
    user = await log_in(session, throttle=throttle, attempt=attempt)
    claims = SessionClaims(user.id, user.tenant_id, user.role, user.session_epoch)
    return LoginResponse(
        access_token=services.tokens.issue(claims),
        expires_in=services.tokens.ttl_s,
        user=UserPublic.model_validate(user),
    )


@router.get("/me", response_model=MeResponse, responses=error_responses(401, 403))
async def me(principal: CurrentViewer) -> MeResponse:
    return MeResponse(
        id=principal.id,
        kind=principal.kind,
        name=principal.name,
        role=principal.role,
        tenant_id=principal.tenant_id,
    )
