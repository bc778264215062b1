"""Every move of a job record, in one place: submit, publish (pending ↔ queued), claim,
heartbeat and progress, succeed, fail, retry, lost-worker recovery, cancel, run again, purge.

Which status may follow which is :data:`landkontor.jobs.status.TRANSITIONS`; every ORM move
here goes through :func:`move`, which refuses any other. The worker's hot writes (claim,
heartbeat/progress, success) are single statements in :mod:`landkontor.jobs.bookkeeping`
(one per database kind); this module decides when they apply. The callers — the use cases
in ``service.py``, the worker's ``runner.py``, the ``sweeper.py`` and ``dispatch.py`` —
decide *what* to do and call these functions; none of them sets a status itself.
"""

from __future__ import annotations

import logging
import random
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psutil
from celery.exceptions import SoftTimeLimitExceeded
from pydantic import ValidationError
from sqlalchemy import Engine, delete, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from landkontor.common.lookup import get_locked
from landkontor.db.base import table_of
from landkontor.db.errors import safe_error_text
from landkontor.db.session import Database, begin_write
from landkontor.db.types import utcnow
from landkontor.errors import DomainError
from landkontor.jobs import metrics
from landkontor.jobs.bookkeeping import HOST, Claim, bookkeeping_for
from landkontor.jobs.broker import BROKER_ERRORS
from landkontor.jobs.errors import (
    JobNotCancellable,
    JobNotRetryable,
    RetryableError,
    UnknownJobType,
)
from landkontor.jobs.models import Job, JobAttempt
from landkontor.jobs.registry import JobType, get_job_type, is_registered
from landkontor.jobs.status import (
    FINISHED,
    WAITING,
    AttemptOutcome,
    JobStatus,
    can_move,
)
from landkontor.logconfig import scrub
from landkontor.settings import Settings

log = logging.getLogger(__name__)


class IllegalTransition(RuntimeError):
    """A move the transition table does not allow: a bug, never the user's doing."""


def move(job: Job, new: JobStatus) -> None:
    """Set the status of ``job`` to ``new`` if the transition table allows it."""
    if not can_move(job.status, new):
        raise IllegalTransition(f"job {job.id}: {job.status.value} → {new.value}")
    job.status = new


# --- the retry policy (pure) ----------------------------------------------------------------

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


def after_error(attempts: int, max_attempts: int, *, transient: bool) -> JobStatus:
    """The status after an attempt failed: retrying while a transient error leaves attempts,
    failed otherwise."""
    return JobStatus.retrying if transient and attempts < max_attempts else JobStatus.failed


def backoff_seconds(attempt: int, settings: Settings) -> float:
    """Exponential backoff with jitter: base · 2^(attempt-1), capped, times 0.5 to 1.5."""
    base = settings.job_retry_backoff_seconds * 2 ** max(0, attempt - 1)
    capped = min(settings.job_retry_backoff_max_seconds, base)
    return capped * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not cryptography


# --- submit ---------------------------------------------------------------------------------


def new_job(
    job_id: str,
    spec: JobType,
    params: dict[str, Any],
    *,
    submitted_by: str | None,
    idempotency_key: str | None,
) -> Job:
    """A new job record, written ``queued``: it is published after the commit and set back
    to pending only if the broker does not take it (:func:`mark_pending`)."""
    now = utcnow()
    return Job(
        id=job_id,
        type=spec.name,
        queue=spec.queue,
        params=params,
        status=JobStatus.queued,
        progress=0,
        progress_message="",
        attempts=0,
        max_attempts=spec.max_attempts,
        cancel_requested=False,
        submitted_by=submitted_by,
        idempotency_key=idempotency_key,
        created_at=now,
        queued_at=now,
    )


# --- publish --------------------------------------------------------------------------------

_jobs = table_of(Job)


def mark_queued(engine: Engine, job_ids: list[str]) -> None:
    """Pending jobs just published (by the sweeper) are queued."""
    with engine.begin() as connection:
        connection.execute(
            update(_jobs)
            .where(_jobs.c.id.in_(job_ids), _jobs.c.status == JobStatus.pending)
            .values(status=JobStatus.queued, queued_at=utcnow())
        )


def mark_pending(engine: Engine, job_ids: list[str]) -> None:
    """Queued jobs the broker did not take are pending again: the sweeper publishes them."""
    with engine.begin() as connection:
        connection.execute(
            update(_jobs)
            .where(_jobs.c.id.in_(job_ids), _jobs.c.status == JobStatus.queued)
            .values(status=JobStatus.pending, queued_at=None)
        )


def republish(job: Job, now: datetime) -> None:
    """A queued job whose message is gone is sent again; it waits from now on."""
    job.queued_at = now


def reschedule_retry(job: Job, now: datetime) -> None:
    """A retrying job whose delayed message never came is sent again, due now."""
    job.next_attempt_at = now


# --- claim ----------------------------------------------------------------------------------


