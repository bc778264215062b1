"""The sweeper against the database and a private Redis: what it publishes, re-queues and
fails. (End to end with beat and workers: tests/e2e/test_jobs_recovery.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis

from landkontor.db.types import utcnow
from landkontor.jobs import service, sweeper
from landkontor.jobs.models import AttemptOutcome, Job, JobAttempt, JobStatus
from tests.jobs_support import RedisServer


@pytest.fixture
def own(settings):
    server = RedisServer().start()
    yield settings.model_copy(update={"broker_url": server.url}), redis.Redis.from_url(server.url)
    server.stop()


def _job(session, settings, status: JobStatus, **values) -> str:
    job = service.submit(session, "system.ping", {}, settings=settings)
    session.refresh(job)  # the dispatch after commit marked it queued
    job.status = status
    for name, value in values.items():
        setattr(job, name, value)
    if status == JobStatus.running:
        session.add(
            JobAttempt(
                job_id=job.id,
                number=job.attempts,
                outcome=AttemptOutcome.running,
                worker="gone@elsewhere",
                started_at=utcnow() - timedelta(minutes=5),
            )
        )
    session.commit()
    return job.id


def test_sweeper_publishes_what_never_reached_the_broker(db, session, own):
    settings, broker = own
    long_ago = utcnow() - timedelta(minutes=1)
    pending = _job(session, settings, JobStatus.pending, created_at=long_ago)
    fresh = _job(session, settings, JobStatus.pending)  # its submitter may still publish it
    overdue = _job(session, settings, JobStatus.retrying, attempts=1, next_attempt_at=long_ago)
    broker.flushdb()

    report = sweeper.sweep(settings, db)
    assert report.dispatched == 1 and report.retries_rescheduled == 1
    assert broker.llen("default") == 2
    session.expire_all()
    assert session.get(Job, pending).status == JobStatus.queued
    assert session.get(Job, fresh).status == JobStatus.pending
    assert session.get(Job, overdue).status == JobStatus.retrying
    session.rollback()


def test_sweeper_requeues_or_fails_jobs_whose_worker_is_gone(db, session, own):
    settings, broker = own
    silent = utcnow() - timedelta(minutes=5)
    common = {"heartbeat_at": silent, "worker": "gone@elsewhere", "worker_host": "elsewhere"}
    requeue = _job(session, settings, JobStatus.running, attempts=1, **common)
    exhausted = _job(session, settings, JobStatus.running, attempts=3, **common)
    alive = _job(session, settings, JobStatus.running, attempts=1, heartbeat_at=utcnow())
    broker.flushdb()

    report = sweeper.sweep(settings, db)
    assert report.requeued == 1 and report.failed == 1
    assert broker.llen("default") == 1
    session.expire_all()
    job = session.get(Job, requeue)
    assert job.status == JobStatus.queued and job.error_type == "WorkerLost"
    assert job.attempt_log[-1].outcome == AttemptOutcome.lost
    job = session.get(Job, exhausted)
    assert job.status == JobStatus.failed and "attempt 3 lost" in job.error_message
    assert session.get(Job, alive).status == JobStatus.running
    session.rollback()


def test_sweeper_republishes_queued_jobs_whose_message_is_gone(db, session, own):
    settings, broker = own
    long_ago = utcnow() - timedelta(minutes=5)
    lost = _job(session, settings, JobStatus.queued, queued_at=long_ago)
    broker.flushdb()  # Redis restarted without its data

    report = sweeper.sweep(settings, db)
    assert report.republished == 1 and broker.llen("default") == 1
    # While that message waits in the queue, the job is not published again.
    _job(session, settings, JobStatus.queued, queued_at=long_ago)
    assert sweeper.sweep(settings, db).republished == 0
    session.expire_all()
    assert session.get(Job, lost).queued_at > long_ago
    session.rollback()
