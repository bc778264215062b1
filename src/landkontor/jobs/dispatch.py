"""Handing jobs to the broker — always after the job record is committed.

:func:`dispatch_after_commit` remembers a job on the session; when that session's
transaction commits, the job is published and marked ``queued``. If the broker is down the
job stays ``pending`` and the sweeper publishes it later. A job may thus be published twice
(sweeper and API racing); the runner's claim makes the second delivery a no-op.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from landkontor.jobs import lifecycle, metrics
from landkontor.jobs.broker import BROKER_ERRORS
from landkontor.jobs.models import Job, JobStatus
from landkontor.jobs.registry import get_job_type
from landkontor.settings import Settings
from landkontor.urls import is_amqp

log = logging.getLogger(__name__)

_PENDING_KEY = "landkontor.jobs.dispatch"


@dataclass(frozen=True)
class Dispatch:
    job_id: str
    job_type: str
    queue: str
    settings: Settings
    submitted: bool  # count it as submitted (new job) rather than re-queued
    job: Job | None = None  # the submitter's object: told when its publish failed


def publish(
    settings: Settings, job_id: str, job_type: str, *, countdown: float | None = None
) -> None:
    """Send one run_job message to the job type's queue, with its time limits."""
    from landkontor.jobs.celery_app import RUN_JOB, celery_app_for

    spec = get_job_type(job_type)
    if countdown and is_amqp(settings.broker_url):
        # RabbitMQ's native delayed delivery (quorum queues) counts whole seconds, at least 1.
        countdown = float(math.ceil(countdown))
    celery_app_for(settings).send_task(
        RUN_JOB,
        args=[job_id],
        kwargs={"job_type": job_type},
        queue=spec.queue,
        routing_key=spec.queue,
        countdown=countdown,
        soft_time_limit=spec.soft_time_limit,
        time_limit=spec.time_limit,
    )


def _publish_until_broker_error(jobs: list[Dispatch]) -> list[str]:
    """Publish ``jobs`` in order; stop at the first broker error (the broker is down).
    Returns the ids published."""
    published: list[str] = []
    for job in jobs:
        try:
            publish(job.settings, job.job_id, job.job_type)
        except BROKER_ERRORS as exc:
            log.warning(
                "broker unreachable, %d job(s) stay pending for the sweeper: %s",
                len(jobs) - len(published),
                exc,
            )
            break
        published.append(job.job_id)
    return published


def publish_jobs(engine: Engine, jobs: list[Dispatch]) -> list[str]:
    """Publish pending ``jobs`` (the sweeper's); mark the published ones queued."""
    published = _publish_until_broker_error(jobs)
    if published:
        lifecycle.mark_queued(engine, published)
    return published


def publish_queued(engine: Engine, jobs: list[Dispatch]) -> list[str]:
    """Publish jobs just committed as ``queued``; those the broker did not take are set back
    to ``pending`` for the sweeper. Returns the published ids."""
    published = _publish_until_broker_error(jobs)
    failed = jobs[len(published) :]  # publishing stops at the first broker error
    if failed:
        lifecycle.mark_pending(engine, [job.job_id for job in failed])
        for job in failed:
            if job.job is not None:
                set_committed_value(job.job, "status", JobStatus.pending)
                set_committed_value(job.job, "queued_at", None)
    return published


def dispatch_after_commit(session: Session, job: Job, settings: Settings, *, new: bool) -> None:
    """Publish ``job`` (written as ``queued``) once the session's transaction commits."""
    session.info.setdefault(_PENDING_KEY, []).append(
        Dispatch(job.id, job.type, job.queue, settings, submitted=new, job=job)
    )


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    jobs: list[Dispatch] = session.info.pop(_PENDING_KEY, [])
    if not jobs:
        return
    for job in jobs:
        if job.submitted:
            metrics.JOBS_SUBMITTED.labels(job.job_type, job.queue).inc()
    try:
        publish_queued(session.get_bind().engine, jobs)
    except Exception:  # the jobs are stored; the sweeper dispatches what is left
        log.exception("dispatching %d job(s) after commit failed", len(jobs))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
