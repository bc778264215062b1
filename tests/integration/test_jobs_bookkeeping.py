"""The worker's bookkeeping writes (claim, heartbeat/progress, success) against the real
database — the Core transactions on SQLite, the one-statement SQL on PostgreSQL — and
how connections the database dropped are replaced."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, text, update

from landkontor.db.session import Database
from landkontor.db.types import utcnow
from landkontor.jobs import lifecycle
from landkontor.jobs.bookkeeping import Bookkeeping, PostgresBookkeeping, bookkeeping_for
from landkontor.jobs.context import JobFileData
from landkontor.jobs.models import AttemptOutcome, Job, JobAttempt, JobFile, JobStatus
from tests.helpers import requires_postgres


def _submit(session, settings) -> str:
    """A queued ping job that no broker knows of (the suite's workers must not take it)."""
    job = Job(
        id=str(uuid.uuid4()),
        type="system.ping",
        queue="default",
        params={"message": "ping"},
        status=JobStatus.queued,
        max_attempts=3,
        created_at=utcnow(),
        queued_at=utcnow(),
    )
    session.add(job)
    session.commit()
    return job.id


def _job(db: Database, job_id: str) -> tuple[Job, list[JobAttempt], list[JobFile]]:
    with db.session() as session:
        job = session.get(Job, job_id)
        attempts = session.scalars(
            select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.number)
        ).all()
        files = session.scalars(select(JobFile).where(JobFile.job_id == job_id)).all()
        return job, list(attempts), list(files)


def test_claim_progress_cancel_flag_and_success_are_recorded(db, session, settings):
    job_id = _submit(session, settings)
    store = bookkeeping_for(db, settings)

    claimed = store.claim(job_id, "system.ping", "w1@host")
    assert claimed is not None and claimed.attempt == 1 and claimed.job_type == "system.ping"
    assert claimed.params == {"message": "ping"}
    assert store.claim(job_id, "system.ping", "w2@host") is None

    assert store.touch(job_id, 1, progress=40, message="halfway") is False
    job, attempts, _ = _job(db, job_id)
    assert job.status == JobStatus.running and job.worker == "w1@host"
    assert (job.progress, job.progress_message) == (40, "halfway")
    assert [(a.number, a.outcome) for a in attempts] == [(1, AttemptOutcome.running)]

    with db.session() as s:
        s.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
        s.commit()
    assert store.touch(job_id, 1) is True
    assert store.touch(job_id, 2) is None  # not this attempt's job

    report = JobFileData("bericht.csv", "text/csv", b"a;b\n1;2\n")
    assert store.succeed(job_id, 1, {"pong": "ping"}, [report]) is True
    job, attempts, files = _job(db, job_id)
    assert job.status == JobStatus.succeeded and job.progress == 100
    assert job.result == {"pong": "ping"} and job.finished_at is not None
    assert attempts[0].outcome == AttemptOutcome.succeeded and attempts[0].finished_at
    assert [(f.role, f.filename, f.size, f.sha256) for f in files] == [
        ("result", "bericht.csv", 8, report.sha256)
    ]
    assert store.succeed(job_id, 1, {"pong": "again"}, []) is False  # finished: unchanged
    assert _job(db, job_id)[0].result == {"pong": "ping"}


def test_a_claim_that_does_not_fit_writes_nothing(db, session, settings):
    job_id = _submit(session, settings)
    store = bookkeeping_for(db, settings)
    assert store.claim(job_id, "maintenance.purge-jobs", "w") is None
    job, attempts, _ = _job(db, job_id)
    assert job.status == JobStatus.queued and job.attempts == 0 and attempts == []


def test_a_new_attempt_drops_the_results_of_the_previous_one(db, session, settings):
    job_id = _submit(session, settings)
    store = bookkeeping_for(db, settings)
    store.claim(job_id, "system.ping", "w")
    with db.session() as s:  # attempt 1 left a result file, then its worker was lost
        s.add(JobFileData("alt.csv", "text/csv", b"x").as_row(job_id, "result"))
        s.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.queued))
        s.commit()

    claimed = store.claim(job_id, "system.ping", "w")
    assert claimed is not None and claimed.attempt == 2
    job, attempts, files = _job(db, job_id)
    assert [a.number for a in attempts] == [1, 2] and files == []


