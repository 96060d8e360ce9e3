"""Serving the fake upstream on its own until interrupted (`turnout fake-upstream --port N`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from turnout.fakeupstream.server import FakeUpstream

logger = logging.getLogger("turnout.fakeupstream")


async def serve(host: str, port: int) -> None:
    """Serve until cancelled."""
    fake = FakeUpstream(host, port)
    url = await fake.start()
    logger.info("fake upstream listening on %s (e.g. %s)", url, fake.url_for("openai"))
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def run_standalone(host: str = "127.0.0.1", port: int = 8900) -> None:
    """Serve on `host:port` until Ctrl-C."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    logger.setLevel(logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port))
