"""One real Label Studio per test session, for every test in this folder.

Where it is not installed the tests here are skipped, and the run ends with a banner saying so;
with TURNOUT_TEST_LABEL_STUDIO_REQUIRED=1 (scripts/test.sh sets it once the install succeeded)
a Label Studio that cannot be found or started fails them instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.api.test_provider_configs import create, payload_for
from tests.labelstudio import server
from tests.labelstudio.human import Person
from tests.labelstudio.server import LabelStudioUnavailable, RunningLabelStudio
from turnout.fakeupstream import FakeUpstream

_unavailable: list[str] = []
_started: list[float] = []


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLabelStudio]:
    """A Label Studio started for this session (fresh data dir, SQLite, loopback)."""
    try:
        executable = server.find_executable()
        running = server.start(executable, tmp_path_factory.mktemp("label-studio"))
    except LabelStudioUnavailable as exc:
        if os.environ.get("TURNOUT_TEST_LABEL_STUDIO_REQUIRED") == "1":
            pytest.fail(f"Label Studio is required here but unavailable: {exc}")
        _unavailable.append(str(exc))
        pytest.skip(f"LABEL STUDIO UNAVAILABLE, its tests are skipped: {exc}")
    _started.append(running.started_in_s)
    try:
        yield running
    finally:
        server.stop(running.process)


@pytest.fixture
async def person(label_studio: RunningLabelStudio) -> AsyncIterator[Person]:
    someone = Person(label_studio)
    yield someone
    await someone.aclose()


@pytest.fixture
async def turnout(client, tenant, upstream: FakeUpstream) -> AsyncIterator[dict[str, str]]:
    """The tenant's active provider is the fake upstream as a labeling model."""
    provider = await create(client, tenant, payload_for("openai", upstream, name="annotator"))
    routing = {"active_provider_id": provider["id"], "fallback_provider_ids": []}
    assert (await client.put("/api/v1/llm/routing", json=routing,
                             headers=tenant.headers())).is_success
    yield provider
    upstream.set_annotator(None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _started:
        terminalreporter.write_line(f"Label Studio answered {_started[0]:.1f} s after its start")
    if _unavailable:
        terminalreporter.write_sep("!", "LABEL STUDIO TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(_unavailable[0], red=True)
        terminalreporter.write_line(
            "Install it with `bash scripts/labelstudio.sh`; scripts/test.sh does this itself.",
            red=True,
        )
