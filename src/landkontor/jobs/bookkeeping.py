"""The worker's bookkeeping writes to job records: claim, heartbeat and progress, success —
only what the two databases do differently. *When* a job may be claimed or finished is
decided in :mod:`landkontor.jobs.lifecycle` (which calls these) and the statuses the
statements test come from :mod:`landkontor.jobs.status`.

They run for every job, so they are kept lean. On PostgreSQL each write is *one* statement
in autocommit mode, run directly on psycopg over one connection per worker thread — the
claim updates the job, opens its attempt and drops an earlier attempt's results in one
statement (data-modifying CTEs), and so does success — with *asynchronous commit*
(``synchronous_commit=off``, setting ``job_state_synchronous_commit``): the commit returns
before the WAL reaches the disk. A database crash may forget the last fraction of a second
of these writes, never corrupt anything; the sweeper repairs what is forgotten — a claim
that vanished leaves the job ``queued`` without a message (republished), a success that
vanished leaves it ``running`` without a heartbeat (run again; jobs are safe to run twice).
Submitting a job stays a synchronous commit: what was accepted with 202 is on disk.
On SQLite the same writes are short ``BEGIN IMMEDIATE`` Core transactions, with statements
built once.

Behind PgBouncer in transaction mode (``database_behind_pgbouncer``) these connections carry
no session settings and prepare no statements: each write is one autocommitted statement,
which transaction pooling serves as it is.

Connections are not pinged before use (a round trip per job); one the database dropped
(restart) is replaced and the write tried once more instead.
"""

from __future__ import annotations

import os
import socket
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Engine, Update, bindparam, insert, update
from sqlalchemy.engine import make_url

from landkontor.db.base import table_of
from landkontor.db.session import WRITE_OPTION, Database
from landkontor.db.types import utcnow
from landkontor.jobs.models import Job, JobAttempt, JobFile
from landkontor.jobs.status import CLAIMABLE, AttemptOutcome, JobStatus, sql_list
from landkontor.settings import Settings

HOST = socket.gethostname()
T = TypeVar("T")

_jobs = table_of(Job)
_attempts = table_of(JobAttempt)
_files = table_of(JobFile)

_CLAIM = (
    update(_jobs)
    .where(_jobs.c.id == bindparam("p_id"), _jobs.c.type == bindparam("p_type"))
    .where(_jobs.c.status.in_(sorted(CLAIMABLE)))
    .values(
        status=JobStatus.running,
        attempts=_jobs.c.attempts + 1,
        started_at=bindparam("p_now"),
        heartbeat_at=bindparam("p_now"),
        next_attempt_at=None,
        worker=bindparam("p_worker"),
        worker_host=bindparam("p_host"),
        worker_pid=bindparam("p_pid"),
        progress=0,
        progress_message="",
    )
    .returning(
        _jobs.c.id,
        _jobs.c.type,
        _jobs.c.queue,
        _jobs.c.params,
        _jobs.c.attempts,
        _jobs.c.submitted_by,
        _jobs.c.queued_at,
        _jobs.c.created_at,
    )
)
_OPEN_ATTEMPT = insert(_attempts).values(
    job_id=bindparam("p_id"),
    number=bindparam("p_number"),
    outcome=AttemptOutcome.running,
    worker=bindparam("p_worker"),
    started_at=bindparam("p_now"),
)
_DROP_RESULTS = (
    _files.delete().where(_files.c.job_id == bindparam("p_id")).where(_files.c.role == "result")
)


def _owned(values: dict[str, Any]) -> Update:
    """An update of the job that only applies while this attempt owns it (running)."""
    return (
        update(_jobs)
        .where(_jobs.c.id == bindparam("p_id"), _jobs.c.attempts == bindparam("p_attempt"))
        .where(_jobs.c.status == JobStatus.running)
        .values(**values)
    )


