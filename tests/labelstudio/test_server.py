"""The Label Studio the tests run against: the version we pinned, and both kinds of token."""

from __future__ import annotations

import httpx

from tests.labelstudio.server import RunningLabelStudio


def test_it_is_the_pinned_release(label_studio: RunningLabelStudio) -> None:
    version = httpx.get(f"{label_studio.url}/api/version", timeout=30).json()
    assert version["release"] == "1.23.2"


def test_a_legacy_token_is_sent_as_token(label_studio: RunningLabelStudio) -> None:
    me = httpx.get(
        f"{label_studio.url}/api/current-user/whoami",
        headers={"Authorization": f"Token {label_studio.legacy_token}"}, timeout=30,
    )
    assert me.status_code == 200
    assert me.json()["email"] == label_studio.email


def test_a_personal_token_is_refreshed_into_a_bearer_access_token(
    label_studio: RunningLabelStudio,
) -> None:
    whoami = f"{label_studio.url}/api/current-user/whoami"
    as_is = httpx.get(
        whoami, headers={"Authorization": f"Bearer {label_studio.personal_token}"}, timeout=30
    )
    assert as_is.status_code == 401
    refreshed = httpx.post(
        f"{label_studio.url}/api/token/refresh/",
        json={"refresh": label_studio.personal_token}, timeout=30,
    )
    assert refreshed.status_code == 200
    access = refreshed.json()["access"]
    me = httpx.get(whoami, headers={"Authorization": f"Bearer {access}"}, timeout=30)
    assert me.status_code == 200
    assert me.json()["email"] == label_studio.email


def test_no_token_is_refused(label_studio: RunningLabelStudio) -> None:
    me = httpx.get(f"{label_studio.url}/api/current-user/whoami", timeout=30)
    assert me.status_code == 401
