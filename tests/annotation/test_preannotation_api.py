"""A project's pre-annotation choices over HTTP: who may read and set them, the audit trail,
tenant scoping, whether Turnout holds its Label Studio connection, and its reports: without
labels yet, and its model versions newest first with when each predicted."""

from __future__ import annotations

import secrets
from datetime import datetime

import pytest

from tests.annotation.test_ml_backend_api import (  # noqa: F401
    CONFIG,
    backend,
    completion,
    setup_body,
)
from turnout.fakeupstream import Fault
from turnout.security.roles import Role


@pytest.fixture
async def project(client, backend) -> dict:  # noqa: F811
    """A project Turnout has seen through an ML backend's /setup."""
    number = secrets.randbelow(10**6) + 1
    assert (await client.post("/ml/setup", json=setup_body(number), headers=backend)).is_success
    return {"ls_project_id": number}


async def listed(client, tenant, number: int) -> dict:
    answer = await client.get("/api/v1/preannotation/projects",
                              headers=tenant.headers(Role.VIEWER))
    assert answer.status_code == 200, answer.text
    (found,) = [p for p in answer.json()["projects"] if p["ls_project_id"] == number]
    return found


async def test_an_admin_sets_a_projects_model_and_instructions_and_it_is_audited(
    client, tenant, project, backend  # noqa: F811
):
    found = await listed(client, tenant, project["ls_project_id"])
    before = (await client.post("/ml/setup", json=setup_body(project["ls_project_id"]),
                                headers=backend)).json()["model_version"]
    change = {"model": "gpt-4o", "instructions": "Sarcasm is Negative.",
              "settings": {"examples": 2, "all_occurrences": True}}
    answer = await client.put(f"/api/v1/preannotation/projects/{found['id']}", json=change,
                              headers=tenant.headers())
    assert answer.status_code == 200, answer.text
    updated = answer.json()
    assert updated["model"] == "gpt-4o" and updated["instructions"] == "Sarcasm is Negative."
    assert updated["settings"]["examples"] == 2 and updated["settings"]["all_occurrences"]
    after = (await client.post("/ml/setup", json=setup_body(project["ls_project_id"]),
                               headers=backend)).json()["model_version"]
    assert after != before and "/gpt-4o:" in after  # a new prediction set
    trail = (await client.get("/api/v1/audit", params={"target_id": found["id"]},
                              headers=tenant.headers())).json()["items"]
    (entry,) = trail
    assert entry["action"] == "annotation_project.update"
    assert entry["diff"]["model"] == {"before": None, "after": "gpt-4o"}


async def test_a_project_only_an_ml_backend_named_has_no_connection_to_pull_with(
    client, tenant, project
):
    found = await listed(client, tenant, project["ls_project_id"])
    assert found["has_connection"] is False and found["label_studio_url"] is None
    assert not found["origin"].startswith("http")  # the host name /setup named, not a URL
    pulled = await client.post(f"/api/v1/preannotation/projects/{found['id']}/pull",
                               headers=tenant.headers(Role.MEMBER))
    assert pulled.status_code == 409, pulled.text
    assert pulled.json()["error"]["code"] == "CONFLICT"
    assert "holds no Label Studio URL and token" in pulled.json()["error"]["message"]
    changed = await client.put(f"/api/v1/preannotation/projects/{found['id']}",
                               json={"model": "gpt-4o"}, headers=tenant.headers())
    assert changed.status_code == 200, changed.text
    assert changed.json()["has_connection"] is False
    assert changed.json()["label_studio_url"] is None


