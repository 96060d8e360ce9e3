"""Set a tenant up with providers on the fake upstream, and call the gateway as a client would."""

from __future__ import annotations

from dataclasses import dataclass

from tests.api.test_provider_configs import payload_for
from tests.conftest import TenantFixture

from turnout.fakeupstream import FakeUpstream
from turnout.security.roles import Role


@dataclass
class Setup:
    tenant: TenantFixture
    ids: dict[str, str]  # provider name → id

    def member(self) -> dict[str, str]:
        return self.tenant.headers(Role.MEMBER, via_key=True)


async def providers(
    client, tenant: TenantFixture, upstream: FakeUpstream, *types: str, **options
) -> Setup:
    """One provider per type, named after it; the first active, the rest fallbacks in order."""
    ids: dict[str, str] = {}
    for provider_type in types:
        body = payload_for(provider_type, upstream, name=provider_type)
        body["options"] = {"timeout_s": 5, "max_retries": 2} | options
        response = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
        assert response.status_code == 201, response.text
        ids[provider_type] = response.json()["id"]
    order = [ids[t] for t in types]
    routed = await client.put(
        "/api/v1/llm/routing",
        json={"active_provider_id": order[0], "fallback_provider_ids": order[1:]},
        headers=tenant.headers(),
    )
    assert routed.status_code == 200, routed.text
    return Setup(tenant, ids)


def ask(text: str = "hello there", **options) -> dict:
    return {"prompt": text, "options": options}
