"""The one Celery app (``celery_app``): worker, beat and Flower all use it.

Reliability settings: JSON only; a message is acknowledged after the job ran
(``task_acks_late``) and put back when the worker process dies (``reject_on_worker_lost``);
each worker process reserves one message at a time; the broker's visibility timeout is longer
than the longest hard time limit, so a long job is never handed out twice while it runs.
Celery's result backend is not used: the job record in the database is the source of truth.

On RabbitMQ (``amqp://``) the queues are durable quorum queues and publishing waits for the
broker's confirm (:mod:`landkontor.jobs.rabbitmq`); Celery then uses per-consumer QoS
(``worker_detect_quorum_queues``) and carries a retry's countdown by native delayed delivery
instead of holding the message in the worker. AMQP heartbeats are on there, so the broker
notices a vanished worker host and hands its unacknowledged messages to another worker.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery
from kombu.entity import Queue

from landkontor.jobs import rabbitmq
from landkontor.jobs.registry import QUEUES, job_types, longest_time_limit
from landkontor.settings import Settings, get_settings
from landkontor.urls import is_amqp

RUN_JOB = "landkontor.run_job"
SWEEP = "landkontor.sweep"
SUBMIT_SCHEDULED = "landkontor.submit_scheduled"

VISIBILITY_MARGIN_SECONDS = 600


def visibility_timeout() -> int:
    """Longer than the longest hard time limit (and the longest retry delay)."""
    return max(3600, longest_time_limit() + VISIBILITY_MARGIN_SECONDS)


def _transport_options() -> dict[str, Any]:
    return {
        "broker_transport_options": {
            "visibility_timeout": visibility_timeout(),
            "socket_connect_timeout": 3,
            "socket_timeout": 10,
            "socket_keepalive": True,
        }
    }


def _broker_conf(settings: Settings) -> dict[str, Any]:
    """What differs between the brokers: queues, heartbeats, transport options."""
    if is_amqp(settings.broker_url):
        return {
            # The broker notices a vanished worker host and re-delivers its messages.
            "broker_heartbeat": settings.broker_heartbeat_seconds,
            "broker_transport_options": dict(rabbitmq.TRANSPORT_OPTIONS),
            "task_queues": [rabbitmq.job_queue(name) for name in QUEUES],
            "task_default_exchange_type": "topic",
            "task_default_queue_type": "quorum",
            "worker_detect_quorum_queues": True,
            "broker_native_delayed_delivery_queue_type": "quorum",
        }
    return {
        "broker_heartbeat": 0,
        "task_queues": [Queue(name, routing_key=name) for name in QUEUES],
    }


def create_celery_app(settings: Settings) -> Celery:
    """The app for ``settings``' broker. Creating it loads no job type: the visibility
    timeout (which needs the longest time limit) is read when the app is first configured;
    the tasks are registered by importing ``landkontor.jobs.tasks`` (the worker does)."""
    app = Celery("landkontor", broker=settings.broker_url, set_as_current=False)
    if not is_amqp(settings.broker_url):
        app.add_defaults(_transport_options)
    app.conf.update(
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        event_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_send_task_events=True,
        task_send_sent_event=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        task_default_queue="default",
        task_routes={SWEEP: {"queue": "default"}, SUBMIT_SCHEDULED: {"queue": "default"}},
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.3,
            "interval_max": 1,
        },
        timezone="UTC",
        enable_utc=True,
        imports=("landkontor.jobs.tasks",),  # for a worker started without `landkontor worker`
    )
    app.conf.update(_broker_conf(settings))
    return app


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The sweeper every few seconds, and every job type that declares a schedule."""
    sweep_every = settings.job_sweep_interval_seconds
    schedule: dict[str, dict[str, Any]] = {
        "sweep-jobs": {
            "task": SWEEP,
            "schedule": timedelta(seconds=sweep_every),
            "options": {"queue": "default", "expires": max(1.0, sweep_every)},
        }
    }
    for job_type in job_types():
        if job_type.schedule is not None:
            schedule[f"submit {job_type.name}"] = {
                "task": SUBMIT_SCHEDULED,
                "schedule": job_type.schedule,
                "args": [job_type.name],
                "options": {"queue": "default", "expires": 3600},
            }
    return schedule


_apps: dict[str, Celery] = {}


def celery_app_for(settings: Settings) -> Celery:
    """The Celery app for these settings' broker (one per process and broker URL)."""
    app = _apps.get(settings.broker_url)
    if app is None:
        app = _apps[settings.broker_url] = create_celery_app(settings)
    return app


celery_app = celery_app_for(get_settings())
