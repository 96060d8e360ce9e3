"""Properties 17 and 19 of the plan, over HTTP through /ml/predict with providers on the fake
upstream answering as a model would.

- 17, pre-annotation routing (requirement 7.1): every pre-annotation call goes through the
  gateway to the provider routing chooses (the project's own, else the tenant's active one,
  then the fallbacks the routing allows), asked in the output mode of the first provider's
  capabilities, with one tenant-scoped usage row per call.
- 19, pre-annotation error isolation (requirement 7.3): in any batch, a task that fails
  (unreadable data, an answer invalid twice, an upstream error or timeout) fails alone, with
  its reason stored, in its place in the answer; a retry asks only the failed ones again; the
  project's human annotations are never touched.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.annotation.test_ml_backend_api import CONFIG, basic, setup_body
from tests.api.test_provider_configs import payload_for
from tests.conftest import TenantFixture, build_tenant
from turnout.fakeupstream import FakeUpstream, Fault
from turnout.fakeupstream.annotator import TASK_PREFIX, Annotator
from turnout.fakeupstream.recording import RecordedRequest
from turnout.providers.catalog import CATALOG
from turnout.security.roles import Role
from turnout.store.models import HumanAnnotation, Prediction, UsageLog

LABELS = ("Positive", "Negative")
# Types whose capabilities differ: json_schema (openai, ollama), json_object (deepseek, zhipu);
# log-probabilities (openai, deepseek, ollama) or none (zhipu).
TYPES = ("openai", "deepseek", "zhipu", "ollama")
# A provider that hangs is given up on this soon; an answering one is far quicker, even on a
# loaded machine (with 0.3 s, property 19 once saw a task that should have been answered fail).
TIMEOUT_S = 1.0
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def chat_calls(upstream: FakeUpstream) -> list[RecordedRequest]:
    """The chat requests the fake upstream received, oldest first."""
    return [r for r in upstream.requests if isinstance(r.json, dict) and "messages" in r.json]


def asked_text(request: RecordedRequest) -> str:
    """The task text a pre-annotation request asks about."""
    task = next(m["content"] for m in reversed(request.json["messages"])
                if m["role"] == "user" and str(m["content"]).startswith(TASK_PREFIX))
    return str(json.loads(task[len(TASK_PREFIX):])["text"])


def output_mode(request: RecordedRequest) -> str:
    """How the request holds the model to the answer schema, as sent on the wire."""
    body = request.json
    response_format = body.get("response_format") or {}
    if response_format.get("type") in ("json_schema", "json_object"):
        return str(response_format["type"])
    if isinstance(body.get("format"), dict):
        return "json_schema"  # Ollama's native structured output: the schema itself
    if body.get("format") == "json":
        return "json_object"
    if any(tool.get("function", {}).get("name") == "submit_annotation"
           for tool in body.get("tools") or ()):
        return "tools"
    return "plain"


def expected_mode(provider_type: str) -> str:
    """The strongest structured output the type's catalog capabilities allow."""
    capabilities = CATALOG[provider_type].capabilities
    if capabilities.json_schema:
        return "json_schema"
    if capabilities.json_object:
        return "json_object"
    if capabilities.tools and capabilities.forced_tool_choice:
        return "tools"
    return "plain"


async def add_provider(client, tenant: TenantFixture, upstream: FakeUpstream,
                       provider_type: str) -> str:
    body = payload_for(provider_type, upstream)
    # One try per call, no hedging: each provider in the order is asked exactly once per call.
    body["options"] = {"timeout_s": TIMEOUT_S, "max_retries": 0, "hedging": False}
    created = await client.post("/admin/config/llm", json=body, headers=tenant.headers())
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def set_up_project(client, tenant: TenantFixture, number: int,
                         provider_id: str | None) -> str:
    """Label Studio's /setup for project `number`, then its provider chosen in Turnout."""
    key = basic(tenant.api_keys[Role.MEMBER])
    answer = await client.post("/ml/setup", json=setup_body(number), headers=key)
    assert answer.status_code == 200, answer.text
    listed = await client.get("/api/v1/preannotation/projects", headers=tenant.headers())
    assert listed.status_code == 200, listed.text
    (project,) = [p for p in listed.json()["projects"] if p["ls_project_id"] == number]
    if provider_id is not None:
        chosen = await client.put(f"/api/v1/preannotation/projects/{project['id']}",
                                  json={"provider_id": provider_id}, headers=tenant.headers())
        assert chosen.status_code == 200, chosen.text
    return str(project["id"])