_HEARTBEAT = _owned({"heartbeat_at": bindparam("p_now")}).returning(_jobs.c.cancel_requested)
_PROGRESS = _owned(
    {
        "heartbeat_at": bindparam("p_now"),
        "progress": bindparam("p_progress"),
        "progress_message": bindparam("p_message"),
    }
).returning(_jobs.c.cancel_requested)
_SUCCEED = _owned(
    {
        "status": JobStatus.succeeded,
        "progress": 100,
        "finished_at": bindparam("p_now"),
        "result": bindparam("p_result", type_=_jobs.c.result.type),
        "error_type": None,
        "error_message": None,
        "error_traceback": None,
    }
)
_CLOSE_ATTEMPT = (
    update(_attempts)
    .where(_attempts.c.job_id == bindparam("p_id"), _attempts.c.number == bindparam("p_attempt"))
    .values(outcome=AttemptOutcome.succeeded, finished_at=bindparam("p_now"))
)


# PostgreSQL: the same writes, each as one statement (data-modifying CTEs), run directly on
# the driver (psycopg prepares them after a few runs). Kept next to the Core versions above,
# which are what SQLite runs; both are covered by the job engine's tests. The status words
# are rendered from JobStatus / AttemptOutcome (constants, never input).
_RUNNING, _SUCCEEDED = f"'{JobStatus.running.value}'", f"'{JobStatus.succeeded.value}'"
_PG_CLAIM = f"""
WITH claimed AS (
    UPDATE jobs SET status = {_RUNNING}, attempts = attempts + 1,
        started_at = %(now)s, heartbeat_at = %(now)s, next_attempt_at = NULL,
        worker = %(worker)s, worker_host = %(host)s, worker_pid = %(pid)s,
        progress = 0, progress_message = ''
    WHERE id = %(id)s AND type = %(type)s AND status IN ({sql_list(CLAIMABLE)})
    RETURNING id, type, queue, params, attempts, submitted_by, queued_at, created_at
), opened AS (
    INSERT INTO job_attempts (job_id, number, outcome, worker, started_at)
    SELECT id, attempts, '{AttemptOutcome.running.value}', %(worker)s, %(now)s FROM claimed
), dropped AS (
    DELETE FROM job_files WHERE role = 'result'
        AND job_id IN (SELECT id FROM claimed WHERE attempts > 1)
)
SELECT id, type, queue, params, attempts, submitted_by, queued_at, created_at FROM claimed
"""  # noqa: S608 - only constants are formatted in
_PG_HEARTBEAT = f"""
UPDATE jobs SET heartbeat_at = %(now)s
WHERE id = %(id)s AND attempts = %(attempt)s AND status = {_RUNNING}
RETURNING cancel_requested
"""  # noqa: S608
_PG_PROGRESS = f"""
UPDATE jobs SET heartbeat_at = %(now)s, progress = %(progress)s, progress_message = %(message)s
WHERE id = %(id)s AND attempts = %(attempt)s AND status = {_RUNNING}
RETURNING cancel_requested
"""  # noqa: S608
_PG_SUCCEED = f"""
WITH done AS (
    UPDATE jobs SET status = {_SUCCEEDED}, progress = 100, finished_at = %(now)s,
        result = %(result)s, error_type = NULL, error_message = NULL, error_traceback = NULL
    WHERE id = %(id)s AND attempts = %(attempt)s AND status = {_RUNNING}
    RETURNING id
), closed AS (
    UPDATE job_attempts SET outcome = '{AttemptOutcome.succeeded.value}', finished_at = %(now)s
    WHERE job_id IN (SELECT id FROM done) AND number = %(attempt)s
)
SELECT count(*) FROM done
"""  # noqa: S608
_PG_SAVE_FILE = """
INSERT INTO job_files (job_id, role, filename, content_type, size, sha256, content, created_at)
VALUES (%(job_id)s, %(role)s, %(filename)s, %(content_type)s, %(size)s, %(sha256)s,
        %(content)s, %(created_at)s)
"""


