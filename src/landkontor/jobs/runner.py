"""Runs one attempt of a job in a worker process.

1. **Claim** the job (:func:`landkontor.jobs.lifecycle.claim`): only a waiting job, or a
   running one whose previous attempt is provably dead, is started; every other delivery
   (duplicate, cancelled, finished, purged) is acknowledged and dropped.
2. **Run** the handler with a :class:`JobContext`; a heartbeat thread keeps ``heartbeat_at``
   fresh and learns about cancellation.
3. **Finish**, only if this attempt still owns the job: success with the result and result
   files; cancellation; a permanent failure at once; a transient failure as ``retrying``
   with backoff (published again here), until ``max_attempts`` are used.
"""

from __future__ import annotations

import logging
import time

from landkontor.db.session import Database
from landkontor.db.types import utcnow
from landkontor.jobs import lifecycle, metrics
from landkontor.jobs.bookkeeping import Claim
from landkontor.jobs.broker import BROKER_ERRORS
from landkontor.jobs.context import JobContext, heartbeats
from landkontor.jobs.dispatch import publish
from landkontor.jobs.errors import JobCancelled, JobSuperseded
from landkontor.jobs.registry import get_job_type
from landkontor.jobs.status import AttemptOutcome
from landkontor.settings import Settings

log = logging.getLogger(__name__)


def execute(
    job_id: str,
    *,
    worker: str,
    settings: Settings,
    database: Database,
    job_type: str | None = None,
) -> str:
    """Claim, run and finish one attempt. Returns what happened (for the worker's log)."""
    claimed = lifecycle.claim(database, job_id, worker=worker, settings=settings, job_type=job_type)
    if claimed is None:
        return "skipped"
    spec = get_job_type(claimed.job_type)
    metrics.JOBS_STARTED.labels(spec.name, claimed.queue).inc()
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
        return _finish(database, claimed, AttemptOutcome.cancelled, exc, settings)
    except Exception as exc:
        metrics.JOB_DURATION.labels(spec.name).observe(time.perf_counter() - started)
        transient = lifecycle.is_transient(exc)
        outcome = AttemptOutcome.retry if transient else AttemptOutcome.failed
        return _finish(database, claimed, outcome, exc, settings)
    metrics.JOB_DURATION.labels(spec.name).observe(time.perf_counter() - started)
    if not lifecycle.succeed(database, settings, claimed, result, context.result_files):
        log.warning("job %s: attempt %d no longer owns the job", job_id, claimed.attempt)
        return "superseded"
    return AttemptOutcome.succeeded.value


def _finish(
    database: Database,
    claimed: Claim,
    outcome: AttemptOutcome,
    error: BaseException,
    settings: Settings,
) -> str:
    finished = lifecycle.finish(database, claimed, outcome, error, settings)
    if finished.retry_in is not None:
        try:
            publish(settings, claimed.job_id, finished.job_type, countdown=finished.retry_in)
        except BROKER_ERRORS:
            log.warning("job %s: broker down; the sweeper will schedule the retry", claimed.job_id)
    return finished.outcome
