"""Runs one attempt of a job in a worker process.

1. **Claim** the job in one transaction (row lock): only a waiting job, or a running one
   whose previous attempt is provably dead, is started; every other delivery (duplicate,
   cancelled, finished, purged) is acknowledged and dropped.
2. **Run** the handler with a :class:`JobContext`; a heartbeat thread keeps ``heartbeat_at``
   fresh and learns about cancellation.
3. **Finish** in one transaction, only if this attempt still owns the job: success with the
   result and result files; cancellation; a permanent failure at once; a transient failure
   as ``retrying`` with exponential backoff and jitter, until ``max_attempts`` are used.
"""

from __future__ import annotations

import logging
import os
import random
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psutil
from celery.exceptions import SoftTimeLimitExceeded
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from landkontor.db.errors import safe_error_text
from landkontor.db.session import Database, begin_write
from landkontor.db.types import utcnow
from landkontor.errors import DomainError
from landkontor.jobs import metrics
from landkontor.jobs.broker import BROKER_ERRORS
from landkontor.jobs.context import JobContext, heartbeats
from landkontor.jobs.dispatch import publish
from landkontor.jobs.errors import JobCancelled, JobSuperseded, RetryableError, UnknownJobType
from landkontor.jobs.models import AttemptOutcome, Job, JobAttempt, JobFile, JobStatus
from landkontor.jobs.registry import get_job_type, is_registered
from landkontor.jobs.store import HOST, get_store
from landkontor.logconfig import scrub
from landkontor.settings import Settings

log = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    RetryableError,
    sa_exc.OperationalError,  # connection lost, lock timeout, deadlock, serialization failure
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # connection pool exhausted
    *BROKER_ERRORS,
)


def is_transient(exc: BaseException) -> bool:
    """Transient errors are worth another attempt; everything else fails the job at once."""
    if isinstance(exc, DomainError | ValidationError | SoftTimeLimitExceeded):
        return False
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT_ERRORS)


def backoff_seconds(attempt: int, settings: Settings) -> float:
    """Exponential backoff with jitter: base · 2^(attempt-1), capped, times 0.5 to 1.5."""
    base = settings.job_retry_backoff_seconds * 2 ** max(0, attempt - 1)
    capped = min(settings.job_retry_backoff_max_seconds, base)
    return capped * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not cryptography


@dataclass(frozen=True)
class Claim:
    job_id: str
    job_type: str
    queue: str
    params: dict[str, Any]
    attempt: int
    submitted_by: str | None
    waited_since: datetime

    @classmethod
    def of(cls, job: Any) -> Claim:
        """From a claimed job (ORM object or a returned row with the same names)."""
        return cls(
            job_id=job.id,
            job_type=job.type,
            queue=job.queue,
            params=dict(job.params),
            attempt=job.attempts,
            submitted_by=job.submitted_by,
            waited_since=job.queued_at or job.created_at,
        )


def previous_attempt_lost(job: Job, settings: Settings, now: datetime) -> str | None:
    """Why the running attempt of ``job`` is dead, or None if it may still be running."""
    if job.worker_host == HOST and job.worker_pid and not psutil.pid_exists(job.worker_pid):
        return f"worker process {job.worker_pid} on {HOST} is gone"
    stale = timedelta(seconds=settings.job_stale_after_seconds)
    if job.heartbeat_at is None or now - job.heartbeat_at > stale:
        return f"no heartbeat from {job.worker or 'its worker'} since {job.heartbeat_at}"
    return None


def close_attempt(
    session: Session, job: Job, outcome: AttemptOutcome, error: BaseException | str | None = None
) -> None:
    attempt = session.scalar(
        select(JobAttempt).where(JobAttempt.job_id == job.id, JobAttempt.number == job.attempts)
    )
    if attempt is None:
        return
    attempt.outcome = outcome
    attempt.finished_at = utcnow()
    if error is not None:
        attempt.error_type = error if isinstance(error, str) else type(error).__name__
        text = error if isinstance(error, str) else safe_error_text(error)
        attempt.error_message = text[:4000]