async def predict(client, tenant: TenantFixture, number: int,
                  tasks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    body = {"tasks": tasks, "project": f"{number}.1712345678", "label_config": CONFIG}
    answer = await client.post("/ml/predict", json=body,
                               headers=basic(tenant.api_keys[Role.MEMBER]))
    assert answer.status_code == 200, answer.text
    results: list[list[dict[str, Any]]] = answer.json()["results"]
    assert len(results) == len(tasks)
    return results


async def usage_rows(services, tenant_id: str) -> list[UsageLog]:
    await services.usage.flush()
    async with services.sessions() as session:
        return list((await session.execute(
            select(UsageLog).where(UsageLog.tenant_id == tenant_id)
        )).scalars())


async def prediction_rows(services, project_id: str) -> dict[int, Prediction]:
    async with services.sessions() as session:
        rows = (await session.execute(
            select(Prediction).where(Prediction.project_id == project_id)
        )).scalars()
        return {row.task_id: row for row in rows}


@dataclass(frozen=True)
class RoutingCase:
    types: tuple[str, ...]  # one provider of each
    active: int
    fallbacks: tuple[int, ...]
    pinned_fallback: bool  # routing's fallback_for_pinned
    project_provider: int | None
    failures: tuple[str | None, ...]  # per provider: None, "server_error" or "timeout"
    labels: tuple[str, ...]  # the right answer of each task

    def order(self) -> list[int]:
        """The providers routing tries, in order."""
        if self.project_provider is None:
            tried = [self.active, *self.fallbacks]
        elif self.pinned_fallback:
            tried = [self.project_provider, *self.fallbacks]
        else:
            tried = [self.project_provider]
        return list(dict.fromkeys(tried))

    def answering(self) -> int | None:
        return next((i for i in self.order() if self.failures[i] is None), None)


@st.composite
def routing_cases(draw: st.DrawFn) -> RoutingCase:
    types = tuple(draw(st.lists(st.sampled_from(TYPES), min_size=2, max_size=3, unique=True)))
    indices = range(len(types))
    active = draw(st.sampled_from(indices))
    others = [i for i in indices if i != active]
    fallbacks = tuple(draw(st.permutations(others))[: draw(st.integers(0, len(others)))])
    return RoutingCase(
        types=types, active=active, fallbacks=fallbacks, pinned_fallback=draw(st.booleans()),
        project_provider=draw(st.none() | st.sampled_from(indices)),
        failures=tuple(draw(st.lists(st.sampled_from([None, "server_error", "timeout"]),
                                     min_size=len(types), max_size=len(types)))),
        # At most two tasks: a third consecutive failure would mark a provider unhealthy
        # (health/), and routing then rightly passes over it for later calls.
        labels=tuple(draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=2))),
    )


@PROPERTY_SETTINGS
@given(case=routing_cases())
async def test_property_17_preannotation_goes_to_the_provider_routing_chooses(
    client, services, upstream, case: RoutingCase
):
    upstream.reset()
    tenant = await build_tenant(services)  # its own routing and usage rows
    ids = [await add_provider(client, tenant, upstream, t) for t in case.types]
    routing = {"active_provider_id": ids[case.active],
               "fallback_provider_ids": [ids[i] for i in case.fallbacks],
               "fallback_for_pinned": case.pinned_fallback}
    routed = await client.put("/api/v1/llm/routing", json=routing, headers=tenant.headers())
    assert routed.status_code == 200, routed.text
    number = secrets.randbelow(10**9) + 1
    pinned = None if case.project_provider is None else ids[case.project_provider]
    project_id = await set_up_project(client, tenant, number, pinned)
    texts = [f"task {i} of {number}" for i in range(len(case.labels))]
    upstream.set_annotator(Annotator(
        gold={text: {"sentiment": label} for text, label in zip(texts, case.labels, strict=True)}
    ))
    for provider_type, failure in zip(case.types, case.failures, strict=True):
        if failure == "server_error":
            upstream.add_fault(Fault(status=500, flavors=(provider_type,)))
        elif failure == "timeout":
            upstream.add_fault(Fault(hang=True, flavors=(provider_type,)))
    tasks = [{"id": 10 + i, "data": {"text": text}} for i, text in enumerate(texts)]

    results = await predict(client, tenant, number, tasks)

    order, answering = case.order(), case.answering()
    tried = order if answering is None else order[: order.index(answering) + 1]
    calls = chat_calls(upstream)
    # Every task asked each provider tried, in routing's order, and no other provider.
    asked = {text: [c.flavor for c in calls if asked_text(c) == text] for text in texts}
    assert asked == {text: [case.types[i] for i in tried] for text in texts}
    assert sum(map(len, asked.values())) == len(calls)
    # The prompt's output mode is the first provider's.
    first_calls = [c for c in calls if c.flavor == case.types[order[0]]]
    assert {output_mode(c) for c in first_calls} == {expected_mode(case.types[order[0]])}
    rows = await prediction_rows(services, project_id)
    usage = await usage_rows(services, tenant.id)
    assert len(usage) == len(tasks)  # one row per call: no repair was needed
    if answering is None:
        assert results == [[]] * len(tasks)
        assert {row.status for row in rows.values()} == {"failed"}
        assert {row.error["code"] for row in rows.values()} == {"ALL_PROVIDERS_FAILED"}
        assert {row.status for row in usage} == {"error"}, [(r.status, r.error_code) for r in usage]
    else:
        for entry, label in zip(results, case.labels, strict=True):
            (prediction,) = entry
            assert prediction["result"][0]["value"] == {"choices": [label]}
        assert {row.status for row in rows.values()} == {"completed"}
        assert {(row.provider_id, row.attempts) for row in usage} == {
            (ids[answering], len(tried))}, [(r.provider_id, r.attempts, r.status) for r in usage]
    assert all(row.tenant_id == tenant.id for row in usage)


