"""The usage report's window: times without an offset are UTC, from must not follow to, dates
stay in a range the arithmetic can hold, and a window cut to 92 days says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from turnout.security.roles import Role

USAGE = "/api/v1/llm/usage"


async def report(client, tenant, **window: str):
    return await client.get(USAGE, params=window, headers=tenant.headers(Role.VIEWER))


async def test_a_time_without_an_offset_is_utc(client, tenant):
    response = await report(client, tenant, **{"from": "2026-01-01T00:00:00", "to": "2026-01-02"})
    assert response.status_code == 200, response.text
    assert response.json()["from"] == "2026-01-01T00:00:00+00:00"
    assert response.json()["to"] == "2026-01-02T00:00:00+00:00"


async def test_the_callers_offset_is_kept(client, tenant):
    window = {"from": "2026-01-01T08:00:00+08:00", "to": "2026-01-02T00:00:00Z"}
    assert (await report(client, tenant, **window)).json()["from"] == "2026-01-01T08:00:00+08:00"


@pytest.mark.parametrize(
    ("window", "field", "code"),
    [
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from",
         "validation.not_after_to"),
        ({"from": "2999-01-01T00:00:00Z"}, "from", "validation.not_after_to"),
        ({"to": "0001-01-01T00:00:00Z"}, "to", "validation.date_out_of_range"),
        ({"from": "0001-01-01T00:00:00+01:00", "to": "2026-01-01T00:00:00Z"}, "from",
         "validation.date_out_of_range"),
        ({"to": "9999-12-31T23:59:59-12:00"}, "to", "validation.date_out_of_range"),
    ],
)
async def test_a_window_that_cannot_be_reported_is_refused(client, tenant, window, field, code):
    response = await report(client, tenant, **window)
    assert response.status_code == 422, response.text
    assert [(f["field"], f["code"]) for f in response.json()["error"]["details"]["fields"]] == [
        (field, code)
    ]


async def test_a_window_cut_to_92_days_says_so(client, tenant):
    until = datetime(2026, 6, 1, tzinfo=UTC)

    def days_before(days: int) -> dict[str, str]:
        return {"from": (until - timedelta(days=days)).isoformat(), "to": until.isoformat()}

    long = (await report(client, tenant, **days_before(200))).json()
    assert long["clipped"] is True
    assert long["from"] == (until - timedelta(days=92)).isoformat()
    assert (await report(client, tenant, **days_before(92))).json()["clipped"] is False
