"""schemathesis against the OpenAPI document, as each role: no 5xx and no undocumented answer.

The `st` command line runs against the app served over real HTTP (`live_url`), once per role
(viewer, member, then admin: an admin's run may revoke the others' keys), with every phase:
the schema's examples, coverage of each constraint's edges, random fuzzing (valid and invalid
inputs) and the stateful phase, which chains operations through the links it infers (create a
provider, then read, test, activate and delete it). Checked on every answer: not a server error,
its status and content type documented, its body matching the documented schema.

Bounded in time: TURNOUT_FUZZ_SECONDS per role (fuzzing and the stateful phase repeat until it
is spent). The seed is fixed so CI is reproducible; TURNOUT_FUZZ_SEED picks another.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import TenantFixture
from tests.gateway.helpers import providers
from turnout.providers import CATALOG
from turnout.security.roles import Role

ROOT = Path(__file__).resolve().parents[2]
ST = str(Path(sys.executable).parent / "st")
CONFIG = str(Path(__file__).with_name("schemathesis.toml"))
PHASES = "examples,coverage,fuzzing,stateful"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
SECONDS_PER_ROLE = os.environ.get("TURNOUT_FUZZ_SECONDS", "30")
SEED = os.environ.get("TURNOUT_FUZZ_SEED", "20261130")
ROLES = (Role.VIEWER, Role.MEMBER, Role.ADMIN)
# Calls that go to the providers: left to the member's run, where the tenant's providers are
# as configured. In the admin's run, which disables and deletes providers at random, they would
# mostly answer the documented 503 NO_PROVIDER_AVAILABLE and test nothing else.
GATEWAY_CALLS = r"^/(api/v1/llm/(generate|embed|batch.*)|v1/(chat/completions|embeddings))$"


def fuzz_environment(upstream_urls: dict[str, object], protected: list[str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        SCHEMATHESIS_HOOKS="tests.security.schemathesis_hooks",
        TURNOUT_FUZZ_UPSTREAM=json.dumps(upstream_urls),
        TURNOUT_FUZZ_PROTECTED=json.dumps(protected),
    )
    return env


async def run_st(
    url: str, role: Role, token: str, reports: Path, env: dict[str, str]
) -> tuple[int, str]:
    exclude = ["--exclude-path-regex", GATEWAY_CALLS] if role is Role.ADMIN else []
    process = await asyncio.create_subprocess_exec(
        ST, "--config-file", CONFIG, "run", f"{url}/openapi.json", *exclude,
        "--header", f"Authorization: Bearer {token}",
        "--phases", PHASES,
        "--checks", CHECKS,
        "--max-time", SECONDS_PER_ROLE,
        "--seed", SEED,
        "--workers", "1",
        "--request-timeout", "20",
        "--report", "ndjson",
        "--report-dir", str(reports),
        "--no-color",
        cwd=reports.parent, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


def statuses_seen(reports: Path) -> Counter[int]:
    """Every response status in the run's event stream (the ndjson report)."""
    seen: Counter[int] = Counter()
    for path in reports.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            _count_statuses(json.loads(line), seen)
    return seen


def _count_statuses(event: object, seen: Counter[int]) -> None:
    stack = [event]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            status = item.get("status_code")
            if isinstance(status, int) and "elapsed" in item:
                seen[status] += 1
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


@pytest.mark.slow
async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    live_url, client, tenant: TenantFixture, upstream, tmp_path
):
    # Two providers on the fake upstream, so generate and chat have somewhere to go.
    await providers(client, tenant, upstream, "openai", "qwen")
    urls = {"root": upstream.url, "by_type": {kind: upstream.url_for(kind) for kind in CATALOG}}
    failures = []
    for role in ROLES:
        env = fuzz_environment(urls, [tenant.users[role]])
        reports = tmp_path / role.value
        code, output = await run_st(live_url, role, tenant.tokens[role], reports, env)
        seen = statuses_seen(reports)
        print(f"--- {role.value}: exit {code}, statuses {dict(sorted(seen.items()))}\n{output}")
        if code != 0 or not seen or seen[500]:  # every role runs, so one run shows everything
            failures.append(f"{role.value}: exit {code}, statuses {dict(seen)}\n{output}")
    assert not failures, "\n".join(failures)
