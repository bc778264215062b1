"""Which metrics dashboards and alert rules may name.

A query may use
- a metric the application really exports (``app_series``): the families the API's
  ``/metrics`` renders (its registry with the job and business collectors, scraped as job
  ``landkontor-api``) and the job metrics the workers record and serve on their exporter
  (``landkontor.jobs.metrics``, job ``landkontor-worker``);
- ``up`` (written by Prometheus for every target);
- a metric of one of the EXPORTERS, and then only in a selector that names that exporter's
  scrape job (``redis_up{job="redis"}``), so an exporter's metrics appear only in its panels.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

API_JOB = "landkontor-api"
WORKER_JOB = "landkontor-worker"

# Labels Prometheus adds to every scraped series.
TARGET_LABELS = frozenset({"job", "instance"})


@dataclass(frozen=True)
class Exporter:
    job: str  # scrape job in deploy/prometheus/prometheus.yml
    prefix: str
    metrics: frozenset[str]


# Metric names taken from the exporters' sources (redis_exporter exporter.go/info.go,
# postgres_exporter collectors, node_exporter, Flower's events.py).
EXPORTERS: tuple[Exporter, ...] = (
    Exporter(
        "redis",
        "redis_",
        frozenset(
            {
                "redis_up",
                "redis_instance_info",
                "redis_memory_used_bytes",
                "redis_memory_max_bytes",
                "redis_connected_clients",
                "redis_commands_processed_total",
                "redis_evicted_keys_total",
                "redis_db_keys",
            }
        ),
    ),
    Exporter(
        "postgres",
        "pg_",
        frozenset(
            {
                "pg_up",
                "pg_stat_database_numbackends",
                "pg_settings_max_connections",
                "pg_database_size_bytes",
            }
        ),
    ),
    Exporter(
        "node",
        "node_",
        frozenset(
            {
                "node_filesystem_avail_bytes",
                "node_filesystem_size_bytes",
                "node_filesystem_readonly",
                "node_cpu_seconds_total",
                "node_memory_MemAvailable_bytes",
                "node_memory_MemTotal_bytes",
                "node_load1",
            }
        ),
    ),
    Exporter(
        "flower",
        "flower_",
        frozenset(
            {
                "flower_events_total",
                "flower_worker_online",
                "flower_worker_number_of_currently_executing_tasks",
                "flower_worker_prefetched_tasks",
                "flower_task_prefetch_time_seconds",
                "flower_task_runtime_seconds_bucket",
                "flower_task_runtime_seconds_sum",
                "flower_task_runtime_seconds_count",
            }
        ),
    ),
)


@dataclass(frozen=True)
class Series:
    """A series PromQL can select: the labels it carries and the scrape jobs serving it."""

    labels: frozenset[str]
    jobs: frozenset[str]


@dataclass(frozen=True)
class Family:
    name: str  # as exposed, without the _total / _bucket / ... suffixes
    kind: str  # counter | gauge | histogram
    labels: frozenset[str]


def series_names(family: Family) -> dict[str, frozenset[str]]:
    """The series PromQL can select for a family, with the labels each carries."""
    labels = family.labels | TARGET_LABELS
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
    series = {}
    for suffix in suffixes.get(family.kind, ("",)):
        series[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return series


def _declared_labels() -> dict[str, frozenset[str]]:
    """Label names of the metric objects in the process-wide registry (no public listing:
    a labelled counter or histogram nobody has used yet renders no sample to read them from)."""
    declared = {}
    for collector in list(REGISTRY._collector_to_names):
        if isinstance(collector, MetricWrapperBase):
            declared[collector._name] = frozenset(collector._labelnames)
    return declared


def rendered_families(registry) -> list[Family]:
    """The landkontor families ``registry`` renders, with the labels of their samples or, for
    a family without samples, of its metric object."""
    declared = _declared_labels()
    families = []
    for metric in registry.collect():
        if not metric.name.startswith("landkontor_"):
            continue
        labels = {name for sample in metric.samples for name in sample.labels} - {"le"}
        labels |= declared.get(metric.name, frozenset())
        families.append(Family(metric.name, metric.type, frozenset(labels)))
    return families


def worker_families() -> list[Family]:
    """The job metrics worker processes record; a worker's exporter serves exactly these."""
    from landkontor.jobs import metrics

    wrappers = [value for value in vars(metrics).values() if isinstance(value, MetricWrapperBase)]
    return [
        Family(metric.name, metric.type, frozenset(wrapper._labelnames))
        for wrapper in wrappers
        for metric in wrapper.describe()
    ]


def app_series(api_registry) -> dict[str, Series]:
    """Every series the application exports, given the registry the API's /metrics renders."""
    known: dict[str, Series] = {}
    for job, families in (
        (API_JOB, rendered_families(api_registry)),
        (WORKER_JOB, worker_families()),
    ):
        for family in families:
            for name, labels in series_names(family).items():
                seen = known.get(name)
                jobs = (seen.jobs if seen else frozenset()) | {job}
                known[name] = Series((seen.labels if seen else frozenset()) | labels, jobs)
    return known