def claim(
    database: Database,
    job_id: str,
    *,
    worker: str,
    settings: Settings,
    job_type: str | None = None,
) -> Claim | None:
    """Start an attempt of the job if it is this delivery's to run; None otherwise.

    A waiting job of the message's registered type is claimed in one statement. Every other
    case — no type in the message, a running job whose worker may be dead, a finished,
    purged or unknown-type job — is first judged under a row lock (:func:`_make_claimable`);
    the claim itself is then the same statement."""
    books = bookkeeping_for(database, settings)
    if job_type is not None and is_registered(job_type):
        claimed = books.claim(job_id, job_type, worker)
        if claimed is not None:
            return claimed
    claimable_type = _make_claimable(database, job_id, worker=worker, settings=settings)
    if claimable_type is None:
        return None
    claimed = books.claim(job_id, claimable_type, worker)
    if claimed is None:
        log.info("job %s: claimed by another delivery; message dropped", job_id)
    return claimed


def _make_claimable(
    database: Database, job_id: str, *, worker: str, settings: Settings
) -> str | None:
    """The careful path: the job's type if this delivery may claim the job (after recording a
    lost previous attempt); None if the message is to be dropped (purged, finished, running
    elsewhere, lost with its attempts used up, unknown type — the last two fail the job)."""
    with database.session() as session:
        begin_write(session)  # SQLite: read and write under one lock, not a stale snapshot
        job = get_locked(session, Job, job_id)
        if job is None:
            log.info("job %s: no longer exists (purged); message dropped", job_id)
            return None
        if job.status == JobStatus.running:
            reason = lost_reason(job, settings, utcnow())
            if reason is None:
                log.info("job %s: already running on %s; duplicate dropped", job_id, job.worker)
                return None
            log.warning("job %s: attempt %d lost: %s", job_id, job.attempts, reason)
            # The delivery in hand runs it again: queued, so that a crash before the claim
            # leaves a job the sweeper republishes.
            if not recover_lost(session, job, reason, again=JobStatus.queued):
                session.commit()  # failed: its attempts are used up
                return None
        elif job.status not in WAITING:
            log.info("job %s: %s; message dropped", job_id, job.status.value)
            return None
        try:
            get_job_type(job.type)
        except UnknownJobType as exc:
            fail(job, "UnknownJobType", f"{exc.detail} (worker {worker})")
            session.commit()
            return None
        session.commit()
        return job.type


# --- heartbeat and progress -----------------------------------------------------------------


def heartbeat(
    database: Database,
    settings: Settings,
    job_id: str,
    attempt: int,
    *,
    progress: int | None = None,
    message: str = "",
) -> bool | None:
    """Heartbeat (and progress) of a running attempt. Whether a cancel was requested, or
    None if the attempt no longer owns the job."""
    books = bookkeeping_for(database, settings)
    return books.touch(job_id, attempt, progress=progress, message=message)


# --- finish an attempt ----------------------------------------------------------------------


def succeed(
    database: Database,
    settings: Settings,
    claimed: Claim,
    result: dict[str, Any] | None,
    files: list[Any],
) -> bool:
    """Record success, result and result files at once, if this attempt still owns the job."""
    books = bookkeeping_for(database, settings)
    if not books.succeed(claimed.job_id, claimed.attempt, result, files):
        return False
    metrics.JOBS_SUCCEEDED.labels(claimed.job_type, claimed.queue).inc()
    return True


@dataclass(frozen=True)
class Finished:
    """How an attempt that did not succeed ended."""

    outcome: str  # an AttemptOutcome value, or "superseded"
    job_type: str = ""
    retry_in: float | None = None  # seconds until the next attempt (retrying)


def finish(
    database: Database,
    claimed: Claim,
    outcome: AttemptOutcome,
    error: BaseException,
    settings: Settings,
) -> Finished:
    """End the attempt ``claimed`` with ``outcome`` (cancelled, failed, retry) in one
    transaction, if it still owns the job: cancelled; failed at once; retrying with backoff
    while a transient error leaves attempts, else failed ("gave up after N attempts")."""
    with database.session() as session:
        begin_write(session)  # SQLite: read and write under one lock, not a stale snapshot
        job = get_locked(session, Job, claimed.job_id)
        if job is None or job.status != JobStatus.running or job.attempts != claimed.attempt:
            log.warning(
                "job %s: attempt %d no longer owns the job", claimed.job_id, claimed.attempt
            )
            return Finished("superseded")
        now = utcnow()
        retry_in: float | None = None
        if outcome is AttemptOutcome.cancelled:
            move(job, JobStatus.cancelled)
            job.finished_at = now
            job.result = getattr(error, "result", None)
            job.progress_message = str(error)[:500]
            metrics.JOBS_CANCELLED.labels(job.type, job.queue).inc()
        else:
            # Shown to the submitter and logged: a database error's text may quote values.
            message = safe_error_text(error) or type(error).__name__
            tb = scrub("".join(traceback.format_exception(error)))
            transient = outcome is AttemptOutcome.retry
            if after_error(job.attempts, job.max_attempts, transient=transient) is (
                JobStatus.retrying
            ):
                retry_in = backoff_seconds(job.attempts, settings)
                move(job, JobStatus.retrying)
                job.next_attempt_at = now + timedelta(seconds=retry_in)
                job.error_type, job.error_message = type(error).__name__, message[:4000]
                job.error_traceback = tb
                metrics.JOBS_RETRIED.labels(job.type, job.queue).inc()
                log.warning(
                    "job %s: attempt %d failed transiently (%s); retry in %.1fs",
                    job.id,
                    job.attempts,
                    message,
                    retry_in,
                )
            else:
                if transient:
                    message = f"gave up after {job.attempts} attempts: {message}"
                fail(job, type(error).__name__, message, tb)
                log.warning("job %s failed: %s", job.id, message)
        close_attempt(session, job, outcome, error)
        session.commit()
        return Finished(outcome.value, job.type, retry_in)


