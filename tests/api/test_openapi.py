"""The OpenAPI document is a contract: a generated client and schemathesis read it.

It must be valid, complete (every status a route answers, a schema for every success) and
true: real responses match the schema documented for their status, and the models of bodies
built as dicts elsewhere read those dicts back unchanged.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.api.routes_table import route_rules
from tests.conftest import PASSWORD, TenantFixture
from tests.gateway.helpers import ask, providers
from turnout.api.routes import probes
from turnout.api.schemas.catalog import ProviderTypePublic
from turnout.api.schemas.usage import UsageReport
from turnout.gateway.usage_report import usage_report
from turnout.providers import catalog_as_json
from turnout.security.roles import Role
from turnout.store.db import create_engine

ENVELOPE = "#/components/schemas/ErrorResponse"
OPENAI_ENVELOPE = "#/components/schemas/OpenAIErrorResponse"
# Error statuses documented with a body other than the envelope, and why.
OTHER_ERROR_BODIES = {("GET", "/readyz", "503")}  # the probe reports which check failed

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def envelope_for(path: str) -> str:
    return OPENAI_ENVELOPE if path.startswith("/v1/") else ENVELOPE


def body_ref(response: dict[str, Any]) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref")


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_operation_ids_are_unique_and_name_the_endpoint(app, document):
    documented = {(method, path): op["operationId"] for method, path, op in operations(document)}
    expected = {
        (method, route.path_format): route.operation_id or route.endpoint.__name__
        for route in iter_route_contexts(app.router.routes)
        if isinstance(route.original_route, APIRoute) and route.include_in_schema
        for method in route.methods
    }
    assert documented == expected
    ids = list(documented.values())
    assert sorted(ids) == sorted(set(ids))


def test_every_operation_documents_a_success_with_a_schema(document):
    for method, path, operation in operations(document):
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert successes, (method, path)
        for status, response in successes.items():
            if status == "204":
                assert "content" not in response, (method, path)
                continue
            content = response.get("content")
            assert content, (method, path, status)
            assert all(media.get("schema") for media in content.values()), (method, path)


def test_authenticated_operations_document_401_and_403_with_the_envelope(app, document):
    guarded = {(r.method, r.path) for r in route_rules(app) if r.role is not None}
    assert guarded
    for method, path, operation in operations(document):
        if (method, path) not in guarded:
            continue
        for status in ("401", "403"):
            response = operation["responses"].get(status)
            assert response is not None, (method, path, status)
            assert body_ref(response) == envelope_for(path), (method, path, status)


def test_operations_with_input_document_422_with_the_envelope(document):
    with_input = [
        (method, path, op)
        for method, path, op in operations(document)
        if op.get("parameters") or op.get("requestBody")
    ]
    assert with_input
    for method, path, operation in with_input:
        response = operation["responses"].get("422")
        assert response is not None, (method, path)
        assert body_ref(response) == envelope_for(path), (method, path)


def test_every_documented_error_is_the_envelope(document):
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status < "400" or (method, path, status) in OTHER_ERROR_BODIES:
                continue
            assert body_ref(response) == envelope_for(path), (method, path, status)


def test_fastapis_own_validation_error_shape_is_not_advertised(document):
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas


# Real responses against the document.


def documented_schema(document: dict[str, Any], path: str, response: httpx.Response) -> Any:
    method = response.request.method.lower()
    documented = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method.upper()} {path} answered an undocumented {status}"
    media_type = response.headers["content-type"].split(";")[0].strip()
    return documented[status]["content"][media_type]["schema"]


def assert_documented(document: dict[str, Any], path: str, response: httpx.Response) -> None:
    """`response` is one `path` documents: its status, media type and body schema."""
    schema = {**documented_schema(document, path, response), "components": document["components"]}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
    ]
    assert errors == [], f"{response.request.method} {path}"


async def test_provider_catalog_matches_its_schema(client, document):
    for locale in ("en-US", "zh-CN"):
        response = await client.get("/api/v1/llm/methods", headers={"Accept-Language": locale})
        assert response.status_code == 200
        assert len(response.json()) > 1
        assert_documented(document, "/api/v1/llm/methods", response)


def as_json(value: Any) -> str:
    """Compared as JSON text: 0 and 0.0 are equal in Python but not in the body."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_catalog_model_reads_every_entry_back_unchanged(locale):
    raw = catalog_as_json(locale)
    read_back = [ProviderTypePublic.model_validate(entry).model_dump() for entry in raw]
    assert as_json(read_back) == as_json(raw)


