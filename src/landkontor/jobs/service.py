"""Job use cases: submit, read, list, cancel, retry, purge, statistics, result files."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer, undefer

from landkontor.auth.roles import Role
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import use_case
from landkontor.db.types import utcnow
from landkontor.errors import Conflict, Forbidden, InvalidInput, not_found
from landkontor.jobs import broker, lifecycle
from landkontor.jobs.context import JobFileData
from landkontor.jobs.dispatch import dispatch_after_commit
from landkontor.jobs.errors import JobHasNoResult
from landkontor.jobs.models import Job, JobFile
from landkontor.jobs.registry import QUEUES, get_job_type
from landkontor.jobs.status import FINISHED, JobStatus
from landkontor.settings import Settings, get_settings


@dataclass(frozen=True)
class Submitter:
    """Who submits a job: a user (name and role) or the system (beat, other jobs)."""

    username: str | None
    role: Role = Role.admin


SYSTEM = Submitter(None)


@use_case
def submit(
    session: Session,
    job_type: str,
    params: dict[str, Any] | None,
    *,
    submitter: Submitter = SYSTEM,
    idempotency_key: str | None = None,
    input_file: JobFileData | None = None,
    settings: Settings | None = None,
) -> Job:
    """Store a new job; it is handed to the broker after the transaction commits.

    Rules: the type must be registered (UnknownJobType, 422) and the parameters valid
    (InvalidInput naming ``params.<field>``, also for references the type checks in the
    database, e.g. a batch that does not exist); the submitter needs the type's role (Forbidden);
    import types need an uploaded file. With an ``idempotency_key`` already used by this
    submitter for the same type, the existing job is returned instead of a new one
    (Conflict if that key was used for another type).
    """
    spec = get_job_type(job_type)
    if not submitter.role.at_least(spec.role):
        raise Forbidden(
            f"job type {spec.name} needs the role {spec.role.value} or higher",
            required_role=spec.role.value,
        )
    if spec.input_file and input_file is None:
        raise InvalidInput(
            f"job type {spec.name} needs a file: upload it with POST /api/v1/imports",
            field="file",
        )
    if input_file is not None and not spec.input_file:
        raise InvalidInput(f"job type {spec.name} takes no file", field="file")
    if input_file is not None and spec.check_input is not None:
        spec.check_input(input_file)
    validated = spec.validate_params(params)
    if spec.check_params is not None:
        spec.check_params(session, validated)
    if idempotency_key is not None:
        existing = session.scalar(
            select(Job).where(
                Job.submitted_by == submitter.username, Job.idempotency_key == idempotency_key
            )
        )
        if existing is not None:
            if existing.type != spec.name:
                raise Conflict(
                    f"idempotency key {idempotency_key!r} was used for a {existing.type} job",
                    field="idempotency_key",
                )
            return existing
    job = lifecycle.new_job(
        str(uuid.uuid4()),
        spec,
        validated.model_dump(mode="json"),
        submitted_by=submitter.username,
        idempotency_key=idempotency_key,
    )
    session.add(job)
    if input_file is not None:
        session.add(input_file.as_row(job.id, "input"))
    session.flush()
    dispatch_after_commit(session, job, settings or get_settings(), new=True)
    return job


def get_job(session: Session, job_id: str) -> Job:
    """The job with this id; NotFound otherwise."""
    return fetch(session, Job, job_id, kind="job")


def job_query(
    *,
    statuses: Iterable[JobStatus] = (),
    job_type: str | None = None,
    submitted_by: str | None = None,
) -> Select:
    stmt = select(Job).order_by(Job.created_at.desc(), Job.id.desc())
    if statuses:
        stmt = stmt.where(Job.status.in_(list(statuses)))
    if job_type:
        stmt = stmt.where(Job.type == job_type)
    if submitted_by:
        stmt = stmt.where(Job.submitted_by == submitted_by)
    return stmt


def list_jobs(
    session: Session,
    params: PageParams,
    *,
    statuses: Iterable[JobStatus] = (),
    job_type: str | None = None,
    submitted_by: str | None = None,
) -> tuple[list[Job], int]:
    """Jobs newest first, filtered by status, type and submitter."""
    stmt = job_query(statuses=statuses, job_type=job_type, submitted_by=submitted_by)
    return paginate(session, stmt, params)


def _check_owner(job: Job, submitter: Submitter, action: str) -> None:
    if submitter.role.at_least(Role.manager) or job.submitted_by == submitter.username:
        return
    raise Forbidden(f"only managers may {action} jobs of other users", required_role="manager")


@use_case
def cancel(session: Session, job_id: str, *, submitter: Submitter = SYSTEM) -> Job:
    """Cancel a job. A waiting job (pending, queued, retrying) is cancelled at once and never
    runs; a running job is asked to stop (``cancel_requested``) and stops cleanly at its next
    check between chunks. Clerks may cancel their own jobs, managers any.
    JobNotCancellable (409) for a finished job."""
    job = fetch(session, Job, job_id, kind="job", lock=True)
    _check_owner(job, submitter, "cancel")
    lifecycle.cancel(job)
    session.flush()
    return job


@use_case
def retry(
    session: Session,
    job_id: str,
    *,
    submitter: Submitter = SYSTEM,
    settings: Settings | None = None,
) -> Job:
    """Run a failed or cancelled job again, with a fresh budget of attempts; the earlier
    attempts stay visible. JobNotRetryable (409) otherwise."""
    job = fetch(session, Job, job_id, kind="job", lock=True)
    _check_owner(job, submitter, "retry")
    lifecycle.run_again(job, get_job_type(job.type))
    session.flush()
    dispatch_after_commit(session, job, settings or get_settings(), new=False)
    return job


@use_case
def purge(
    session: Session, *, older_than: datetime, statuses: Iterable[JobStatus] = FINISHED
) -> int:
    """Delete finished jobs (succeeded, failed, cancelled by default) that finished before
    ``older_than``, with their attempts and files. Returns how many. InvalidInput for a
    status that is not finished."""
    statuses = [JobStatus(s) for s in statuses]
    unfinished = [s.value for s in statuses if s not in FINISHED]
    if unfinished:
        raise InvalidInput(
            f"only finished jobs can be purged, not {', '.join(unfinished)}", field="status"
        )
    return lifecycle.purge_finished(session, older_than=older_than, statuses=statuses)


def result_file(session: Session, job_id: str) -> JobFile:
    """The result file of a succeeded job (with its content). JobHasNoResult (409) while the
    job has not succeeded; NotFound if it produced no file."""
    job = get_job(session, job_id)
    if job.status != JobStatus.succeeded:
        raise JobHasNoResult(f"job {job_id} is {job.status.value}; it has no result yet")
    file = session.scalar(
        select(JobFile)
        .options(undefer(JobFile.content))
        .where(JobFile.job_id == job_id, JobFile.role == "result")
        .order_by(JobFile.id)
    )
    if file is None:
        raise not_found("result file of job", job_id)
    return file


def files_of(session: Session, job_id: str) -> list[JobFile]:
    return list(
        session.scalars(
            select(JobFile).options(defer(JobFile.content)).where(JobFile.job_id == job_id)
        )
    )


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[q - 1]


def stats(session: Session, settings: Settings, *, window_hours: int = 24) -> dict[str, Any]:
    """Counts by status and type, success rate, p50/p95 run time per type (jobs finished in
    the window), jobs finished in the last hour, queue lengths and workers online (Redis)."""
    now = utcnow()
    by_status = dict.fromkeys([s.value for s in JobStatus], 0)
    by_type: dict[str, dict[str, int]] = defaultdict(dict)
    rows = session.execute(
        select(Job.type, Job.status, func.count()).group_by(Job.type, Job.status)
    )
    for job_type, status, count in rows:
        by_status[status.value] += count
        by_type[job_type][status.value] = count
    finished = by_status["succeeded"] + by_status["failed"]
    durations: dict[str, list[float]] = defaultdict(list)
    recent = session.execute(
        select(Job.type, Job.started_at, Job.finished_at).where(
            Job.status == JobStatus.succeeded,
            Job.finished_at >= now - timedelta(hours=window_hours),
            Job.started_at.is_not(None),
        )
    )
    for job_type, started, ended in recent:
        if started is not None and ended is not None:
            durations[job_type].append((ended - started).total_seconds())
    last_hour = session.scalar(
        select(func.count()).select_from(Job).where(Job.finished_at >= now - timedelta(hours=1))
    )
    result: dict[str, Any] = {
        "by_status": by_status,
        "by_type": dict(by_type),
        "success_rate": round(by_status["succeeded"] / finished, 4) if finished else None,
        "duration_seconds": {
            t: {
                "count": len(v),
                "p50": _round(_percentile(sorted(v), 50)),
                "p95": _round(_percentile(sorted(v), 95)),
            }
            for t, v in sorted(durations.items())
        },
        "window_hours": window_hours,
        "finished_last_hour": int(last_hour or 0),
        "queues": dict.fromkeys(QUEUES),
        "workers_online": None,
        "broker": "ok",
    }
    try:
        result["queues"] = broker.queue_lengths(settings, QUEUES)
        result["workers_online"] = broker.workers_online(settings)
    except broker.BROKER_ERRORS as exc:
        result["broker"] = f"unreachable: {exc.__class__.__name__}"
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
