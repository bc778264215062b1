"""Prometheus metrics of the job engine (dashboards and alerts are checked against them).

Counters and histograms are recorded where the work happens: ``submitted`` and
``cancelled`` (of a waiting job) in the process that handles the request (API), the rest
in worker processes. Workers run prometheus-client in multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, set by ``landkontor worker`` before this module is imported),
and the worker's main process serves the sum of all its children. So do the API's processes
when there are several (``landkontor api --workers N``).

The gauges are computed at scrape time from Redis and the database by
:class:`JobsCollector`, on the registry the API's ``/metrics`` renders. Labels are bounded:
job type and queue, never a job id, user or item.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from landkontor.common.metrics import CachedCollector, GaugeSpec
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


QUEUE_LENGTH = GaugeSpec("landkontor_job_queue_length", "Messages waiting in a queue.", ("queue",))
WORKERS_ONLINE = GaugeSpec("landkontor_workers_online", "Workers that reported recently.")
OLDEST_PENDING_AGE = GaugeSpec(
    "landkontor_job_oldest_pending_age_seconds",
    "Age of the oldest job not yet started (pending, queued); 0 if none.",
)
FAILED_LAST_24H = GaugeSpec(
    "landkontor_jobs_failed_last_24h", "Jobs that failed in the last 24 hours."
)


class JobsCollector(CachedCollector):
    """Gauges computed at scrape time, cached for ``cache_seconds``:

    ``landkontor_job_queue_length{queue}``, ``landkontor_workers_online``,
    ``landkontor_job_oldest_pending_age_seconds``, ``landkontor_jobs_failed_last_24h``.
    A source that does not answer (Redis down) leaves its gauges out instead of failing."""

    specs = (QUEUE_LENGTH, WORKERS_ONLINE, OLDEST_PENDING_AGE, FAILED_LAST_24H)

    def __init__(self, settings: Settings, database: Database, cache_seconds: float = 5) -> None:
        super().__init__(cache_seconds)
        self.settings = settings
        self.database = database

    def compute(self) -> list[GaugeMetricFamily]:
        families: list[GaugeMetricFamily] = []
        try:
            lengths = broker.queue_lengths(self.settings, QUEUES)
            online = broker.workers_online(self.settings)
        except broker.BROKER_ERRORS as exc:
            log.warning("metrics: broker unreachable: %s", exc)
        else:
            families.append(QUEUE_LENGTH.by_label(lengths))
            families.append(WORKERS_ONLINE.of(online))
        try:
            oldest, failed = self._from_database()
        except Exception as exc:
            log.warning("metrics: database unreachable: %s", exc)
        else:
            families.append(OLDEST_PENDING_AGE.of(oldest))
            families.append(FAILED_LAST_24H.of(failed))
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
