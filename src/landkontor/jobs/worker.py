"""Worker process life cycle (Celery signals): logging, job types, database after fork,
Prometheus metrics of all pool processes, and the worker's presence in Redis."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from celery import signals

from landkontor.settings import get_settings

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_dir(var_dir: Path, nodename: str) -> Path:
    """Where the pool processes of worker ``nodename`` keep their metric files."""
    safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in nodename)
    return var_dir / "run" / "worker-metrics" / safe


def prepare_metrics_dir(path: Path) -> None:
    """Empty the folder (values of a previous run would be summed in) and point
    prometheus-client at it. Must run before prometheus_client is imported."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    from landkontor.logconfig import configure_logging

    configure_logging(get_settings())


@signals.worker_init.connect
def _load_job_types(**_: Any) -> None:
    from landkontor.jobs.registry import job_types

    names = [t.name for t in job_types()]
    log.info("job types: %s", ", ".join(names))
    _declare_rabbitmq_queues()


def _declare_rabbitmq_queues() -> None:
    """RabbitMQ: declare every job queue before the consumer starts — Celery's native delayed
    delivery binds all of them, also those this worker does not consume."""
    from landkontor.urls import is_amqp

    settings = get_settings()
    if not is_amqp(settings.broker_url):
        return
    from landkontor.jobs import broker, rabbitmq
    from landkontor.jobs.registry import QUEUES

    try:
        kinds = rabbitmq.declare_queues(
            settings.broker_url, [rabbitmq.job_queue(q) for q in QUEUES]
        )
    except broker.BROKER_ERRORS as exc:
        log.warning("cannot declare the job queues yet: %s", exc)
        return
    for kind in kinds:
        if not kind.ok:
            log.error("queue %s is not a durable quorum queue: %s", kind.name, kind.detail)


@signals.worker_process_init.connect
def _after_fork(**_: Any) -> None:
    # Connections inherited from the parent must not be used (or closed) by the child.
    from landkontor.db.session import get_database
    from landkontor.jobs.bookkeeping import reset_bookkeeping

    get_database(get_settings()).engine.dispose(close=False)
    reset_bookkeeping(close=False)


@signals.worker_process_shutdown.connect
def _process_gone(pid: int | None = None, **_: Any) -> None:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


class Presence(threading.Thread):
    """Repeats 'worker X lives' in Redis every heartbeat (for stats and metrics)."""

    def __init__(self, nodename: str, info: dict[str, object]) -> None:
        super().__init__(name="worker-presence", daemon=True)
        self.nodename, self.info = nodename, info
        self.stopped = threading.Event()

    def run(self) -> None:
        from landkontor.jobs import broker

        settings = get_settings()
        while True:
            try:
                broker.announce_worker(settings, self.nodename, self.info)
            except broker.BROKER_ERRORS as exc:
                log.warning("cannot announce worker: %s", exc)
            if self.stopped.wait(settings.job_heartbeat_seconds):
                return


_running: dict[str, Presence] = {}  # the presence thread of this worker process


@signals.worker_ready.connect
def _worker_ready(sender: Any = None, **_: Any) -> None:
    settings = get_settings()
    nodename = getattr(sender, "hostname", None) or "worker"
    presence = _running["presence"] = Presence(
        nodename, {"pid": os.getpid(), "queues": _queues(sender)}
    )
    presence.start()
    if settings.worker_metrics_port and os.environ.get(MULTIPROC_ENV):
        _serve_metrics(settings.worker_metrics_host, settings.worker_metrics_port)


def _queues(sender: Any) -> list[str]:
    try:
        return sorted(q.name for q in sender.app.amqp.queues.consume_from.values())
    except Exception:
        return []


def _serve_metrics(host: str, port: int) -> None:
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        log.error("worker metrics: cannot listen on port %d: %s", port, exc)
    else:
        log.info("worker metrics on port %d", port)


@signals.worker_shutdown.connect
def _worker_shutdown(sender: Any = None, **_: Any) -> None:
    presence = _running.pop("presence", None)
    if presence is not None:
        presence.stopped.set()
        from landkontor.jobs import broker

        with contextlib.suppress(*broker.BROKER_ERRORS):
            broker.retire_worker(get_settings(), presence.nodename)