@requires_postgres
def test_postgres_bookkeeping_replaces_a_connection_the_database_dropped(db, session, settings):
    job_id = _submit(session, settings)
    store = bookkeeping_for(db, settings)
    assert type(store) is not Bookkeeping  # the one-statement PostgreSQL store
    store.claim(job_id, "system.ping", "w")
    store_pid = store._connection().info.backend_pid
    with db.session() as s:  # as a database restart would
        s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": store_pid})
        s.commit()
    assert store.touch(job_id, 1, progress=10) is False
    assert _job(db, job_id)[0].progress == 10


@requires_postgres
def test_an_idle_pooled_connection_is_checked_before_use(db, settings):
    database = Database(settings.database_url, pool_size=1, ping_after_idle=0)
    try:
        with database.session() as s:
            own_pid = s.scalar(text("SELECT pg_backend_pid()"))
        with db.session() as other:  # as a database restart would
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": own_pid})
            other.commit()
        with database.session() as s:  # the pooled connection is dead: replaced, not failed
            assert s.scalar(text("SELECT pg_backend_pid()")) != own_pid
    finally:
        database.dispose()


@requires_postgres
def test_postgres_bookkeeping_keeps_the_urls_options_and_commits_asynchronously(settings):
    separator = "&" if "?" in settings.database_url else "?"
    url = f"{settings.database_url}{separator}options=-c%20lock_timeout%3D1234"
    database = Database(url, pool_size=1)
    try:
        for synchronous, expected in ((False, "off"), (True, "on")):
            wanted = settings.model_copy(update={"job_state_synchronous_commit": synchronous})
            store = PostgresBookkeeping(database, wanted)
            connection = store._connection()
            assert connection.execute("SHOW synchronous_commit").fetchone() == (expected,)
            assert connection.execute("SHOW lock_timeout").fetchone() == ("1234ms",)
            store.dispose()
    finally:
        database.dispose()


def test_a_delivery_without_a_type_claims_through_the_careful_path(db, session, settings):
    job_id = _submit(session, settings)
    claimed = lifecycle.claim(db, job_id, worker="w", settings=settings)
    assert claimed is not None and claimed.attempt == 1 and claimed.job_type == "system.ping"
    assert lifecycle.claim(db, job_id, worker="w2", settings=settings) is None  # running
    job, attempts, _ = _job(db, job_id)
    assert job.status == JobStatus.running and job.worker == "w"


def test_the_next_delivery_runs_a_job_whose_worker_is_lost(db, session, settings):
    job_id = _submit(session, settings)
    lifecycle.claim(db, job_id, worker="w1", settings=settings, job_type="system.ping")
    stale = utcnow() - timedelta(seconds=settings.job_stale_after_seconds + 5)
    with db.session() as s:  # attempt 1's worker (another host) stopped beating
        s.execute(
            update(Job).where(Job.id == job_id).values(heartbeat_at=stale, worker_host="gone")
        )
        s.commit()

    claimed = lifecycle.claim(db, job_id, worker="w2", settings=settings, job_type="system.ping")

    assert claimed is not None and claimed.attempt == 2
    job, attempts, _ = _job(db, job_id)
    assert job.status == JobStatus.running and job.worker == "w2"
    assert [(a.number, a.outcome) for a in attempts] == [
        (1, AttemptOutcome.lost),
        (2, AttemptOutcome.running),
    ]


def test_a_lost_job_with_its_attempts_used_up_fails(db, session, settings):
    job_id = _submit(session, settings)
    lifecycle.claim(db, job_id, worker="w1", settings=settings, job_type="system.ping")
    stale = utcnow() - timedelta(seconds=settings.job_stale_after_seconds + 5)
    with db.session() as s:
        s.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(heartbeat_at=stale, worker_host="gone", max_attempts=1)
        )
        s.commit()

    assert lifecycle.claim(db, job_id, worker="w2", settings=settings) is None
    job, attempts, _ = _job(db, job_id)
    assert job.status == JobStatus.failed and job.error_type == "WorkerLost"
    assert [a.outcome for a in attempts] == [AttemptOutcome.lost]
