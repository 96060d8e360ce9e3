"""Request dependencies as `Annotated` aliases: services, session, locale, principal by role."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from turnout.container import Services
from turnout.errors import NotAuthenticated, PermissionDenied
from turnout.i18n import negotiate_locale
from turnout.security.roles import Principal, Role

# Every dependency is `async def`: FastAPI runs plain `def` ones in a thread pool, which costs
# a thread hand-off per request on the hot path.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_locale(request: Request) -> str:
    return negotiate_locale(request.headers.get("accept-language"))


LocaleDep = Annotated[str, Depends(get_locale)]


async def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


RequestIdDep = Annotated[str, Depends(request_id)]


def bearer_credential(request: Request) -> str:
    """The credential from `Authorization: Bearer …`, or the password of HTTP Basic."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise NotAuthenticated() from exc
        return decoded.partition(":")[2]
    raise NotAuthenticated()


async def authenticate(request: Request) -> Principal:
    """The caller behind the request's credential (401 without a valid one)."""
    services: Services = request.app.state.services
    principal = await services.authenticator.authenticate(bearer_credential(request))
    request.scope.setdefault("state", {})["principal"] = principal
    return principal


async def authorise(request: Request, role: Role) -> Principal:
    """The caller, admitted only when their role is at least `role` (else 403).

    Every route goes through here: dependency-based ones through `require`, plain ones
    (see `plain.py`) directly.
    """
    principal = await authenticate(request)
    if not principal.role.allows(role):
        raise PermissionDenied(details={"required_role": role.value})
    return principal


def require(role: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting callers whose role is at least `role` (else 403)."""

    async def dependency(request: Request) -> Principal:
        return await authorise(request, role)

    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


CurrentViewer = Annotated[Principal, Depends(require(Role.VIEWER))]
CurrentMember = Annotated[Principal, Depends(require(Role.MEMBER))]
CurrentAdmin = Annotated[Principal, Depends(require(Role.ADMIN))]
