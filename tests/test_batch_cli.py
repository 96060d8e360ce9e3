"""`turnout batch …` against a real Turnout over HTTP: run, status, results, cancel, Ctrl-C.

The commands run in a thread (CliRunner) or as a process (for real SIGINTs) while the session
app goes on serving on the tests' event loop.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import orjson
import pytest
from aiohttp import ClientSession, web
from click.testing import CliRunner, Result

from tests.gateway.helpers import providers
from tests.jobs.helpers import wait_for
from turnout.cli import main
from turnout.fakeupstream import Fault
from turnout.security.roles import Role

FINISHED = {"completed", "cancelled", "failed"}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")
# What a plain terminal of known width shows: rich reads these like any program would.
TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "160", "NO_COLOR": "1",
            "TERM": "xterm"}
PLAIN = {"TTY_COMPATIBLE": "0", "COLUMNS": "160", "NO_COLOR": "1"}


def write_lines(path: Path, n: int, *extra: bytes) -> Path:
    lines = [orjson.dumps({"prompt": f"item {i}", "custom_id": f"c{i}"}) for i in range(n)]
    path.write_bytes(b"\n".join([*lines, *extra]) + b"\n")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


async def turnout(*args: str, env: dict[str, str] | None = None, input: str | None = None
                  ) -> Result:
    """The command run as `turnout …` would be, in a thread so the server keeps answering."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, main, list(args), input=input, env={**PLAIN, **(env or {})}
    )


def told(result: Result) -> str:
    """What the user saw, colour and cursor movements aside."""
    return ANSI.sub("", result.output)


def no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


@pytest.fixture
async def key(client, tenant, upstream) -> str:
    """A member's API key of a tenant with a provider on the fake upstream."""
    await providers(client, tenant, upstream, "openai")
    return tenant.api_keys[Role.MEMBER]


@pytest.fixture
def at(live_url: str, key: str) -> list[str]:
    return ["--url", live_url, "--api-key", key]


