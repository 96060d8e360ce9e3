"""The job system of a Turnout process, built from its settings."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from turnout.gateway.switcher import Switcher
from turnout.jobs.dispatch import Dispatcher, InProcessDispatcher
from turnout.jobs.llm_items import LLMItems
from turnout.jobs.queue import QueueDispatcher
from turnout.jobs.runner import ItemExecutor, JobRunner, RunnerHooks
from turnout.jobs.stats import JobStatsReader
from turnout.jobs.system import JobSystem
from turnout.metrics import GatewayMetrics
from turnout.settings import Settings
from turnout.state.locks import LeaderLock

LLM_KINDS = ("batch", "openai_batch")


def create_job_system(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    switcher: Switcher,
    metrics: GatewayMetrics,
    locks: LeaderLock,
    executors: Mapping[str, ItemExecutor] | None = None,
) -> JobSystem:
    """`executors` run the kinds of job other parts add (pre-annotation), by kind."""
    llm = LLMItems(switcher, limit_share=settings.job_limit_share)
    hooks = RunnerHooks(
        item_done=lambda kind, ok: metrics.job_items(kind, "completed" if ok else "failed").inc(),
        job_finished=lambda kind, status: metrics.jobs_finished(kind, status).inc(),
    )
    runner = JobRunner(
        sessions,
        {**dict.fromkeys(LLM_KINDS, llm), **(executors or {})},
        concurrency=settings.job_concurrency,
        lease_s=settings.job_lease_s,
        hooks=hooks,
    )
    dispatcher: Dispatcher
    stats: JobStatsReader
    if settings.job_runner == "queue":
        queue = QueueDispatcher(
            settings.database_url, sessions, locks, lease_s=settings.job_lease_s
        )
        dispatcher, stats = queue, JobStatsReader(sessions, queue.message_counts)
    else:
        dispatcher, stats = InProcessDispatcher(runner, sessions), JobStatsReader(sessions)
    return JobSystem(sessions, runner, dispatcher, stats)
