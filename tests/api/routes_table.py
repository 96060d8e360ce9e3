"""The app's routes and who may call them, read from the dependency tree itself."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from turnout.security.roles import Role

# Routes that are deliberately open; every other route must demand a role.
PUBLIC_PATHS = {
    ("POST", "/api/v1/auth/login"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/llm/methods"),
    # Label Studio's webhook carries no credentials: the project's secret header proves it.
    ("POST", "/ml/webhook"),
}


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    role: Role | None


def _required_role(dependant: Dependant) -> Role | None:
    lean = getattr(dependant.call, "required_role", None)  # a `guarded` lean endpoint
    if lean is not None:
        return lean
    for dependency in dependant.dependencies:
        role = getattr(dependency.call, "required_role", None)
        if role is not None:
            return role
        nested = _required_role(dependency)
        if nested is not None:
            return nested
    return None


def route_rules(app: FastAPI) -> list[RouteRule]:
    rules = []
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route if hasattr(context, "original_route") else context
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        dependant = getattr(context, "dependant", route.dependant)
        for method in sorted(route.methods):
            rules.append(RouteRule(method, context.path, _required_role(dependant)))
    return rules
