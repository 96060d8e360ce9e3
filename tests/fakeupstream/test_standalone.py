"""Running the fake upstream as its own process, as `turnout fake-upstream` will."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp


async def test_standalone_logs_its_url_and_serves_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "turnout.fakeupstream", "--port", "0",
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=10)).decode()
        url = line.split("listening on ")[1].split()[0]
        async with aiohttp.ClientSession() as http, http.get(url + "/_fake/health") as response:
            assert await response.json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), timeout=10)
    assert code == 0