UNREADABLE, INVALID = "unreadable", "invalid"
FAULTS = {"server_error": Fault(status=500, paths=("/chat/completions",)),
          "timeout": Fault(hang=True, paths=("/chat/completions",))}
OUTSIDE_THE_CONFIG = "Ecstatic"


@dataclass(frozen=True)
class Batch:
    kinds: tuple[str, ...]  # per task: a label it should get, UNREADABLE or INVALID
    ids: tuple[int, ...]  # Label Studio task ids, in the order sent
    faults: tuple[str, ...]  # the replies of the first chat calls to arrive, in turn
    annotated: tuple[bool, ...]  # per task: a human annotation is stored before the run


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    kinds = tuple(draw(st.lists(st.sampled_from([*LABELS, UNREADABLE, INVALID]),
                                min_size=1, max_size=5)))
    ids = tuple(draw(st.lists(st.integers(1, 10**9), min_size=len(kinds),
                              max_size=len(kinds), unique=True)))
    # At most three faults: the circuit breaker opens after five failures in a row, and then
    # calls fail without reaching the upstream.
    faults = tuple(draw(st.lists(st.sampled_from(sorted(FAULTS)), max_size=3)))
    annotated = tuple(draw(st.lists(st.booleans(), min_size=len(kinds), max_size=len(kinds))))
    return Batch(kinds, ids, faults, annotated)


def task_text(number: int, index: int) -> str:
    return f"task {index} of project {number}"


def task_data(batch: Batch, number: int, index: int) -> dict[str, str]:
    if batch.kinds[index] == UNREADABLE:
        return {"body": task_text(number, index)}  # the config reads $text
    return {"text": task_text(number, index)}


@dataclass(frozen=True)
class Outcome:
    label: str | None  # the prediction's choice, or None when the task failed
    code: str | None  # the stored reason of a failure
    calls: int  # chat calls made for the task


def expected_outcome(kind: str, replies: list[str | None], *,
                     first_cached: bool = False) -> Outcome:
    """What one task must come to, from the faults its own calls met (None: answered).

    `first_cached`: the first question was answered before, so the gateway's cache answers it
    again without a call; a repair is never answered from the cache."""
    if kind == UNREADABLE:
        return Outcome(None, "TASK_DATA_INVALID", 0)
    if replies[0] is not None:
        return Outcome(None, "ALL_PROVIDERS_FAILED", 1)
    asked = 0 if first_cached else 1
    if kind != INVALID:
        return Outcome(kind, None, asked)
    if replies[1] is not None:  # the repair call failed upstream
        return Outcome(None, "ALL_PROVIDERS_FAILED", asked + 1)
    return Outcome(None, "PREDICTION_INVALID", asked + 1)


def outcomes_seen(results: list[list[dict[str, Any]]], rows: dict[int, Prediction],
                  batch: Batch, calls: Counter[str], number: int) -> list[Outcome]:
    seen = []
    for index, (task_id, entry) in enumerate(zip(batch.ids, results, strict=True)):
        row = rows[task_id]
        if entry:
            (prediction,) = entry
            assert row.status == "completed" and row.error is None
            assert prediction["result"] == row.result["items"]
            (choice,) = prediction["result"][0]["value"]["choices"]
            seen.append(Outcome(choice, None, calls[task_text(number, index)]))
        else:
            assert row.status == "failed" and row.result is None
            seen.append(Outcome(None, row.error["code"], calls[task_text(number, index)]))
    return seen


