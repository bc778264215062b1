"""The engine's own job types: ``system.ping`` (a health round trip through broker, worker
and database) and ``maintenance.purge-jobs`` (retention of finished jobs, nightly)."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Annotated

from celery.schedules import crontab
from pydantic import Field

from landkontor.auth.roles import Role
from landkontor.common.bounds import single_line
from landkontor.common.schemas import InputModel
from landkontor.db.types import utcnow
from landkontor.jobs.context import JobContext
from landkontor.jobs.lifecycle import purge_finished
from landkontor.jobs.models import FINISHED, JobStatus
from landkontor.jobs.registry import job_type

PingMessage = single_line(200)


class PingParams(InputModel):
    message: PingMessage = "ping"


@job_type("system.ping", params=PingParams, soft_time_limit=30, max_attempts=3)
def ping(ctx: JobContext, params: PingParams) -> dict:
    """Round trip for health checks: broker, worker, and a database write (progress)."""
    started = time.perf_counter()
    ctx.touch(progress=50, progress_message="database answered")
    round_trip_ms = (time.perf_counter() - started) * 1000
    return {
        "pong": params.message,
        "worker": ctx.worker,
        "pid": os.getpid(),
        "attempt": ctx.attempt,
        "db_round_trip_ms": round(round_trip_ms, 3),
    }


class PurgeJobsParams(InputModel):
    older_than_days: Annotated[int | None, Field(ge=0, le=36500)] = Field(
        None, description="Default: the job_retention_days setting."
    )
    statuses: list[JobStatus] = Field(default_factory=lambda: sorted(FINISHED))


@job_type(
    "maintenance.purge-jobs",
    params=PurgeJobsParams,
    role=Role.manager,
    soft_time_limit=1800,
    schedule=crontab(hour=3, minute=17),
)
def purge_jobs(ctx: JobContext, params: PurgeJobsParams) -> dict:
    """Delete finished jobs (with attempts and files) older than the retention."""
    days = params.older_than_days
    if days is None:
        days = ctx.settings.job_retention_days
    cutoff = utcnow() - timedelta(days=days)
    statuses = [s for s in params.statuses if s in FINISHED]
    with ctx.session() as session:
        deleted = purge_finished(session, older_than=cutoff, statuses=statuses)
        session.commit()
    return {"deleted": deleted, "older_than": cutoff.isoformat(), "statuses": statuses}
