"""What a running job sees: its parameters' context, progress, cancel checks, files."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.db.session import Database
from landkontor.db.types import utcnow
from landkontor.errors import InvalidState
from landkontor.jobs import lifecycle
from landkontor.jobs.errors import JobCancelled, JobSuperseded
from landkontor.jobs.models import JobFile
from landkontor.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobFileData:
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def as_values(self, job_id: str, role: str, now: datetime | None = None) -> dict:
        """The job_files row of this file (for a Core insert)."""
        return {
            "job_id": job_id,
            "role": role,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.content),
            "sha256": self.sha256,
            "content": self.content,
            "created_at": now or utcnow(),
        }

    def as_row(self, job_id: str, role: str) -> JobFile:
        return JobFile(**self.as_values(job_id, role))


class JobContext:
    """Handed to every job handler. Writes progress throttled, in its own short transactions,
    so the job's own transactions stay small and progress never slows it down noticeably."""

    def __init__(
        self,
        *,
        job_id: str,
        job_type: str,
        attempt: int,
        settings: Settings,
        database: Database,
        submitted_by: str | None = None,
        worker: str | None = None,
    ) -> None:
        self.job_id = job_id
        self.worker = worker
        self.job_type = job_type
        self.attempt = attempt
        self.settings = settings
        self.database = database
        self.submitted_by = submitted_by
        self.log = logging.getLogger(f"landkontor.jobs.{job_type}")
        self.result_files: list[JobFileData] = []
        self._cancel_requested = threading.Event()
        self._superseded = threading.Event()
        self._last_write = 0.0
        self._last_percent = -1

    # --- database ---------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for the job's own work; commit it per chunk."""
        with self.database.session() as session:
            yield session

    def touch(self, *, progress: int | None = None, progress_message: str = "") -> None:
        """Write the heartbeat (and progress) of this attempt; learn about cancellation."""
        cancel = lifecycle.heartbeat(
            self.database,
            self.settings,
            self.job_id,
            self.attempt,
            progress=progress,
            message=progress_message,
        )
        if cancel is None:
            self._superseded.set()
        elif cancel:
            self._cancel_requested.set()

    # --- progress and cancellation ---------------------------------------------
    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Report progress: ``done`` of ``total`` (or ``done`` percent without a total).

        Written at most every ``job_progress_interval_seconds`` (and always at 100 %)."""
        percent = done if total is None else (100 * done / total if total else 100)
        percent = max(0, min(100, int(percent)))
        now = time.monotonic()
        interval = self.settings.job_progress_interval_seconds
        if percent < 100 and now - self._last_write < interval:
            return
        if percent == self._last_percent and now - self._last_write < interval:
            return
        self._last_write, self._last_percent = now, percent
        self.touch(progress=percent, progress_message=message[:500])
        self._raise_if_stopped()

    def check_cancelled(self) -> None:
        """Raise JobCancelled if a user cancelled the job. Call it between chunks, never
        inside one, so a cancelled job leaves no half-written chunk behind."""
        now = time.monotonic()
        if not self._cancel_requested.is_set() and (
            now - self._last_write >= min(self.settings.job_progress_interval_seconds, 1)
        ):
            self._last_write = now
            self.touch()
        self._raise_if_stopped()

    def _raise_if_stopped(self) -> None:
        if self._superseded.is_set():
            raise JobSuperseded(self.job_id)
        if self._cancel_requested.is_set():
            raise JobCancelled("cancelled on request")

    # --- files ------------------------------------------------------------------
    def input_file(self) -> JobFileData:
        """The file uploaded with the job (imports)."""
        with self.database.session() as session:
            row = session.execute(
                select(JobFile.filename, JobFile.content_type, JobFile.content).where(
                    JobFile.job_id == self.job_id, JobFile.role == "input"
                )
            ).first()
        if row is None:
            raise InvalidState("the job's input file is gone (purged?)")
        return JobFileData(row.filename, row.content_type, row.content)

    def attach_result(self, filename: str, content_type: str, content: bytes) -> None:
        """Keep a result file (export, report); stored together with the job's success."""
        self.result_files.append(JobFileData(filename, content_type, content))


class Heartbeats(threading.Thread):
    """One thread per worker process tells the database that its running attempts live
    (so the sweeper can tell lost ones) and learns about cancellations; a job only
    registers itself, which costs nothing for short jobs."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="job-heartbeats", daemon=True)
        self.interval = interval
        self.pid = os.getpid()
        self._running: dict[int, JobContext] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.interval):
            with self._lock:
                contexts = list(self._running.values())
            for context in contexts:
                try:
                    context.touch()
                except Exception:  # a missed heartbeat is retried on the next tick
                    log.warning("heartbeat of job %s failed", context.job_id, exc_info=True)

    @contextmanager
    def beating(self, context: JobContext) -> Iterator[None]:
        """While the block runs, ``context``'s attempt gets a heartbeat every interval."""
        with self._lock:
            self._running[id(context)] = context
        try:
            yield
        finally:
            with self._lock:
                self._running.pop(id(context), None)


_heartbeats: dict[float, Heartbeats] = {}
_heartbeats_lock = threading.Lock()


def heartbeats(interval: float) -> Heartbeats:
    """This process's heartbeat thread (started on first use, again after a fork)."""
    with _heartbeats_lock:
        thread = _heartbeats.get(interval)
        if thread is None or thread.pid != os.getpid():
            thread = _heartbeats[interval] = Heartbeats(interval)
            thread.start()
        return thread