async def store_human_annotations(services, tenant: TenantFixture, project_id: str,
                                  batch: Batch) -> list[tuple[Any, ...]]:
    async with services.sessions() as session:
        for task_id, annotated in zip(batch.ids, batch.annotated, strict=True):
            if annotated:
                result = [{"id": "h1", "from_name": "sentiment", "to_name": "text",
                           "type": "choices", "value": {"choices": ["Negative"]}}]
                session.add(HumanAnnotation(
                    tenant_id=tenant.id, project_id=project_id, task_id=task_id,
                    ls_annotation_id=task_id + 1, model_version=None,
                    result={"items": result}, accepted=None, task_correct=None,
                ))
        await session.commit()
    return await human_annotations(services, project_id)


async def human_annotations(services, project_id: str) -> list[tuple[Any, ...]]:
    async with services.sessions() as session:
        rows = (await session.execute(
            select(HumanAnnotation).where(HumanAnnotation.project_id == project_id)
            .order_by(HumanAnnotation.task_id)
        )).scalars()
        return [(r.id, r.task_id, r.ls_annotation_id, r.prediction_id, r.model_version,
                 r.result, r.accepted, r.task_correct, r.updated_at) for r in rows]


@PROPERTY_SETTINGS
@given(batch=batches())
async def test_property_19_a_failing_task_fails_alone_and_is_asked_again_on_retry(
    client, services, upstream, batch: Batch
):
    upstream.reset()
    tenant = await build_tenant(services)
    provider_id = await add_provider(client, tenant, upstream, "openai")
    routing = {"active_provider_id": provider_id, "fallback_provider_ids": []}
    routed = await client.put("/api/v1/llm/routing", json=routing, headers=tenant.headers())
    assert routed.status_code == 200, routed.text
    number = secrets.randbelow(10**9) + 1
    project_id = await set_up_project(client, tenant, number, None)
    upstream.set_annotator(Annotator(gold={
        task_text(number, i): {"sentiment": OUTSIDE_THE_CONFIG if kind == INVALID else kind}
        for i, kind in enumerate(batch.kinds) if kind != UNREADABLE
    }))
    humans = await store_human_annotations(services, tenant, project_id, batch)
    for name in batch.faults:
        upstream.enqueue(FAULTS[name])
    tasks = [{"id": task_id, "data": task_data(batch, number, i)}
             for i, task_id in enumerate(batch.ids)]

    results = await predict(client, tenant, number, tasks)

    calls = chat_calls(upstream)
    # Faults were handed to the first calls to arrive, one each, in the order queued.
    met: dict[str, list[str | None]] = {}
    for index, call in enumerate(calls):
        fault = batch.faults[index] if index < len(batch.faults) else None
        met.setdefault(asked_text(call), []).append(fault)
    expected = [
        expected_outcome(kind, [*met.get(task_text(number, i), []), None, None])
        for i, kind in enumerate(batch.kinds)
    ]
    rows = await prediction_rows(services, project_id)
    assert sorted(rows) == sorted(batch.ids)
    first = outcomes_seen(results, rows, batch, Counter(map(asked_text, calls)), number)
    assert first == expected

    upstream.clear_faults()
    asked_before = len(calls)
    retried = await predict(client, tenant, number, tasks)

    again = chat_calls(upstream)[asked_before:]
    # Only the tasks that failed are asked again, and only those the model can answer.
    failed = {task_text(number, i) for i, outcome in enumerate(first)
              if outcome.label is None and batch.kinds[i] != UNREADABLE}
    assert {asked_text(call) for call in again} == failed
    rows = await prediction_rows(services, project_id)
    second = outcomes_seen(retried, rows, batch, Counter(map(asked_text, again)), number)
    for i, (kind, before, after) in enumerate(zip(batch.kinds, first, second, strict=True)):
        if before.label is not None:  # kept as predicted, answered from the database
            assert retried[i] == results[i] and after == Outcome(before.label, None, 0)
        else:
            answered = met.get(task_text(number, i), [])[:1] == [None]
            assert after == expected_outcome(kind, [None, None], first_cached=answered)
    assert await human_annotations(services, project_id) == humans