async def test_usage_report_matches_its_schema_and_model(
    client, tenant, upstream, services, document
):
    setup = await providers(client, tenant, upstream, "openai", "qwen")
    for text in ("one", "two"):
        answer = await client.post("/api/v1/llm/generate", json=ask(text), headers=setup.member())
        assert answer.status_code == 200, answer.text
    await services.usage.flush()
    response = await client.get("/api/v1/llm/usage", headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200
    assert response.json()["totals"]["requests"] == 2
    assert_documented(document, "/api/v1/llm/usage", response)
    async with services.sessions() as session:
        raw = await usage_report(session, tenant_id=tenant.id, since=None, until=None)
    assert raw["by_provider"] and raw["totals"]["latency_ms"]["p50"] is not None
    assert as_json(UsageReport.model_validate(raw).model_dump(by_alias=True)) == as_json(raw)


async def test_probes_match_their_schemas(client, document):
    for path in ("/healthz", "/readyz"):
        response = await client.get(path)
        assert response.status_code == 200
        assert_documented(document, path, response)
    metrics = await client.get("/metrics")
    assert "turnout_" in metrics.text
    assert documented_schema(document, "/metrics", metrics) == {"type": "string"}


async def test_a_failed_readiness_check_matches_its_schema(services, document, tmp_path):
    # The probe alone, over a database that cannot be opened: a directory named like the file.
    (tmp_path / "turnout.db").mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'turnout.db'}")
    probe = FastAPI()
    probe.include_router(probes.router)
    probe.state.services = dataclasses.replace(services, engine=engine)
    transport = httpx.ASGITransport(app=probe)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://probe.test") as http:
            response = await http.get("/readyz")
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False
    assert_documented(document, "/readyz", response)


async def test_login_answers_match_their_schemas(client, tenant: TenantFixture, document):
    path = "/api/v1/auth/login"
    username = tenant.usernames[Role.MEMBER]
    good = await client.post(path, json={"username": username, "password": PASSWORD})
    assert good.status_code == 200
    assert_documented(document, path, good)
    bad = await client.post(path, json={"username": username, "password": "wrong"})
    assert bad.status_code == 401
    assert_documented(document, path, bad)


async def test_provider_configs_and_health_match_their_schemas(
    client, tenant: TenantFixture, upstream, document
):
    setup = await providers(client, tenant, upstream, "openai", "ollama")
    admin, config_id = tenant.headers(), setup.ids["ollama"]
    answers = {
        "/admin/config/llm": await client.get("/admin/config/llm", headers=admin),
        "/admin/config/llm/{config_id}": await client.get(
            f"/admin/config/llm/{config_id}", headers=admin
        ),
        "/api/v1/llm/health": await client.get("/api/v1/llm/health", headers=admin),
        "/api/v1/llm/routing": await client.get("/api/v1/llm/routing", headers=admin),
        "/api/v1/llm/models": await client.get("/api/v1/llm/models", headers=admin),
        "/api/v1/auth/me": await client.get("/api/v1/auth/me", headers=admin),
        "/v1/models": await client.get("/v1/models", headers=admin),
    }
    for path, response in answers.items():
        assert response.status_code == 200, (path, response.text)
        assert_documented(document, path, response)


async def test_error_bodies_match_their_schemas(client, tenant: TenantFixture, upstream, document):
    setup = await providers(client, tenant, upstream, "openai")
    admin, active = tenant.headers(), setup.ids["openai"]
    answers = [
        ("/api/v1/keys", 401, await client.get("/api/v1/keys")),
        (
            "/api/v1/keys",
            403,
            await client.get("/api/v1/keys", headers=tenant.headers(Role.VIEWER)),
        ),
        (
            "/admin/config/llm/{config_id}",
            404,
            await client.get("/admin/config/llm/no-such-config", headers=admin),
        ),
        (
            "/admin/config/llm/{config_id}",
            409,
            await client.delete(f"/admin/config/llm/{active}", headers=admin),
        ),
        ("/api/v1/users", 422, await client.post("/api/v1/users", json={}, headers=admin)),
        (
            "/v1/chat/completions",
            422,
            await client.post("/v1/chat/completions", json={}, headers=setup.member()),
        ),
    ]
    for path, status, response in answers:
        assert response.status_code == status, (path, response.text)
        assert_documented(document, path, response)


# Bodies that take fields Turnout does not read: Label Studio's ML backend calls carry whatever
# its version sends, and OpenAI's tool calls and embeddings bodies follow OpenAI's schema, which
# grows.
OPEN_BODIES = {
    "MLSetup", "MLPredict", "MLTask", "MLWebhook", "ToolCallIn", "FunctionCall",
    "EmbeddingsBody", "Body_create_file",
}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_request_body_refuses_fields_it_does_not_know(document):
    schemas = document["components"]["schemas"]
    lenient, seen = [], set()
    pending = [
        (name, f"{method} {path}")
        for method, path, operation in operations(document)
        for name in _refs(operation.get("requestBody", {}))
    ]
    while pending:
        name, where = pending.pop()
        if name in seen or name in OPEN_BODIES:
            continue
        seen.add(name)
        schema = schemas[name]
        if "properties" in schema and schema.get("additionalProperties") is not False:
            lenient.append((name, where))
        pending.extend((inner, where) for inner in _refs(schema))
    assert seen and lenient == []