async def submit(client, key: str, n: int) -> str:
    body = {"requests": [{"prompt": f"item {i}"} for i in range(n)]}
    created = await client.post("/api/v1/llm/batch", json=body,
                                headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_run_writes_every_result_and_sums_up(tmp_path, at):
    source = write_lines(tmp_path / "labels.jsonl", 20)
    result = await turnout("batch", "run", str(source), *at)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    written = read_jsonl(tmp_path / "labels.results.jsonl")
    assert [line["custom_id"] for line in written] == [f"c{i}" for i in range(20)]
    assert all(line["result"]["content"] == f"echo: item {line['position']}" for line in written)
    assert "completed: 20 completed, 0 failed, 0 cancelled of 20" in result.stdout
    assert re.search(r"tokens \d+ \(prompt \d+, completion \d+\), cost \d+\.\d+", result.stdout)
    assert f"results: {tmp_path / 'labels.results.jsonl'} (20 lines)" in result.stdout
    # Off a terminal, progress is a plain line: the last one sums the finished job up.
    assert re.search(r"completed 20/20 100% [\d.]+ items/s ETA 0:00:00 cost [\d.]+", result.stderr)


async def test_a_terminal_shows_a_live_bar_with_rate_eta_and_cost(tmp_path, at, upstream):
    upstream.set_fault(Fault(latency_s=0.4))  # four rounds of 16 items: frames while it runs
    source = write_lines(tmp_path / "slow.jsonl", 64)
    result = await turnout("batch", "run", str(source), "--out", str(tmp_path / "out.jsonl"), *at,
                           env=TERMINAL)
    assert result.exit_code == 0, result.output
    frames = told(result).splitlines()
    running = [f for f in frames if re.search(
        r"job \S+ running .* (\d|[1-5]\d)/64 +\d+% [\d.]+ items/s ETA \d:\d\d:\d\d cost [\d.]+", f)]
    assert running, told(result)
    assert any(re.search(r"completed .* 64/64 100%", frame) for frame in frames)
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 64


async def test_failed_items_are_written_and_exit_3(tmp_path, at):
    source = write_lines(tmp_path / "mixed.jsonl", 3, b"not json")
    result = await turnout("batch", "run", str(source), *at)
    assert result.exit_code == 3, result.output
    bad = read_jsonl(tmp_path / "mixed.results.jsonl")[3]
    assert (bad["status"], bad["error"]["code"]) == ("failed", "MALFORMED_JSON")
    assert "3 completed, 1 failed" in result.stdout


async def test_the_same_client_key_follows_the_same_job(tmp_path, at):
    source = write_lines(tmp_path / "again.jsonl", 2)
    first = await turnout("batch", "run", str(source), "--client-key", "nightly", *at)
    again = await turnout("batch", "run", str(source), "--client-key", "nightly", *at)
    assert (first.exit_code, again.exit_code) == (0, 0)
    job_id = re.search(r"as job (\S+)", first.stderr).group(1)
    assert f"job {job_id} was already submitted with this client key" in again.stderr


async def test_status_results_and_cancel(tmp_path, at, client, key, upstream):
    done_id = await submit(client, key, 5)
    await wait_for(client, done_id, {"Authorization": f"Bearer {key}"})
    shown = await turnout("batch", "status", done_id, *at)
    assert shown.exit_code == 0
    assert re.search(r"status +completed", shown.stdout)
    assert re.search(r"progress +5/5 \(100%\)", shown.stdout)
    printed = await turnout("batch", "results", done_id, *at)
    assert [orjson.loads(line)["position"] for line in printed.stdout.splitlines()] == [
        0, 1, 2, 3, 4]
    saved = await turnout("batch", "results", done_id, "--out", str(tmp_path / "r.jsonl"), *at)
    assert f"wrote 5 results of job {done_id}" in saved.stderr
    assert len(read_jsonl(tmp_path / "r.jsonl")) == 5

    upstream.set_fault(Fault(latency_s=0.5))
    running_id = await submit(client, key, 100)
    cancelled = await turnout("batch", "cancel", running_id, *at)
    assert cancelled.exit_code == 0, cancelled.output
    assert re.match(rf"job {running_id} (cancelling|cancelled): ", cancelled.stdout)
    followed = await turnout("batch", "status", running_id, "--follow", *at)
    assert followed.exit_code == 4  # cancelled
    assert re.search(r"status +cancelled", followed.stdout)
    late = await turnout("batch", "cancel", done_id, *at)
    assert f"job {done_id} had already completed" in late.stdout


async def test_results_page_by_cursor(tmp_path, at, client, key, monkeypatch):
    monkeypatch.setattr("turnout.batchcli.client.PAGE", 7)
    job_id = await submit(client, key, 30)
    await wait_for(client, job_id, {"Authorization": f"Bearer {key}"})
    result = await turnout("batch", "results", job_id, "--out", str(tmp_path / "all.jsonl"), *at)
    assert result.exit_code == 0
    assert [line["position"] for line in read_jsonl(tmp_path / "all.jsonl")] == list(range(30))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_errors_are_one_clear_sentence_with_turnouts_message(
    tmp_path, live_url, key, tenant
):
    source = write_lines(tmp_path / "x.jsonl", 1)
    nowhere = f"http://127.0.0.1:{free_port()}"
    member = ["--url", live_url, "--api-key", key]
    cases = [
        (["batch", "run", str(source), "--url", nowhere, "--api-key", key],
         f"cannot reach Turnout at {nowhere}", "Is it running? Check --url or TURNOUT_URL."),
        (["batch", "status", "some-job", "--url", live_url, "--api-key", "tk-not-a-key"],
         "Turnout did not accept the API key: ", "(INVALID_CREDENTIALS, HTTP 401) Check"),
        (["batch", "run", str(source), "--url", live_url,
          "--api-key", tenant.api_keys[Role.VIEWER]],
         "the API key may not do this: ", "(PERMISSION_DENIED, HTTP 403)"),
        (["batch", "results", "no-such-job", *member],
         "no job no-such-job for this API key's tenant: ", "(NOT_FOUND, HTTP 404)"),
        (["batch", "run", str(source), "--provider-id", "p" * 40, *member],
         "Turnout refused the request: ", "provider_id"),
    ]
    for args, lead, tail in cases:
        result = await turnout(*args)
        no_traceback(result)
        assert result.exit_code == 1, result.output
        told_user = result.stderr.strip()
        assert told_user.startswith(f"Error: {lead}") and tail in told_user, told_user
        assert len(told_user.splitlines()) == 1


async def test_usage_mistakes_are_refused_before_sending(tmp_path, live_url, key):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    result = await turnout("batch", "run", str(empty), "--url", live_url, "--api-key", key)
    assert result.exit_code == 1 and "has no lines to send" in result.stderr
    keyless = await turnout("batch", "status", "j", "--url", live_url, env={"TURNOUT_API_KEY": ""})
    assert keyless.exit_code == 2 and "TURNOUT_API_KEY" in keyless.stderr
    bad_url = await turnout("batch", "status", "j", "--url", "localhost:8000", "--api-key", key)
    assert bad_url.exit_code == 2 and "not an http:// or https:// URL" in bad_url.stderr


async def test_url_and_key_come_from_the_environment(tmp_path, live_url, key):
    source = write_lines(tmp_path / "env.jsonl", 2)
    result = await turnout("batch", "run", str(source),
                           env={"TURNOUT_URL": live_url, "TURNOUT_API_KEY": key})
    assert result.exit_code == 0, result.output


async def test_a_file_over_the_limit_is_refused_with_turnouts_message(tmp_path, at):
    big = tmp_path / "big.jsonl"
    line = orjson.dumps({"prompt": "x" * 1000}) + b"\n"
    with big.open("wb") as sink:
        for _ in range(65 * 1024):
            sink.write(line)
    result = await turnout("batch", "run", str(big), *at)
    no_traceback(result)
    assert result.exit_code == 1
    assert "the file is too large for Turnout" in result.stderr
    assert "PAYLOAD_TOO_LARGE, HTTP 413" in result.stderr


class Process:
    """`turnout batch run` as its own process, to be sent real signals and typed answers."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr = ""

    @classmethod
    async def start(cls, *args: str, url: str, key: str) -> Process:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")}
        env.update(TURNOUT_URL=url, TURNOUT_API_KEY=key, **PLAIN)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "turnout.cli", *args, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def sees(self, text: str, timeout_s: float = 30.0) -> str:
        """Standard error up to `text` (a prompt needs no newline to be seen)."""
        async with asyncio.timeout(timeout_s):
            while text not in self.stderr:
                chunk = await self.proc.stderr.read(4096)
                assert chunk, f"ended before {text!r}: {self.stderr}"
                self.stderr += chunk.decode()
        return self.stderr

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    async def answer(self, text: str) -> None:
        self.proc.stdin.write(text.encode() + b"\n")
        await self.proc.stdin.drain()

    async def exits(self, timeout_s: float = 30.0) -> tuple[int, str]:
        async with asyncio.timeout(timeout_s):
            stdout, rest = await self.proc.communicate()
        self.stderr += rest.decode()
        return self.proc.returncode, stdout.decode()


async def slow_run(tmp_path, live_url, key, upstream) -> tuple[Process, str]:
    """A run of 100 half-second items (several seconds), interrupted once it is being followed."""
    upstream.set_fault(Fault(latency_s=0.5))
    source = write_lines(tmp_path / "slow.jsonl", 100)
    process = await Process.start("batch", "run", str(source), url=live_url, key=key)
    seen = await process.sees("(Ctrl-C to stop)")
    job_id = re.search(r"as job (\S+)", seen).group(1)
    process.interrupt()
    await process.sees("Cancel the job?")
    return process, job_id


async def test_ctrl_c_answered_yes_cancels_the_job(tmp_path, live_url, key, upstream, client):
    process, job_id = await slow_run(tmp_path, live_url, key, upstream)
    await process.answer("y")
    code, stdout = await process.exits()
    assert code == 4, process.stderr  # the job was cancelled
    assert f"cancelling job {job_id}" in process.stderr
    job = (await client.get(f"/api/v1/jobs/{job_id}",
                            headers={"Authorization": f"Bearer {key}"})).json()
    assert job["status"] == "cancelled" and job["cancelled"] > 0
    written = read_jsonl(tmp_path / "slow.results.jsonl")
    assert len(written) == 100  # every line accounted for, finished or cancelled
    assert {line["status"] for line in written} <= {"completed", "cancelled", "failed"}
    assert f"job {job_id} cancelled:" in stdout


async def leaves_running(process: Process, job_id: str, client, key: str) -> None:
    code, _ = await process.exits()
    assert code == 130, process.stderr
    assert f"turnout batch status {job_id} --follow" in process.stderr
    assert "Traceback" not in process.stderr
    headers = {"Authorization": f"Bearer {key}"}
    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
    assert job["status"] in {"queued", "running"}
    await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
    await wait_for(client, job_id, headers)


async def test_ctrl_c_answered_no_leaves_it_running(tmp_path, live_url, key, upstream, client):
    process, job_id = await slow_run(tmp_path, live_url, key, upstream)
    await process.answer("n")
    await leaves_running(process, job_id, client, key)
    assert not (tmp_path / "slow.results.jsonl").exists()


async def test_a_second_ctrl_c_leaves_it_running_at_once(tmp_path, live_url, key, upstream, client):
    process, job_id = await slow_run(tmp_path, live_url, key, upstream)
    process.interrupt()
    await leaves_running(process, job_id, client, key)


class Proxy:
    """Between the command and Turnout: passes everything on, except that the events stream is
    dropped after its first event ("drop") or refused outright ("refuse")."""

    def __init__(self, target: str, mode: str) -> None:
        self.target, self.mode = target, mode
        self.streams = 0

    async def __aenter__(self) -> Proxy:
        self._client = ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc) -> None:
        await self._runner.cleanup()
        await self._client.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("authorization", "content-type")}
        if request.path.endswith("/events"):
            self.streams += 1
            if self.mode == "refuse":
                return web.Response(status=502, text="no streams here")
            return await self._first_event_only(request, headers)
        async with self._client.request(request.method, self.target + request.path_qs,
                                        headers=headers, data=await request.read()) as answer:
            kept = {k: v for k, v in answer.headers.items()
                    if k.lower() in ("content-type", "x-next-cursor")}
            return web.Response(status=answer.status, body=await answer.read(), headers=kept)

    async def _first_event_only(self, request: web.Request, headers: dict) -> web.StreamResponse:
        async with self._client.get(self.target + request.path_qs, headers=headers) as answer:
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            seen = b""
            async for chunk in answer.content.iter_any():
                seen += chunk
                if b"\n\n" in seen:
                    await response.write(seen.split(b"\n\n")[0] + b"\n\n")
                    break
            request.transport.close()  # the link drops mid-stream
            return response


@pytest.mark.parametrize("mode", ["drop", "refuse"])
async def test_following_survives_a_dropped_or_refused_stream(tmp_path, live_url, key, upstream,
                                                              mode):
    upstream.set_fault(Fault(latency_s=0.3))
    source = write_lines(tmp_path / "flaky.jsonl", 40)
    async with Proxy(live_url, mode) as proxy:
        result = await turnout("batch", "run", str(source), "--url", proxy.url, "--api-key", key)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(tmp_path / "flaky.results.jsonl")) == 40
    # Dropped: it came back for more; refused: it polled instead of asking again.
    assert proxy.streams > 1 if mode == "drop" else proxy.streams == 1
