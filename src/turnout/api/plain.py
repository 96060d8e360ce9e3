"""Plain routes: documented by FastAPI like any route, served without its dependency solving.

Solving dependencies costs about 60 µs a request here, a sixth of the request path's CPU on
the hot endpoints (generate, chat completions, embeddings). A `PlainRoute` is an ordinary
route of the one app (every middleware and the one error handler apply; the OpenAPI document
shows its body, response model, operation id and statuses) whose handler binds the endpoint's
parameters itself. It accepts exactly three kinds, checked when the route is built:

- the `Request`;
- the caller, as `Annotated[Principal, Depends(require(role))]` → the shared `authorise`;
- one JSON body, a pydantic model → validated from the raw bytes (a bad one is the usual 422).

Anything else (query, path or header parameters, other dependencies) is refused at start-up,
so nothing the framework would have done is ever skipped silently. Dependency overrides do not
apply to plain routes.

Plain routes sit in the app's own route table (`add_plain_routes`), ahead of the included
routers: matching through a nested router cost another 20 µs a request.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import request_response

from turnout.api import json_input
from turnout.api.deps import authorise
from turnout.security.roles import Role

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class _Binding:
    request: str | None
    caller: tuple[str, Role] | None
    body: tuple[str, type[BaseModel]] | None


async def read_body(request: Request, model: type[Model]) -> Model:
    """The JSON body validated by `model`: a bad one is the usual localised 400 or 422.

    The JSON rules of every body (see json_input) hold here too: these bodies are not read by
    the InputLimits middleware, so that the request path parses them once.
    """
    raw = await request.body()
    try:
        body = model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc
    json_input.check_values(raw)
    return body


class PlainRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        # Without the exit stacks FastAPI keeps for dependencies with `yield`: there are none.
        self.app = request_response(self.get_route_handler())

    def get_route_handler(self) -> Handler:
        binding = _bind(self)
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            arguments: dict[str, Any] = {}
            if binding.request is not None:
                arguments[binding.request] = request
            if binding.caller is not None:
                name, role = binding.caller
                arguments[name] = await authorise(request, role)
            if binding.body is not None:
                name, model = binding.body
                arguments[name] = await read_body(request, model)
            response: Response = await endpoint(**arguments)
            return response

        return handler


def add_plain_routes(app: FastAPI, *routers: APIRouter) -> None:
    """Put the routers' plain routes first in the app's own route table."""
    plain = [route for router in routers for route in router.routes]
    if not all(isinstance(route, PlainRoute) for route in plain):
        raise TypeError("only plain routes go straight into the app's route table")
    app.router.routes[:0] = plain


def _bind(route: APIRoute) -> _Binding:
    dependant = route.dependant
    unsupported = [
        *dependant.path_params, *dependant.query_params, *dependant.header_params,
        *dependant.cookie_params,
    ]
    if unsupported or route.dependencies or len(dependant.body_params) > 1:
        raise TypeError(f"{route.path}: a plain route takes a request, a caller and one body")
    caller = None
    for sub in dependant.dependencies:
        role = getattr(sub.call, "required_role", None)
        if role is None or sub.name is None or caller is not None:
            raise TypeError(f"{route.path}: a plain route's only dependency is its caller")
        caller = (sub.name, role)
    body = None
    if dependant.body_params:
        field = dependant.body_params[0]
        model = field.field_info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{route.path}: a plain route's body is one pydantic model")
        body = (field.name, model)
    return _Binding(dependant.request_param_name, caller, body)
