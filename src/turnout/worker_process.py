"""`turnout worker`: a process that runs batch-job items handed out by the queue.

It builds the same collaborators as a serving process (gateway, usage, metrics, health), but
serves no API; with TURNOUT_WORKER_METRICS_PORT it serves its own /metrics. SIGTERM or SIGINT
finishes the batches in hand, hands their messages back to the queue, and exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from prometheus_client import start_http_server

from turnout.app import build_services, close_services, flush_metrics_periodically
from turnout.jobs.queue import QueueWorker
from turnout.settings import Settings

log = logging.getLogger("turnout.jobs")


async def run_worker(settings: Settings) -> None:
    services = await build_services(settings)
    worker = QueueWorker(settings.database_url, services.jobs.runner)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    flusher = asyncio.create_task(flush_metrics_periodically(services))
    exposition = None
    if settings.worker_metrics_port:
        exposition, _ = start_http_server(
            settings.worker_metrics_port, addr=settings.host, registry=services.metrics.registry
        )
        log.info("worker metrics at http://%s:%d/metrics", settings.host,
                 settings.worker_metrics_port)
    log.info("worker %s waiting for job items", services.jobs.runner.owner)
    try:
        await worker.run()
    finally:
        flusher.cancel()
        if exposition is not None:
            exposition.shutdown()
        await close_services(services)
