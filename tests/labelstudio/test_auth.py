"""How the client signs requests, over httpx.MockTransport: when a personal access token is
exchanged, reused and exchanged again. (test_client.py checks the same against Label Studio.)"""

from __future__ import annotations

import json

import httpx
import jwt
import pytest

from turnout.errors import LabelStudioRefused
from turnout.labelstudio.auth import LabelStudioToken, token_kind

BASE = "http://ls.test/sub"


def jwt_of(token_type: str, exp: float) -> str:
    return jwt.encode({"token_type": token_type, "exp": int(exp)}, "k" * 32, algorithm="HS256")


class FakeLabelStudio:
    """Answers refreshes with access tokens valid `lifetime_s`, and 401 to a stale one."""

    def __init__(self, clock: list[float], lifetime_s: float = 300) -> None:
        self.clock = clock
        self.lifetime_s = lifetime_s
        self.refreshes = 0
        self.valid: set[str] = set()
        self.seen: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.path, request.headers.get("Authorization", "")))
        if request.url.path == "/sub/api/token/refresh/":
            if json.loads(request.content)["refresh"] != PERSONAL:
                return httpx.Response(401, json={"detail": "Token is invalid"})
            self.refreshes += 1
            access = jwt_of("access", self.clock[0] + self.lifetime_s) + f"{self.refreshes}"
            self.valid = {access}
            return httpx.Response(200, json={"access": access})
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return httpx.Response(200 if bearer in self.valid else 401, json={})


PERSONAL = jwt_of("refresh", 4_000_000_000)


def client_for(fake: FakeLabelStudio, token: str = PERSONAL) -> httpx.AsyncClient:
    auth = LabelStudioToken(token, base_url=BASE, clock=lambda: fake.clock[0])
    return httpx.AsyncClient(transport=httpx.MockTransport(fake), auth=auth)


def test_token_kinds() -> None:
    assert token_kind(PERSONAL) == "personal"
    assert token_kind(jwt_of("access", 4_000_000_000)) == "access"
    assert token_kind("0123456789abcdef") == "legacy"


async def test_a_legacy_token_is_sent_as_it_is() -> None:
    fake = FakeLabelStudio([1000.0])
    async with client_for(fake, token="legacy-key") as http:
        await http.get(f"{BASE}/api/projects/")
    assert fake.seen == [("/sub/api/projects/", "Token legacy-key")]


async def test_a_personal_token_is_exchanged_once_and_the_access_token_reused() -> None:
    fake = FakeLabelStudio([1000.0])
    async with client_for(fake) as http:
        for _ in range(3):
            assert (await http.get(f"{BASE}/api/projects/")).status_code == 200
    assert fake.refreshes == 1
    paths = [path for path, _ in fake.seen]
    assert paths == ["/sub/api/token/refresh/"] + ["/sub/api/projects/"] * 3


async def test_an_access_token_near_its_expiry_is_replaced_before_use() -> None:
    clock = [1000.0]
    fake = FakeLabelStudio(clock)
    async with client_for(fake) as http:
        await http.get(f"{BASE}/api/projects/")
        clock[0] += 290  # within the margin of the five minutes
        assert (await http.get(f"{BASE}/api/projects/")).status_code == 200
    assert fake.refreshes == 2


async def test_a_401_gets_one_new_access_token_and_one_retry() -> None:
    fake = FakeLabelStudio([1000.0])
    async with client_for(fake) as http:
        await http.get(f"{BASE}/api/projects/")
        fake.valid = set()  # e.g. Label Studio restarted with another signing key
        assert (await http.get(f"{BASE}/api/projects/")).status_code == 200
    assert fake.refreshes == 2


async def test_a_refused_personal_token_is_label_studio_refused() -> None:
    fake = FakeLabelStudio([1000.0])
    async with client_for(fake, token=jwt_of("refresh", 4_000_000_001)) as http:
        with pytest.raises(LabelStudioRefused) as refused:
            await http.get(f"{BASE}/api/projects/")
    assert refused.value.details == {"label_studio_status": 401}
