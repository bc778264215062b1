"""Prometheus metrics of the job engine (the contract dashboards and alerts are built on).

Counters and histograms are recorded where the work happens: ``submitted`` in the process
that submits (API), the rest in worker processes. Workers run prometheus-client in
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``landkontor worker`` before this
module is imported), and the worker's main process serves the sum of all its children.

The gauges are computed at scrape time from Redis and the database by
:class:`JobsCollector`, which the API's ``/metrics`` registers. Labels are bounded: job type
and queue, never a job id, user or item.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from landkontor.db.session import Database
from landkontor.db.types import utcnow
from landkontor.jobs import broker
from landkontor.jobs.models import Job, JobStatus
from landkontor.jobs.registry import QUEUES
from landkontor.settings import Settings

log = logging.getLogger(__name__)

_LABELS = ("type", "queue")

JOBS_SUBMITTED = Counter("landkontor_jobs_submitted", "Jobs accepted and stored.", _LABELS)
JOBS_STARTED = Counter("landkontor_jobs_started", "Job attempts started by a worker.", _LABELS)
JOBS_SUCCEEDED = Counter("landkontor_jobs_succeeded", "Jobs finished successfully.", _LABELS)
JOBS_FAILED = Counter("landkontor_jobs_failed", "Jobs failed for good.", _LABELS)
JOBS_RETRIED = Counter(
    "landkontor_jobs_retried", "Attempts failed transiently and retried.", _LABELS
)
JOBS_CANCELLED = Counter("landkontor_jobs_cancelled", "Jobs cancelled.", _LABELS)

_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
JOB_DURATION = Histogram(
    "landkontor_job_duration_seconds",
    "Run time of one job attempt (succeeded or failed).",
    ("type",),
    buckets=_DURATION_BUCKETS,
)
JOB_QUEUE_WAIT = Histogram(
    "landkontor_job_queue_wait_seconds",
    "Time from (re-)queueing a job to a worker starting it.",
    ("type",),
    buckets=_DURATION_BUCKETS,
)


class JobsCollector(Collector):
    """Gauges computed at scrape time, cached for ``cache_seconds``:

    ``landkontor_job_queue_length{queue}``, ``landkontor_workers_online``,
    ``landkontor_job_oldest_pending_age_seconds``, ``landkontor_jobs_failed_last_24h``.
    A source that does not answer (Redis down) leaves its gauges out instead of failing."""

    def __init__(self, settings: Settings, database: Database, cache_seconds: float = 5) -> None:
        self.settings = settings
        self.database = database
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: list[GaugeMetricFamily] = []
        self._cached_at = float("-inf")

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # computed at scrape time; nothing to check at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            if time.monotonic() - self._cached_at > self.cache_seconds:
                self._cached = self._compute()
                self._cached_at = time.monotonic()
            return iter(list(self._cached))

    def _compute(self) -> list[GaugeMetricFamily]:
        families: list[GaugeMetricFamily] = []
        try:
            lengths = broker.queue_lengths(self.settings, QUEUES)
            online = broker.workers_online(self.settings)
        except broker.BROKER_ERRORS as exc:
            log.warning("metrics: broker unreachable: %s", exc)
        else:
            queue_length = GaugeMetricFamily(
                "landkontor_job_queue_length", "Messages waiting in a queue.", labels=["queue"]
            )
            for queue, length in lengths.items():
                queue_length.add_metric([queue], length)
            families.append(queue_length)
            families.append(
                GaugeMetricFamily(
                    "landkontor_workers_online", "Workers that reported recently.", value=online
                )
            )
        try:
            oldest, failed = self._from_database()
        except Exception as exc:
            log.warning("metrics: database unreachable: %s", exc)
        else:
            families.append(
                GaugeMetricFamily(
                    "landkontor_job_oldest_pending_age_seconds",
                    "Age of the oldest job not yet started (pending, queued); 0 if none.",
                    value=oldest,
                )
            )
            families.append(
                GaugeMetricFamily(
                    "landkontor_jobs_failed_last_24h",
                    "Jobs that failed in the last 24 hours.",
                    value=failed,
                )
            )
        return families

    def _from_database(self) -> tuple[float, int]:
        now = utcnow()
        with self.database.session() as session:
            oldest = session.scalar(
                select(func.min(Job.created_at)).where(
                    Job.status.in_([JobStatus.pending, JobStatus.queued])
                )
            )
            failed = session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.status == JobStatus.failed, Job.finished_at >= now - timedelta(days=1))
            )
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        return age, int(failed or 0)
