"""Which metrics dashboards and alert rules may name.

A query may use
- a metric the application exports: its own registry (``exported_by_app``) and, until the
  job engine and the business gauges are merged, the CONTRACT below;
- ``up`` (written by Prometheus for every target);
- a metric of one of the EXPORTERS, and then only in a selector that names that exporter's
  scrape job (``redis_up{job="redis"}``), so an exporter's metrics appear only in its panels.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import REGISTRY


@dataclass(frozen=True)
class Family:
    name: str  # as written in PromQL: counters with _total, histograms without suffix
    kind: str  # counter | gauge | histogram
    labels: frozenset[str]


def _family(name: str, kind: str, *labels: str) -> Family:
    return Family(name, kind, frozenset(labels))


# Metrics other parts of Landkontor export (job engine: API and workers, the latter on port
# 9808 through the prometheus multiprocess collector; business gauges: computed on a timer).
CONTRACT: tuple[Family, ...] = (
    _family("landkontor_jobs_submitted_total", "counter", "type", "queue"),
    _family("landkontor_jobs_started_total", "counter", "type", "queue"),
    _family("landkontor_jobs_succeeded_total", "counter", "type", "queue"),
    _family("landkontor_jobs_failed_total", "counter", "type", "queue"),
    _family("landkontor_jobs_retried_total", "counter", "type", "queue"),
    _family("landkontor_jobs_cancelled_total", "counter", "type", "queue"),
    _family("landkontor_job_duration_seconds", "histogram", "type"),
    _family("landkontor_job_queue_wait_seconds", "histogram", "type"),
    _family("landkontor_job_queue_length", "gauge", "queue"),
    _family("landkontor_workers_online", "gauge"),
    _family("landkontor_job_oldest_pending_age_seconds", "gauge"),
    _family("landkontor_stock_value_eur", "gauge"),
    _family("landkontor_batches_with_stock", "gauge", "status"),  # status: blocked | recalled
    _family("landkontor_sales_orders_open", "gauge"),
    _family("landkontor_jobs_failed_last_24h", "gauge"),
)

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


def series_names(family: Family) -> dict[str, frozenset[str]]:
    """The series PromQL can select for a family, with the labels each carries."""
    labels = family.labels | TARGET_LABELS
    if family.kind == "histogram":
        return {
            f"{family.name}_bucket": labels | {"le"},
            f"{family.name}_sum": labels,
            f"{family.name}_count": labels,
        }
    return {family.name: labels}


def exported_by_app() -> tuple[Family, ...]:
    """The families registered by importing the application (the API and what it loads)."""
    import landkontor.api.app  # noqa: F401 - registers the application's metrics

    families = []
    for collector in list(REGISTRY._collector_to_names):  # no public listing of collectors
        labelnames = getattr(collector, "_labelnames", None)
        if labelnames is None:
            continue  # process / platform / gc collectors
        for metric in collector.describe():
            if not metric.name.startswith("landkontor_"):
                continue
            name = metric.name + ("_total" if metric.type == "counter" else "")
            families.append(_family(name, metric.type, *labelnames))
    return tuple(families)


def known_app_series() -> dict[str, frozenset[str]]:
    known: dict[str, frozenset[str]] = {}
    for family in (*exported_by_app(), *CONTRACT):
        known.update(series_names(family))
    return known
