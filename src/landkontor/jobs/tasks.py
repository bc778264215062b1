"""The Celery tasks: one generic task runs every job type; the sweeper; scheduled submits."""

from __future__ import annotations

import logging

from celery import Task

from landkontor.db.session import get_database
from landkontor.jobs import runner, service, sweeper
from landkontor.jobs.celery_app import RUN_JOB, SUBMIT_SCHEDULED, SWEEP, celery_app
from landkontor.settings import get_settings

log = logging.getLogger(__name__)


@celery_app.task(name=RUN_JOB, bind=True, acks_late=True, reject_on_worker_lost=True)
def run_job(self: Task, job_id: str, job_type: str | None = None) -> str:
    """Run one attempt of a job; its record in the database says what to do."""
    settings = get_settings()
    return runner.execute(
        job_id,
        worker=self.request.hostname or "?",
        settings=settings,
        database=get_database(settings),
        job_type=job_type,
    )


@celery_app.task(name=SWEEP, acks_late=False)
def sweep() -> dict[str, int]:
    """Dispatch jobs that never reached the broker, recover jobs whose worker is gone."""
    settings = get_settings()
    report = sweeper.sweep(settings, get_database(settings))
    return report.as_dict()


@celery_app.task(name=SUBMIT_SCHEDULED, acks_late=False)
def submit_scheduled(job_type: str) -> str:
    """Beat's way to submit a periodic job (purge, verify): a normal job record."""
    settings = get_settings()
    database = get_database(settings)
    with database.session() as session:
        job = service.submit(session, job_type, {}, settings=settings)
        return job.id