def fail(job: Job, error_type: str, message: str, tb: str | None = None) -> None:
    """The job fails for good with the reason (waiting or running → failed)."""
    move(job, JobStatus.failed)
    job.error_type, job.error_message, job.error_traceback = error_type, message[:4000], tb
    job.finished_at = utcnow()
    job.next_attempt_at = None
    metrics.JOBS_FAILED.labels(job.type, job.queue).inc()


def close_attempt(
    session: Session, job: Job, outcome: AttemptOutcome, error: BaseException | str | None = None
) -> None:
    """Record how the job's current attempt ended."""
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


# --- lost workers ---------------------------------------------------------------------------


def lost_reason(job: Job, settings: Settings, now: datetime) -> str | None:
    """Why the running attempt of ``job`` is dead, or None if it may still be running: its
    process is gone (same host), or it sent no heartbeat for ``job_stale_after_seconds``."""
    if job.worker_host == HOST and job.worker_pid and not psutil.pid_exists(job.worker_pid):
        return f"worker process {job.worker_pid} on {HOST} is gone"
    stale = timedelta(seconds=settings.job_stale_after_seconds)
    if job.heartbeat_at is None or now - job.heartbeat_at > stale:
        return f"no heartbeat from {job.worker or 'its worker'} since {job.heartbeat_at}"
    return None


def recover_lost(session: Session, job: Job, reason: str, *, again: JobStatus) -> bool:
    """The running attempt of ``job`` is lost (``reason``): record it, then let the job wait
    ``again`` (pending: the sweeper publishes it; queued: the delivery in hand claims it) —
    or fail it when its attempts are used up. Returns whether it waits again."""
    close_attempt(session, job, AttemptOutcome.lost, f"WorkerLost: {reason}")
    if job.attempts >= job.max_attempts:
        fail(job, "WorkerLost", f"attempt {job.attempts} lost: {reason}")
        return False
    move(job, again)
    job.error_type, job.error_message = "WorkerLost", reason
    if again is JobStatus.queued:
        job.queued_at = utcnow()
    return True


# --- cancel, run again, purge ---------------------------------------------------------------


def cancel(job: Job) -> None:
    """A waiting job is cancelled at once and never runs; a running one is asked to stop
    (``cancel_requested``) at its next check. JobNotCancellable for a finished job."""
    if job.status in FINISHED:
        raise JobNotCancellable(f"job {job.id} has already finished ({job.status.value})")
    job.cancel_requested = True
    if job.status in WAITING:
        move(job, JobStatus.cancelled)
        job.finished_at = utcnow()
        job.next_attempt_at = None
        job.progress_message = "cancelled before it ran" if job.attempts == 0 else "cancelled"
        metrics.JOBS_CANCELLED.labels(job.type, job.queue).inc()


def run_again(job: Job, spec: JobType) -> None:
    """A failed or cancelled job is queued again with a fresh budget of attempts; its earlier
    attempts stay. JobNotRetryable otherwise."""
    if job.status not in (JobStatus.failed, JobStatus.cancelled):
        raise JobNotRetryable(
            f"job {job.id} is {job.status.value}; only failed or cancelled jobs can be retried"
        )
    job.max_attempts = job.attempts + spec.max_attempts
    job.cancel_requested = False
    job.finished_at = job.next_attempt_at = None
    job.error_type = job.error_message = job.error_traceback = None
    job.result = None
    job.progress, job.progress_message = 0, ""
    move(job, JobStatus.queued)
    job.queued_at = utcnow()


def purge_finished(
    session: Session,
    *,
    older_than: datetime,
    statuses: Iterable[JobStatus] = FINISHED,
) -> int:
    """Delete finished jobs (with attempts and files) that finished before ``older_than``.

    Only finished statuses are ever purged; a waiting or running job is never touched."""
    wanted = [JobStatus(s) for s in statuses if JobStatus(s) in FINISHED]
    if not wanted:
        return 0
    result = session.execute(
        delete(Job).where(Job.status.in_(wanted), Job.finished_at < older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
