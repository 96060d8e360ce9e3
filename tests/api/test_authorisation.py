"""Property 25: every protected route × every role × a foreign tenant."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.routes_table import PUBLIC_PATHS, route_rules
from tests.conftest import TenantFixture, build_tenant
from turnout.security.roles import Role

PATH_PARAM = re.compile(r"\{[^}]+\}")


def test_every_route_is_public_by_intent_or_demands_a_role(app):
    unguarded = [
        (rule.method, rule.path)
        for rule in route_rules(app)
        if rule.role is None and (rule.method, rule.path) not in PUBLIC_PATHS
    ]
    assert unguarded == []


def _foreign_ids(owner: TenantFixture) -> dict[str, str]:
    """Ids of rows that belong to `owner`, to be requested by another tenant."""
    return {"user_id": owner.users[Role.MEMBER]}


def _fill(path: str, ids: dict[str, str], fallback: str) -> str:
    return PATH_PARAM.sub(lambda m: ids.get(m.group(0)[1:-1]) or fallback, path)


_tenants: list[TenantFixture] = []


@pytest.fixture(autouse=True)
def _fresh_tenants():
    _tenants.clear()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_property_25_authorization_enforcement(app, services, client, data):
    rules = [r for r in route_rules(app) if r.role is not None]
    rule = data.draw(st.sampled_from(rules), label="route")
    caller_role = data.draw(st.sampled_from(list(Role)), label="caller role")
    via_key = data.draw(st.booleans(), label="api key instead of session")
    if not _tenants:  # built once per run: password hashing is deliberately slow
        _tenants.extend([await build_tenant(services), await build_tenant(services)])
    victim, caller = _tenants
    path = _fill(rule.path, _foreign_ids(victim), victim.users[Role.ADMIN])

    response = await client.request(
        rule.method, path, headers=caller.headers(caller_role, via_key=via_key), json={}
    )
    anonymous = await client.request(rule.method, path, json={})

    assert anonymous.status_code == 401
    if response.status_code < 300 and rule.method != "GET":
        _tenants.clear()  # the call changed something; start the next example afresh
    if not caller_role.allows(rule.role):
        assert response.status_code == 403, (rule, caller_role, response.text)
        assert response.json()["error"]["code"].upper() == "PERMISSION_DENIED"
    else:
        assert response.status_code not in (401, 403), (rule, caller_role, response.text)
        if PATH_PARAM.search(rule.path):
            # Another tenant's row is indistinguishable from a missing one.
            assert response.status_code in (404, 422), (rule, response.text)
        # Nothing of the victim tenant leaks into whatever the caller sees.
        assert victim.id not in response.text
        for username in victim.usernames.values():
            assert username not in response.text
