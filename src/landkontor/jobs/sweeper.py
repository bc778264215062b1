"""The sweeper (run by beat every few seconds) keeps the promise that nothing accepted is lost:

* jobs still ``pending`` (the broker was down at submit) are published;
* ``retrying`` jobs whose delayed message never came (broker down at retry) are published;
* ``queued`` jobs whose queue is empty for a long time lost their message (Redis restarted
  without its data, a worker died holding it) and are published again;
* ``running`` jobs whose worker is gone (no heartbeat) are re-queued, or failed with the
  reason once their attempts are used up.

Each move is made by :mod:`landkontor.jobs.lifecycle`; the sweeper only finds the jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from landkontor.common.lookup import locked
from landkontor.db.session import Database
from landkontor.db.types import utcnow
from landkontor.jobs import broker, lifecycle
from landkontor.jobs.dispatch import Dispatch, publish_jobs
from landkontor.jobs.models import Job, JobStatus
from landkontor.settings import Settings

log = logging.getLogger(__name__)

# Pending jobs are those the broker refused at submit and lost ones a sweep re-queued; that
# sweep publishes them itself right after committing, so a fresh pending job gets a moment.
PENDING_GRACE = timedelta(seconds=2)
BATCH = 500


@dataclass
class SweepReport:
    dispatched: int = 0
    republished: int = 0
    retries_rescheduled: int = 0
    requeued: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _locked(session: Session, stmt: Select[Job]) -> Sequence[Job]:
    """Rows locked for this sweep; rows another sweeper holds are skipped (PostgreSQL)."""
    return session.scalars(locked(stmt.limit(BATCH), of=Job, skip_locked=True)).all()


def sweep(settings: Settings, database: Database) -> SweepReport:
    """One pass of the sweeper; safe to run concurrently and repeatedly."""
    report = SweepReport()
    now = utcnow()
    to_publish: list[Dispatch] = []
    with database.session() as session:
        pending = _locked(
            session,
            select(Job)
            .where(Job.status == JobStatus.pending, Job.created_at < now - PENDING_GRACE)
            .order_by(Job.created_at),
        )
        to_publish += [Dispatch(j.id, j.type, j.queue, settings, submitted=False) for j in pending]
        report.dispatched = len(pending)

        overdue = now - timedelta(seconds=max(5.0, 2 * settings.job_sweep_interval_seconds))
        retrying = _locked(
            session,
            select(Job).where(Job.status == JobStatus.retrying, Job.next_attempt_at < overdue),
        )
        for job in retrying:
            lifecycle.reschedule_retry(job, now)
        to_publish += [Dispatch(j.id, j.type, j.queue, settings, submitted=False) for j in retrying]
        report.retries_rescheduled = len(retrying)

        stale = now - timedelta(seconds=settings.job_stale_after_seconds)
        for job in _lost_messages(session, settings, stale):
            lifecycle.republish(job, now)
            to_publish.append(Dispatch(job.id, job.type, job.queue, settings, submitted=False))
            report.republished += 1

        running = _locked(
            session,
            select(Job).where(Job.status == JobStatus.running, Job.heartbeat_at < stale),
        )
        for job in running:
            reason = lifecycle.lost_reason(job, settings, now)
            if reason is None:
                continue
            # Pending: published below; a crash right here leaves it for the next sweep.
            if not lifecycle.recover_lost(session, job, reason, again=JobStatus.pending):
                report.failed += 1
                log.error("job %s failed: attempt %d lost: %s", job.id, job.attempts, reason)
                continue
            to_publish.append(Dispatch(job.id, job.type, job.queue, settings, submitted=False))
            report.requeued += 1
            log.warning("job %s: attempt %d lost (%s); re-queued", job.id, job.attempts, reason)
        session.commit()
    if to_publish:
        publish_jobs(database.engine, to_publish)
    if any(asdict(report).values()):
        log.info("sweep: %s", report.as_dict())
    return report


def _lost_messages(session: Session, settings: Settings, stale: datetime) -> list[Job]:
    """Queued jobs waiting longer than ``stale`` in a queue that Redis says is empty."""
    queued = _locked(
        session, select(Job).where(Job.status == JobStatus.queued, Job.queued_at < stale)
    )
    if not queued:
        return []
    try:
        lengths = broker.queue_lengths(settings, {job.queue for job in queued})
    except broker.BROKER_ERRORS:
        return []  # nothing can be published now anyway
    return [job for job in queued if lengths.get(job.queue) == 0]
