"""Submitting jobs and waiting for them, as a client does."""

from __future__ import annotations

import asyncio

FINISHED = {"completed", "cancelled", "failed"}


async def wait_for(client, job_id: str, headers: dict[str, str], *, timeout_s: float = 30.0,
                   until: frozenset[str] | set[str] = FINISHED) -> dict:
    """The job once its status is one of `until`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        job = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
        if job["status"] in until:
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job still {job['status']} after {timeout_s} s: {job}")
        await asyncio.sleep(0.05)


async def results(client, job_id: str, headers: dict[str, str]) -> list[dict]:
    import orjson

    lines: list[dict] = []
    cursor = 0
    while True:
        response = await client.get(
            f"/api/v1/jobs/{job_id}/results", params={"cursor": cursor}, headers=headers
        )
        assert response.status_code == 200, response.text
        lines += [orjson.loads(line) for line in response.content.splitlines() if line]
        if "x-next-cursor" not in response.headers:
            return lines
        cursor = int(response.headers["x-next-cursor"])
