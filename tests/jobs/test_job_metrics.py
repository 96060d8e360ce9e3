"""Job progress, item outcomes and queue depth at /metrics, counted from the database."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.helpers import providers
from tests.jobs.helpers import wait_for
from turnout.fakeupstream import Fault


def batch(n: int) -> dict:
    return {"requests": [{"prompt": f"item {i}"} for i in range(n)]}


async def scrape(client) -> dict[tuple[str, frozenset], float]:
    text = (await client.get("/metrics")).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


def sample(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def until_scraped(client, check, timeout_s: float = 20.0) -> dict:
    """Scrape until `check` holds (figures may be a few seconds old)."""
    for _ in range(int(timeout_s / 0.25)):
        found = await scrape(client)
        if check(found):
            return found
        await asyncio.sleep(0.25)
    raise AssertionError(f"/metrics never showed it: {sorted(k for k in found if 'job' in k[0])}")


async def test_a_running_job_shows_its_waiting_items_and_a_finished_one_its_outcomes(
    client, tenant, upstream, settings
):
    setup = await providers(client, tenant, upstream, "openai")
    before = await scrape(client)
    upstream.set_fault(Fault(latency_s=0.5))  # runs for 10 s unless sped up
    job = (await client.post("/api/v1/llm/batch", json=batch(300), headers=setup.member())).json()
    running = await until_scraped(
        client, lambda f: sample(f, "turnout_jobs", kind="batch", status="running") == 1
        and sample(f, "turnout_job_items_open", kind="batch", status="pending") > 0
    )
    assert 0 < sample(running, "turnout_job_items_open", kind="batch", status="pending") < 300
    if settings.job_runner == "queue":  # a worker holds the job's first messages
        assert sample(running, "turnout_job_queue_messages", status="picked") >= 1
    upstream.set_fault(None)
    await wait_for(client, job["id"], setup.member(), timeout_s=60)
    done = await until_scraped(
        client, lambda f: sample(f, "turnout_jobs", kind="batch", status="completed") == 1
    )
    assert sample(done, "turnout_jobs", kind="batch", status="running") == 0
    assert sample(done, "turnout_job_items_open", kind="batch", status="pending") == 0
    ran = (sample(done, "turnout_job_items_total", kind="batch", status="completed")
           - sample(before, "turnout_job_items_total", kind="batch", status="completed"))
    assert ran == 300
    finished = (sample(done, "turnout_jobs_finished_total", kind="batch", status="completed")
                - sample(before, "turnout_jobs_finished_total", kind="batch", status="completed"))
    assert finished == 1