def fail_job(session: Session, job: Job, error_type: str, message: str, tb: str | None = None):
    job.status = JobStatus.failed
    job.error_type, job.error_message, job.error_traceback = error_type, message[:4000], tb
    job.finished_at = utcnow()
    job.next_attempt_at = None
    metrics.JOBS_FAILED.labels(job.type, job.queue).inc()


def claim(
    database: Database,
    job_id: str,
    *,
    worker: str,
    settings: Settings,
    job_type: str | None = None,
) -> Claim | None:
    """Start an attempt of the job if it is this delivery's to run; None otherwise.

    ``job_type`` (from the message) allows the one-statement claim of a waiting job; every
    other case — no type given, a running job whose worker may be dead, a finished, purged or
    unknown-type job — takes the careful path under a row lock."""
    if job_type is not None:
        store = get_store(database, settings)
        fast = store.claim(job_id, job_type, worker, runnable=is_registered)
        if fast is not None:
            return Claim.of(fast)
    now = utcnow()
    with database.session() as session:
        begin_write(session)  # SQLite: read and write under one lock, not a stale snapshot
        job = session.scalar(select(Job).where(Job.id == job_id).with_for_update())
        if job is None:
            log.info("job %s: no longer exists (purged); message dropped", job_id)
            return None
        if job.status == JobStatus.running:
            reason = previous_attempt_lost(job, settings, now)
            if reason is None:
                log.info("job %s: already running on %s; duplicate dropped", job_id, job.worker)
                return None
            log.warning("job %s: attempt %d lost: %s", job_id, job.attempts, reason)
            close_attempt(session, job, AttemptOutcome.lost, f"WorkerLost: {reason}")
            if job.attempts >= job.max_attempts:
                fail_job(session, job, "WorkerLost", f"attempt {job.attempts} lost: {reason}")
                session.commit()
                return None
        elif job.status not in (JobStatus.pending, JobStatus.queued, JobStatus.retrying):
            log.info("job %s: %s; message dropped", job_id, job.status.value)
            return None
        try:
            get_job_type(job.type)
        except UnknownJobType as exc:
            fail_job(session, job, "UnknownJobType", f"{exc.detail} (worker {worker})")
            session.commit()
            return None
        job.status = JobStatus.running
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.next_attempt_at = None
        job.worker, job.worker_host, job.worker_pid = worker, HOST, os.getpid()
        job.progress, job.progress_message = 0, ""
        session.add(
            JobAttempt(
                job_id=job.id,
                number=job.attempts,
                outcome=AttemptOutcome.running,
                worker=worker,
                started_at=now,
            )
        )
        session.execute(delete(JobFile).where(JobFile.job_id == job.id, JobFile.role == "result"))
        session.commit()
        return Claim.of(job)


def execute(
    job_id: str,
    *,
    worker: str,
    settings: Settings,
    database: Database,
    job_type: str | None = None,
) -> str:
    """Claim, run and finish one attempt. Returns what happened (for the worker's log)."""
    claimed = claim(database, job_id, worker=worker, settings=settings, job_type=job_type)
    if claimed is None:
        return "skipped"
    spec = get_job_type(claimed.job_type)
    labels = (spec.name, claimed.queue)
    metrics.JOBS_STARTED.labels(*labels).inc()
    waited = (utcnow() - claimed.waited_since).total_seconds()
    metrics.JOB_QUEUE_WAIT.labels(spec.name).observe(max(0.0, waited))
    context = JobContext(
        job_id=job_id,
        job_type=spec.name,
        attempt=claimed.attempt,
        settings=settings,
        database=database,
        submitted_by=claimed.submitted_by,
        worker=worker,
    )
    started = time.perf_counter()
    try:
        with heartbeats(settings.job_heartbeat_seconds).beating(context):
            params = spec.validate_params(claimed.params)
            result = spec.handler(context, params)
    except JobSuperseded:
        log.warning("job %s: attempt %d was superseded; stopped", job_id, claimed.attempt)
        return "superseded"
    except JobCancelled as exc:
        return _finish(database, claimed, AttemptOutcome.cancelled, context, error=exc)
    except Exception as exc:
        metrics.JOB_DURATION.labels(spec.name).observe(time.perf_counter() - started)
        outcome = AttemptOutcome.retry if is_transient(exc) else AttemptOutcome.failed
        return _finish(database, claimed, outcome, context, error=exc, settings=settings)
    metrics.JOB_DURATION.labels(spec.name).observe(time.perf_counter() - started)
    return _finish(database, claimed, AttemptOutcome.succeeded, context, result=result)


