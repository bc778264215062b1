"""Request and response models of jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from landkontor.common.bounds import single_line
from landkontor.common.schemas import InputModel, OutputModel
from landkontor.jobs.models import AttemptOutcome, Job, JobStatus

IdempotencyKey = single_line(Job.idempotency_key, min_length=1)
JobTypeName = single_line(Job.type, min_length=1)
# Job ids are UUIDs (36 characters); anything else names no job.
JOB_ID_LENGTH = 36


class JobSubmit(InputModel):
    type: JobTypeName = Field(description="Job type, e.g. export.items (see GET /jobs/types).")
    params: dict[str, Any] = Field(default_factory=dict, description="Parameters of the type.")
    idempotency_key: IdempotencyKey | None = Field(
        None, description="Submitting again with the same key returns the first job."
    )


class AttemptOut(OutputModel):
    number: int
    outcome: AttemptOutcome
    worker: str | None
    started_at: datetime
    finished_at: datetime | None
    error_type: str | None
    error_message: str | None


class JobError(OutputModel):
    type: str
    message: str


class JobFileOut(OutputModel):
    role: str
    filename: str
    content_type: str
    size: int
    sha256: str


class JobOut(OutputModel):
    id: str
    type: str
    queue: str
    status: JobStatus
    params: dict[str, Any]
    progress: int
    progress_message: str
    attempts: int
    max_attempts: int
    cancel_requested: bool
    result: dict[str, Any] | None
    error: JobError | None = None
    submitted_by: str | None
    idempotency_key: str | None
    worker: str | None
    created_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None
    attempt_log: list[AttemptOut] = Field(description="Every attempt, oldest first.")
    files: list[JobFileOut] | None = Field(None, description="Input and result files (detail).")
    result_url: str | None = Field(None, description="Download of the result file, if any.")

    @classmethod
    def of(cls, job: Any, files: list[Any] | None = None) -> JobOut:
        out = cls.model_validate(job)
        if job.error_type:
            out.error = JobError(type=job.error_type, message=job.error_message or "")
        if files is not None:
            out.files = [JobFileOut.model_validate(f) for f in files]
            if job.status == JobStatus.succeeded and any(f.role == "result" for f in files):
                out.result_url = f"/api/v1/jobs/{job.id}/result"
        return out


class JobTypeOut(OutputModel):
    name: str
    queue: str
    description: str
    role: str
    max_attempts: int
    soft_time_limit: int
    time_limit: int
    input_file: bool
    params_schema: dict[str, Any]


class PurgeResult(OutputModel):
    deleted: int
    older_than: datetime
    statuses: list[JobStatus]