async def test_members_cannot_set_choices_and_other_tenants_cannot_see_the_project(
    client, tenant, other_tenant, project
):
    found = await listed(client, tenant, project["ls_project_id"])
    url = f"/api/v1/preannotation/projects/{found['id']}"
    refused = await client.put(url, json={"model": "x"}, headers=tenant.headers(Role.MEMBER))
    assert refused.status_code == 403
    foreign = await client.put(url, json={"model": "x"}, headers=other_tenant.headers())
    assert foreign.status_code == 404
    theirs = (await client.get("/api/v1/preannotation/projects",
                               headers=other_tenant.headers())).json()["projects"]
    assert found["id"] not in {p["id"] for p in theirs}


async def test_bad_settings_are_a_clear_422(client, tenant, project):
    found = await listed(client, tenant, project["ls_project_id"])
    answer = await client.put(f"/api/v1/preannotation/projects/{found['id']}",
                              json={"settings": {"examples": 99, "colour": "red"}},
                              headers={**tenant.headers(), "Accept-Language": "zh-CN"})
    assert answer.status_code == 422
    fields = {f["field"] for f in answer.json()["error"]["details"]["fields"]}
    assert {"settings.examples", "settings.colour"} <= fields


async def test_metrics_of_a_project_without_labels_say_so_rather_than_invent(client, tenant):
    answer = await client.get("/api/v1/preannotation/metrics",
                              headers=tenant.headers(Role.VIEWER))
    assert answer.status_code == 200 and answer.json() == {"versions": []}
    bad = await client.get("/api/v1/preannotation/metrics", params={"target_accuracy": 2},
                           headers=tenant.headers(Role.VIEWER))
    assert bad.status_code == 422


async def test_a_label_studio_url_on_a_forbidden_network_is_refused(client, tenant):
    body = {"label_studio_url": "http://169.254.169.254", "api_token": "token-12345678",
            "project_id": 1}
    answer = await client.post("/api/v1/preannotation/estimate", json=body,
                               headers=tenant.headers(Role.MEMBER, via_key=True))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "OUTBOUND_URL_BLOCKED"
    assert "token-12345678" not in answer.text


async def test_metrics_list_model_versions_newest_first_with_when_each_predicted(
    client, tenant, project, backend, upstream  # noqa: F811
):
    number = project["ls_project_id"]
    found = await listed(client, tenant, number)

    async def predict(answer: str, task_ids: list[int]) -> None:
        upstream.set_fault(Fault(status=200, body=completion({"sentiment": answer})))
        body = {"tasks": [{"id": i, "data": {"text": f"task {i}"}} for i in task_ids],
                "project": f"{number}.1712345678", "label_config": CONFIG}
        assert (await client.post("/ml/predict", json=body, headers=backend)).is_success

    await predict("Negative", [1, 2])
    first_version = (await client.post("/ml/setup", json=setup_body(number),
                                       headers=backend)).json()["model_version"]
    assert (await client.put(f"/api/v1/preannotation/projects/{found['id']}",
                             json={"model": "gpt-4o"}, headers=tenant.headers())).is_success
    second_version = (await client.post("/ml/setup", json=setup_body(number),
                                        headers=backend)).json()["model_version"]
    await predict("Ecstatic", [1])  # outside the config: stored as failed
    await predict("Positive", [1])  # the retry replaces that failure

    answer = await client.get("/api/v1/preannotation/metrics", params={"project_id": found["id"]},
                              headers=tenant.headers(Role.VIEWER))
    assert answer.status_code == 200, answer.text
    newer, older = answer.json()["versions"]
    assert (newer["model_version"], older["model_version"]) == (second_version, first_version)
    assert newer["predictions"] == {"completed": 1, "failed": 0}
    assert older["predictions"] == {"completed": 2, "failed": 0}
    older_first, older_last = (datetime.fromisoformat(older[k])
                               for k in ("first_predicted_at", "last_predicted_at"))
    newer_first, newer_last = (datetime.fromisoformat(newer[k])
                               for k in ("first_predicted_at", "last_predicted_at"))
    assert older_first <= older_last <= newer_first < newer_last  # the retry came last
    assert all(d.utcoffset() is not None for d in (older_first, newer_last))
