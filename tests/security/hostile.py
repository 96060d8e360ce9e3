"""Hostile requests as data: what is sent, and the refusal a client must see."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import httpx

from tests.conftest import TenantFixture
from turnout.security.roles import Role

JSON = "application/json"


@dataclass(frozen=True)
class Case:
    """One request and the answer it must get."""

    id: str
    method: str
    path: str
    body: bytes | None = None
    status: int = 400
    code: str = "MALFORMED_JSON"
    field: str | None = None  # the field the answer names (details.fields, or OpenAI's param)
    role: Role = Role.ADMIN
    headers: dict[str, str] = dataclasses.field(default_factory=lambda: {"content-type": JSON})


async def send(
    client: httpx.AsyncClient, tenant: TenantFixture, case: Case, locale: str = "en-US"
) -> httpx.Response:
    headers = tenant.headers(case.role, via_key=True) | case.headers
    headers["accept-language"] = locale
    return await client.request(case.method, case.path, content=case.body, headers=headers)


def assert_refused(response: httpx.Response, case: Case) -> str:
    """The answer is `case`'s refusal, in the envelope its path uses; returns the message."""
    assert response.status_code == case.status, (case.id, response.text)
    error = response.json()["error"]
    if case.path.startswith("/v1/"):
        assert error["code"] == case.code.lower(), (case.id, error)
        assert error["param"] == case.field, (case.id, error)
    else:
        assert error["code"] == case.code, (case.id, error)
        if case.field is not None:
            assert [f["field"] for f in error["details"]["fields"]] == [case.field], error
    assert error["message"] and "{" not in error["message"], error
    return str(error["message"])


async def assert_refused_in_both_locales(
    client: httpx.AsyncClient, tenant: TenantFixture, case: Case
) -> None:
    english = assert_refused(await send(client, tenant, case), case)
    chinese = assert_refused(await send(client, tenant, case, "zh-CN"), case)
    assert english != chinese, case.id
