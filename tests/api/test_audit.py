"""Property 26: every configuration change is audited, with secrets masked."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TenantFixture
from turnout.security.roles import Role

ACTIONS = ["create_user", "update_user", "delete_user", "create_key", "revoke_key"]


SECRETS_SENT = ["long-enough-pw", "another-long-pw"]


async def _perform(client, tenant: TenantFixture, action: str, n: int) -> tuple[str, str, str]:
    admin = tenant.headers()
    if action in ("create_key", "revoke_key"):
        body = (
            await client.post(
                "/api/v1/keys", json={"name": f"k{n}", "role": "viewer"}, headers=admin
            )
        ).json()
        SECRETS_SENT.append(body["key"])
        if action == "create_key":
            return "create", "api_key", body["id"]
        await client.delete(f"/api/v1/keys/{body['id']}", headers=admin)
        return "revoke", "api_key", body["id"]
    user = (
        await client.post(
            "/api/v1/users",
            json={"username": f"u{n}-{tenant.id[:6]}", "password": "long-enough-pw"},
            headers=admin,
        )
    ).json()
    if action == "update_user":
        await client.patch(
            f"/api/v1/users/{user['id']}",
            json={"role": "viewer", "password": "another-long-pw"},
            headers=admin,
        )
        return "update", "user", user["id"]
    if action == "delete_user":
        await client.delete(f"/api/v1/users/{user['id']}", headers=admin)
        return "delete", "user", user["id"]
    return "create", "user", user["id"]


_counter = iter(range(10**9))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(action=st.sampled_from(ACTIONS))
async def test_property_26_configuration_audit_logging(client, tenant: TenantFixture, action):
    n = next(_counter)
    expected_action, target_type, target_id = await _perform(client, tenant, action, n)
    page = (
        await client.get(
            "/api/v1/audit",
            params={"target_id": target_id, "action": expected_action},
            headers=tenant.headers(),
        )
    ).json()
    assert page["total"] == 1
    entry = page["items"][0]
    assert entry["target_type"] == target_type
    assert entry["actor_type"] == "user" and entry["actor_id"] == tenant.users[Role.ADMIN]
    assert entry["created_at"]
    assert entry["diff"], "a change without a diff tells the auditor nothing"
    text = str(entry)
    assert not [secret for secret in SECRETS_SENT if secret in text]


async def test_audit_trail_is_tenant_scoped(client, tenant, other_tenant):
    mine = (
        await client.post(
            "/api/v1/keys", json={"name": "mine", "role": "viewer"}, headers=tenant.headers()
        )
    ).json()
    theirs = (await client.get("/api/v1/audit", headers=other_tenant.headers())).json()
    assert mine["id"] not in str(theirs)
    assert {item["actor_name"] for item in theirs["items"]} == {"system"}  # their own fixture rows
    found = (
        await client.get(
            "/api/v1/audit", params={"target_id": mine["id"]}, headers=tenant.headers()
        )
    ).json()
    assert found["total"] == 1


async def test_audit_diff_shows_what_changed(client, tenant):
    member = tenant.users[Role.MEMBER]
    await client.patch(f"/api/v1/users/{member}", json={"role": "viewer"}, headers=tenant.headers())
    entry = (
        await client.get("/api/v1/audit", params={"action": "update"}, headers=tenant.headers())
    ).json()["items"][0]
    assert entry["diff"] == {"role": {"before": "member", "after": "viewer"}}
