"""The job statuses and which may follow which (the transition table), and the pure
decisions of the job lifecycle."""

from __future__ import annotations

import pytest

from landkontor.jobs.lifecycle import IllegalTransition, after_error, move
from landkontor.jobs.models import Job
from landkontor.jobs.status import (
    CLAIMABLE,
    FINISHED,
    TRANSITIONS,
    WAITING,
    JobStatus,
    can_move,
    sources,
    sql_list,
)


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(JobStatus)


def test_a_worker_claims_exactly_the_waiting_jobs():
    assert CLAIMABLE == WAITING == sources(JobStatus.running)


def test_a_succeeded_job_never_changes_again():
    assert TRANSITIONS[JobStatus.succeeded] == frozenset()


def test_failed_and_cancelled_jobs_can_only_be_queued_again_by_a_user():
    assert TRANSITIONS[JobStatus.failed] == {JobStatus.queued}
    assert TRANSITIONS[JobStatus.cancelled] == {JobStatus.queued}


def test_every_waiting_job_can_be_cancelled_and_can_fail_but_cannot_succeed_unrun():
    for status in WAITING:
        assert can_move(status, JobStatus.cancelled)
        assert can_move(status, JobStatus.failed)  # its type is unknown to the workers
        assert not can_move(status, JobStatus.succeeded)
        assert not can_move(status, JobStatus.retrying)


def test_only_a_running_attempt_finishes_a_job_or_schedules_a_retry():
    assert sources(JobStatus.succeeded) == {JobStatus.running}
    assert sources(JobStatus.retrying) == {JobStatus.running}


def test_a_lost_running_job_waits_again():
    assert can_move(JobStatus.running, JobStatus.pending)  # the sweeper publishes it
    assert can_move(JobStatus.running, JobStatus.queued)  # the delivery in hand runs it
    assert not can_move(JobStatus.running, JobStatus.running)


def test_publishing_moves_between_pending_and_queued():
    assert can_move(JobStatus.pending, JobStatus.queued)
    assert can_move(JobStatus.queued, JobStatus.pending)
    assert not can_move(JobStatus.retrying, JobStatus.pending)


def test_finished_statuses_are_exactly_those_no_worker_moves_on():
    assert {s for s in JobStatus if s.finished} == FINISHED
    for status in FINISHED:
        assert not (TRANSITIONS[status] - {JobStatus.queued})


def test_a_move_outside_the_table_is_refused():
    job = Job(id="j", status=JobStatus.succeeded)
    with pytest.raises(IllegalTransition, match="succeeded → running"):
        move(job, JobStatus.running)
    assert job.status == JobStatus.succeeded
    move(Job(id="k", status=JobStatus.failed), JobStatus.queued)


@pytest.mark.parametrize(
    ("attempts", "max_attempts", "transient", "expected"),
    [
        (1, 3, True, JobStatus.retrying),
        (2, 3, True, JobStatus.retrying),
        (3, 3, True, JobStatus.failed),  # attempts used up
        (1, 3, False, JobStatus.failed),  # a permanent error fails at once
    ],
)
def test_after_an_error_a_job_retries_while_attempts_are_left(
    attempts, max_attempts, transient, expected
):
    assert after_error(attempts, max_attempts, transient=transient) is expected


def test_status_words_in_hand_written_sql_come_from_the_enum():
    assert sql_list(WAITING) == "'pending', 'queued', 'retrying'"