@dataclass(frozen=True)
class Claim:
    """The attempt a worker has just started."""

    job_id: str
    job_type: str
    queue: str
    params: dict[str, Any]
    attempt: int
    submitted_by: str | None
    waited_since: datetime

    @classmethod
    def of(cls, row: Sequence[Any]) -> Claim:
        """From the claim's returned row: id, type, queue, params, attempts, submitted_by,
        queued_at, created_at."""
        job_id, job_type, queue, params, attempts, submitted_by, queued_at, created_at = row
        return cls(
            job_id, job_type, queue, dict(params), attempts, submitted_by, queued_at or created_at
        )


class Bookkeeping:
    """Bookkeeping writes of one worker process, as Core transactions (SQLite)."""

    def __init__(self, database: Database, settings: Settings) -> None:
        # SQLite: the database's own engine; write transactions take the lock at once.
        self.engine: Engine = database.engine.execution_options(**{WRITE_OPTION: True})

    def _write(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return work(connection)

    def claim(self, job_id: str, job_type: str, worker: str) -> Claim | None:
        """The waiting job ``job_id`` of type ``job_type`` becomes running with a new open
        attempt (earlier results dropped). None, with nothing written, if it is not waiting
        or not of that type."""
        parameters = _claim_parameters(job_id, job_type, worker)
        named = {f"p_{key}": value for key, value in parameters.items()}

        def work(connection: Connection) -> Claim | None:
            row = connection.execute(_CLAIM, named).first()
            if row is None:
                return None
            connection.execute(_OPEN_ATTEMPT, {**named, "p_number": row.attempts})
            if row.attempts > 1:  # results of an earlier attempt
                connection.execute(_DROP_RESULTS, named)
            return Claim.of(row)

        return self._write(work)

    def touch(
        self, job_id: str, attempt: int, *, progress: int | None = None, message: str = ""
    ) -> bool | None:
        """Heartbeat (and progress) of a running attempt. Returns whether a cancel was
        requested, or None if the attempt no longer owns the job."""
        parameters: dict[str, Any] = {"p_id": job_id, "p_attempt": attempt, "p_now": utcnow()}
        statement = _HEARTBEAT
        if progress is not None:
            statement = _PROGRESS
            parameters.update(p_progress=progress, p_message=message[:500])

        def work(connection: Connection) -> bool | None:
            row = connection.execute(statement, parameters).first()
            return None if row is None else bool(row[0])

        return self._write(work)

    def succeed(
        self, job_id: str, attempt: int, result: dict[str, Any] | None, files: list[Any]
    ) -> bool:
        """Record success, result and result files at once, if this attempt still owns the
        job (False otherwise, and nothing is written)."""
        now = utcnow()
        parameters = {"p_id": job_id, "p_attempt": attempt, "p_now": now, "p_result": result}

        def work(connection: Connection) -> bool:
            if connection.execute(_SUCCEED, parameters).rowcount != 1:
                return False
            connection.execute(_CLOSE_ATTEMPT, parameters)
            if files:
                rows = [file.as_values(job_id, "result", now) for file in files]
                connection.execute(insert(_files), rows)
            return True

        return self._write(work)

    def dispose(self, *, close: bool = True) -> None:
        """Nothing of its own to close: the engine belongs to the Database."""


# Driver connections one worker pool process keeps for these writes (a connection budget
# counts them): the job thread's and the heartbeat thread's.
CONNECTIONS_PER_PROCESS = 2


class PostgresBookkeeping(Bookkeeping):
    """The same writes on PostgreSQL: one autocommitted statement each, on a driver
    connection per thread (the job's and the heartbeat's), with asynchronous commit unless
    configured otherwise. No ping before use: a connection the database dropped (restart)
    is replaced and the write tried once more."""

    def __init__(self, database: Database, settings: Settings) -> None:
        url = make_url(database.url).set(drivername="postgresql")
        # Connection parameters of the URL (sslmode, options …) are kept; ours are added.
        given = url.query.get("options") or ()
        options = [given] if isinstance(given, str) else list(given)
        self.connect_args: dict[str, Any] = {"autocommit": True}
        if settings.database_behind_pgbouncer:
            # Transaction pooling: no session settings (PgBouncer refuses the startup
            # options) and no prepared statements; the writes commit synchronously.
            self.connect_args["prepare_threshold"] = None
        elif not settings.job_state_synchronous_commit:
            options.append("-c synchronous_commit=off")
        if options:
            self.connect_args["options"] = " ".join(options)
        if "connect_timeout" not in url.query:
            self.connect_args["connect_timeout"] = 10
        self.conninfo = url.difference_update_query(["options"]).render_as_string(
            hide_password=False
        )
        self._local = threading.local()
        self._opened: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def _connection(self, *, fresh: bool = False) -> psycopg.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed or fresh:
            connection = psycopg.connect(self.conninfo, **self.connect_args)
            self._local.connection = connection
            with self._lock:
                self._opened = [c for c in self._opened if not c.closed] + [connection]
        return connection

    def _run(self, work: Callable[[Any], T]) -> T:
        connection = self._connection()
        try:
            return work(connection)
        except psycopg.OperationalError:
            if not connection.broken:
                raise
        return work(self._connection(fresh=True))

    def claim(self, job_id: str, job_type: str, worker: str) -> Claim | None:
        parameters = _claim_parameters(job_id, job_type, worker)

        def work(connection: psycopg.Connection) -> Claim | None:
            row = connection.execute(_PG_CLAIM, parameters).fetchone()
            return None if row is None else Claim.of(row)

        return self._run(work)

    def touch(
        self, job_id: str, attempt: int, *, progress: int | None = None, message: str = ""
    ) -> bool | None:
        parameters: dict[str, Any] = {"id": job_id, "attempt": attempt, "now": utcnow()}
        statement = _PG_HEARTBEAT
        if progress is not None:
            statement = _PG_PROGRESS
            parameters.update(progress=progress, message=message[:500])

        def work(connection: psycopg.Connection) -> bool | None:
            row = connection.execute(statement, parameters).fetchone()
            return None if row is None else bool(row[0])

        return self._run(work)

    def succeed(
        self, job_id: str, attempt: int, result: dict[str, Any] | None, files: list[Any]
    ) -> bool:
        now = utcnow()
        parameters = {
            "id": job_id,
            "attempt": attempt,
            "now": now,
            "result": None if result is None else Jsonb(result),
        }

        def work(connection: psycopg.Connection) -> bool:
            if not files:
                return _one_row(connection.execute(_PG_SUCCEED, parameters).fetchone())
            with connection.transaction():
                if not _one_row(connection.execute(_PG_SUCCEED, parameters).fetchone()):
                    return False
                rows = [file.as_values(job_id, "result", now) for file in files]
                connection.cursor().executemany(_PG_SAVE_FILE, rows)
                return True

        return self._run(work)

    def dispose(self, *, close: bool = True) -> None:
        """Close the connections (``close=False`` after a fork: they are the parent's)."""
        with self._lock:
            opened, self._opened = self._opened, []
        if close:
            for connection in opened:
                connection.close()


def _one_row(counted: tuple[Any, ...] | None) -> bool:
    """Whether a ``SELECT count(*)`` answered 1."""
    return counted is not None and counted[0] == 1


def _claim_parameters(job_id: str, job_type: str, worker: str) -> dict[str, Any]:
    return {
        "id": job_id,
        "type": job_type,
        "now": utcnow(),
        "worker": worker,
        "host": HOST,
        "pid": os.getpid(),
    }


_books: weakref.WeakKeyDictionary[Database, Bookkeeping] = weakref.WeakKeyDictionary()


def bookkeeping_for(database: Database, settings: Settings) -> Bookkeeping:
    """The worker's bookkeeping of this process for ``database``."""
    books = _books.get(database)
    if books is None:
        kind = PostgresBookkeeping if database.dialect == "postgresql" else Bookkeeping
        books = _books[database] = kind(database, settings)
    return books


def reset_bookkeeping(*, close: bool = True) -> None:
    """Forget it (after fork: ``close=False`` leaves the parent's connections be)."""
    for books in _books.values():
        books.dispose(close=close)
    _books.clear()
