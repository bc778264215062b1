"""The statuses of a job and of its attempts, and which status may follow which — written
down once, as data. :mod:`landkontor.jobs.lifecycle` makes every move and checks it against
:data:`TRANSITIONS`; the worker's one-statement writes (:mod:`landkontor.jobs.bookkeeping`)
take their ``WHERE status …`` from here. Pure: no database, no Celery.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class JobStatus(StrEnum):
    pending = "pending"  # stored, not yet handed to the broker
    queued = "queued"  # in the broker's queue
    running = "running"  # a worker runs an attempt
    retrying = "retrying"  # an attempt failed transiently; the next one is scheduled
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in FINISHED


class AttemptOutcome(StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"  # permanent error: the job failed
    retry = "retry"  # transient error: another attempt follows (or the job failed: attempts used)
    cancelled = "cancelled"
    lost = "lost"  # the worker died (killed, out of memory, hard time limit)


FINISHED = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})
# A waiting job has no running attempt: a worker may claim it, a user cancels it at once.
WAITING = frozenset({JobStatus.pending, JobStatus.queued, JobStatus.retrying})

_S = JobStatus
TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = {
    # pending → queued: published (after submit, or by the sweeper); → running: a message
    # sent twice (sweeper and submitter racing) is claimed before the queued mark lands;
    # → failed: no worker knows its type; → cancelled: by a user.
    _S.pending: frozenset({_S.queued, _S.running, _S.failed, _S.cancelled}),
    # queued → pending: the broker refused the message after the commit.
    _S.queued: frozenset({_S.pending, _S.running, _S.failed, _S.cancelled}),
    _S.retrying: frozenset({_S.running, _S.failed, _S.cancelled}),
    # running → retrying: a transient error with attempts left; → pending: its worker is gone
    # and the sweeper queues it again; → queued: its worker is gone and the delivery in hand
    # runs it again; → failed: a permanent error, or attempts used up; → cancelled: on request.
    _S.running: frozenset(
        {_S.succeeded, _S.failed, _S.cancelled, _S.retrying, _S.pending, _S.queued}
    ),
    _S.succeeded: frozenset(),
    # A user runs a failed or cancelled job again (``POST /jobs/{id}/retry``).
    _S.failed: frozenset({_S.queued}),
    _S.cancelled: frozenset({_S.queued}),
}


def can_move(old: JobStatus, new: JobStatus) -> bool:
    """Whether a job in status ``old`` may move to ``new``."""
    return new in TRANSITIONS[old]


def sources(new: JobStatus) -> frozenset[JobStatus]:
    """Every status a job may be in when it moves to ``new``."""
    return frozenset(old for old, targets in TRANSITIONS.items() if new in targets)


# The statuses a worker may claim a job from: exactly the waiting ones.
CLAIMABLE = sources(JobStatus.running)


def sql_list(statuses: frozenset[JobStatus]) -> str:
    """``'a', 'b'`` — the statuses as SQL string literals (for the hand-written statements of
    the worker's bookkeeping; the values are this module's constants, never input)."""
    return ", ".join(f"'{status.value}'" for status in sorted(statuses))
