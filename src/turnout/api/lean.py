"""Lean endpoints for the request hot path (generate, chat completions, embeddings).

They take the raw request and do by hand what dependency injection would do — authorise,
validate the JSON body with its pydantic model — which saves a large share of the per-request
cost. Errors still travel through the one error handler; the body model still appears in the
OpenAPI schema through `lean_route`'s `openapi_extra`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from turnout.container import Services
from turnout.errors import PermissionDenied
from turnout.i18n import negotiate_locale
from turnout.security.roles import Principal, Role

Body = TypeVar("Body", bound=BaseModel)
Handler = Callable[["Call"], Awaitable[Response]]


class Call:
    """What a lean endpoint works with: the request, its caller, the services."""

    __slots__ = ("principal", "request", "services")

    def __init__(self, request: Request, principal: Principal, services: Services) -> None:
        self.request = request
        self.principal = principal
        self.services = services

    @property
    def request_id(self) -> str:
        return str(self.request.scope.get("state", {}).get("request_id", ""))

    @property
    def locale(self) -> str:
        return negotiate_locale(self.request.headers.get("accept-language"))

    async def body(self, model: type[Body]) -> Body:
        """The JSON body validated by `model`; a bad one is the usual localised 422."""
        raw = await self.request.body()
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from exc


def guarded(role: Role) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a lean handler: authenticate the caller and demand at least `role`."""
    from turnout.api.deps import bearer_credential

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            services: Services = request.app.state.services
            principal = await services.authenticator.authenticate(bearer_credential(request))
            if not principal.role.allows(role):
                raise PermissionDenied(details={"required_role": role.value})
            return await handler(Call(request, principal, services))

        endpoint.required_role = role  # type: ignore[attr-defined]
        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


_REF = "#/components/schemas/{model}"
DOCUMENTED_BODIES: dict[str, type[BaseModel]] = {}


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting a lean endpoint's JSON body (see `add_body_components`)."""
    DOCUMENTED_BODIES[model.__name__] = model
    reference = {"$ref": _REF.format(model=model.__name__)}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": reference}}}
    }


def add_body_components(schema: dict[str, Any]) -> dict[str, Any]:
    """Put the lean endpoints' body models into an OpenAPI document's components."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in DOCUMENTED_BODIES.items():
        body = model.model_json_schema(ref_template=_REF)
        components.update(body.pop("$defs", {}))
        components[name] = body
    return schema
