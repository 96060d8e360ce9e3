"""A provider config keeps its type: its key, URL and models were meant for that vendor."""

from __future__ import annotations

from tests.api.test_provider_configs import create, payload_for


async def test_changing_the_provider_type_is_refused_naming_the_field(client, tenant, upstream):
    config = await create(client, tenant, payload_for("openai", upstream))
    url = f"/admin/config/llm/{config['id']}"
    moved = await client.put(url, json={"provider_type": "deepseek"}, headers=tenant.headers())
    assert moved.status_code == 422
    (issue,) = moved.json()["error"]["details"]["fields"]
    assert (issue["field"], issue["code"]) == ("provider_type", "validation.immutable")
    kept = await client.get(url, headers=tenant.headers())
    assert kept.json()["provider_type"] == "openai"
    same = await client.put(
        url, json={"provider_type": "openai", "name": "renamed"}, headers=tenant.headers()
    )
    assert same.status_code == 200 and same.json()["name"] == "renamed"
