"""Errors of the job engine: what job code raises, and what the API maps to problems."""

from __future__ import annotations

from landkontor.errors import DomainError, InvalidInput, InvalidState


class RetryableError(Exception):
    """Raise from a job for a transient failure: the job is retried with backoff."""


class JobCancelled(Exception):
    """Raised inside a job by :meth:`JobContext.check_cancelled` when a user cancelled it.

    A handler that catches it may re-raise it with ``result`` (what was done until then)."""

    def __init__(self, message: str = "cancelled on request", result: dict | None = None) -> None:
        super().__init__(message)
        self.result = result


class UnknownJobType(InvalidInput):
    code = "unknown-job-type"
    title = "Unknown job type"


class JobNotCancellable(InvalidState):
    code = "job-finished"
    title = "The job has finished"


class JobNotRetryable(InvalidState):
    code = "job-not-retryable"
    title = "Only failed or cancelled jobs can be retried"


class JobHasNoResult(InvalidState):
    code = "job-has-no-result"
    title = "The job has no result file"


class JobSuperseded(Exception):
    """This attempt no longer owns the job (declared lost by the sweeper, purged, retried)."""


class FileTooLarge(DomainError):
    status = 413
    code = "file-too-large"
    title = "File too large"