def _finish(
    database: Database,
    claimed: Claim,
    outcome: AttemptOutcome,
    context: JobContext,
    *,
    result: dict[str, Any] | None = None,
    error: BaseException | None = None,
    settings: Settings | None = None,
) -> str:
    if outcome is AttemptOutcome.succeeded:
        return _succeed(database, claimed, context, result)
    retry_in: float | None = None
    with database.session() as session:
        begin_write(session)  # SQLite: read and write under one lock, not a stale snapshot
        job = session.scalar(select(Job).where(Job.id == claimed.job_id).with_for_update())
        if job is None or job.status != JobStatus.running or job.attempts != claimed.attempt:
            log.warning(
                "job %s: attempt %d no longer owns the job", claimed.job_id, claimed.attempt
            )
            return "superseded"
        now = utcnow()
        labels = (job.type, job.queue)
        if outcome is AttemptOutcome.cancelled:
            job.status, job.finished_at = JobStatus.cancelled, now
            job.result = getattr(error, "result", None)
            job.progress_message = str(error)[:500]
            metrics.JOBS_CANCELLED.labels(*labels).inc()
        else:
            assert error is not None and settings is not None
            # Shown to the submitter and logged: a database error's text may quote values.
            message = safe_error_text(error) or type(error).__name__
            tb = scrub("".join(traceback.format_exception(error)))
            if outcome is AttemptOutcome.retry and job.attempts < job.max_attempts:
                retry_in = backoff_seconds(job.attempts, settings)
                job.status = JobStatus.retrying
                job.next_attempt_at = now + timedelta(seconds=retry_in)
                job.error_type, job.error_message = type(error).__name__, message[:4000]
                job.error_traceback = tb
                metrics.JOBS_RETRIED.labels(*labels).inc()
                log.warning(
                    "job %s: attempt %d failed transiently (%s); retry in %.1fs",
                    job.id,
                    job.attempts,
                    message,
                    retry_in,
                )
            else:
                if outcome is AttemptOutcome.retry:
                    message = f"gave up after {job.attempts} attempts: {message}"
                fail_job(session, job, type(error).__name__, message, tb)
                log.warning("job %s failed: %s", job.id, message)
        close_attempt(session, job, outcome, error)
        session.commit()
        job_type = job.type
    if retry_in is not None:
        try:
            publish(settings, claimed.job_id, job_type, countdown=retry_in)  # type: ignore[arg-type]
        except BROKER_ERRORS:
            log.warning("job %s: broker down; the sweeper will schedule the retry", claimed.job_id)
    return outcome.value


def _succeed(
    database: Database, claimed: Claim, context: JobContext, result: dict[str, Any] | None
) -> str:
    """Record success, result and result files in one transaction (if still ours)."""
    store = get_store(database, context.settings)
    if not store.succeed(claimed.job_id, claimed.attempt, result, context.result_files):
        log.warning("job %s: attempt %d no longer owns the job", claimed.job_id, claimed.attempt)
        return "superseded"
    metrics.JOBS_SUCCEEDED.labels(claimed.job_type, claimed.queue).inc()
    return AttemptOutcome.succeeded.value
