"""A member's estimate or job that names a provider, model, instructions or settings makes them
the project's (the ML backend and the next job use them), so the change is audited under the
member's name, as an admin's PUT of the project is; a request that changes nothing adds no
entry."""

from __future__ import annotations

from tests.labelstudio.human import Person
from tests.labelstudio.server import RunningLabelStudio
from tests.labelstudio.test_preannotation_end_to_end import SENTIMENT
from turnout.security.roles import Role


async def project_trail(client, tenant) -> list[dict]:
    answer = await client.get("/api/v1/audit", params={"target_type": "annotation_project"},
                              headers=tenant.headers())
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_choices_named_by_a_members_estimate_are_audited_under_the_member(
    client, tenant, label_studio: RunningLabelStudio, person: Person
):
    project_id = await person.create_project("Audited choices", SENTIMENT)
    await person.import_texts(project_id, ["Kind staff", "Slow refund"])
    member = tenant.headers(Role.MEMBER, via_key=True)
    selection = {"label_studio_url": label_studio.url, "api_token": label_studio.legacy_token,
                 "project_id": project_id}

    plain = await client.post("/api/v1/preannotation/estimate", json=selection, headers=member)
    assert plain.status_code == 200, plain.text
    assert await project_trail(client, tenant) == []  # nothing chosen, nothing changed

    chosen = {**selection, "model": "gpt-4o", "instructions": "Sarcasm is Negative."}
    answer = await client.post("/api/v1/preannotation/estimate", json=chosen, headers=member)
    assert answer.status_code == 200, answer.text
    (entry,) = await project_trail(client, tenant)
    assert entry["action"] == "annotation_project.update"
    assert entry["actor_type"] == "api_key"
    assert entry["diff"]["model"] == {"before": None, "after": "gpt-4o"}
    assert entry["diff"]["instructions"] == {"before": None, "after": "Sarcasm is Negative."}

    again = await client.post("/api/v1/preannotation/estimate", json=chosen, headers=member)
    assert again.status_code == 200, again.text
    assert len(await project_trail(client, tenant)) == 1  # the same choices change nothing
