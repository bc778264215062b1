"""Direct questions to the broker (Redis or RabbitMQ): reachability, queue lengths, workers
online.

Workers online: on Redis each worker repeats a key with a time to live (:func:`announce_worker`);
RabbitMQ counts the consumers of every queue itself, so there a worker announces nothing and
the count is the most consumers any job queue has (each worker consumes each of its queues
once).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from functools import lru_cache

import amqp.exceptions
import redis
from kombu.exceptions import OperationalError as KombuOperationalError

from landkontor.jobs import rabbitmq
from landkontor.jobs.registry import QUEUES
from landkontor.settings import Settings
from landkontor.urls import is_amqp

# What a broker outage looks like to redis-py, kombu and the socket layer.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    KombuOperationalError,
    amqp.exceptions.ConnectionError,  # also: access refused, unknown vhost
    amqp.exceptions.ChannelError,
    ConnectionError,
    TimeoutError,
    socket.error,
)

WORKER_KEY_PREFIX = "landkontor:worker:"
# kombu's Redis transport keeps one list per priority step: "q", "q\x06\x163", …
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


@lru_cache(maxsize=8)
def client(url: str) -> redis.Redis:
    """A small connection pool to the broker with short time-outs (probes must not hang)."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=2, health_check_interval=10
    )


PROBE_TIMEOUT = 2.0


def ping(settings: Settings) -> None:
    """Raise unless the broker answers (readiness check)."""
    if is_amqp(settings.broker_url):
        rabbitmq.ping(settings.broker_url, PROBE_TIMEOUT)
    else:
        client(settings.broker_url).ping()


def queue_lengths(settings: Settings, queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each queue (Redis: all priority levels)."""
    if is_amqp(settings.broker_url):
        states = rabbitmq.queue_states(settings.broker_url, queues, PROBE_TIMEOUT)
        return {name: state.messages for name, state in states.items()}
    pipe = client(settings.broker_url).pipeline(transaction=False)
    names = list(queues)
    for queue in names:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    counts = pipe.execute()
    step = len(_PRIORITY_SUFFIXES)
    return {q: sum(counts[i * step : (i + 1) * step]) for i, q in enumerate(names)}


def announce_worker(settings: Settings, nodename: str, info: dict[str, object]) -> None:
    """Record that a worker lives, for 3 heartbeats (the worker repeats it every heartbeat).
    Nothing to do on RabbitMQ, which knows its consumers."""
    if is_amqp(settings.broker_url):
        return
    ttl = max(3, int(3 * settings.job_heartbeat_seconds))
    client(settings.broker_url).set(WORKER_KEY_PREFIX + nodename, json.dumps(info), ex=ttl)


def retire_worker(settings: Settings, nodename: str) -> None:
    if is_amqp(settings.broker_url):
        return
    client(settings.broker_url).delete(WORKER_KEY_PREFIX + nodename)


def online_workers(settings: Settings) -> list[str]:
    """Node names of the workers that announced themselves (Redis)."""
    conn = client(settings.broker_url)
    return sorted(
        key.decode()[len(WORKER_KEY_PREFIX) :]
        for key in conn.scan_iter(match=WORKER_KEY_PREFIX + "*", count=200)
    )


def workers_online(settings: Settings) -> int:
    if is_amqp(settings.broker_url):
        states = rabbitmq.queue_states(settings.broker_url, QUEUES, PROBE_TIMEOUT)
        return max((state.consumers for state in states.values()), default=0)
    return len(online_workers(settings))
