"""Direct questions to the broker (Redis): reachability, queue lengths, workers online."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from functools import lru_cache

import redis
from kombu.exceptions import OperationalError as KombuOperationalError

from landkontor.settings import Settings

# What a broker outage looks like to redis-py, kombu and the socket layer.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    KombuOperationalError,
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


def ping(settings: Settings) -> None:
    """Raise unless the broker answers (readiness check)."""
    client(settings.broker_url).ping()


def queue_lengths(settings: Settings, queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each queue (all priority levels)."""
    pipe = client(settings.broker_url).pipeline(transaction=False)
    names = list(queues)
    for queue in names:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    counts = pipe.execute()
    step = len(_PRIORITY_SUFFIXES)
    return {q: sum(counts[i * step : (i + 1) * step]) for i, q in enumerate(names)}


def announce_worker(settings: Settings, nodename: str, info: dict[str, object]) -> None:
    """Record that a worker lives, for 3 heartbeats (the worker repeats it every heartbeat)."""
    ttl = max(3, int(3 * settings.job_heartbeat_seconds))
    client(settings.broker_url).set(WORKER_KEY_PREFIX + nodename, json.dumps(info), ex=ttl)


def retire_worker(settings: Settings, nodename: str) -> None:
    client(settings.broker_url).delete(WORKER_KEY_PREFIX + nodename)


def online_workers(settings: Settings) -> list[str]:
    conn = client(settings.broker_url)
    return sorted(
        key.decode()[len(WORKER_KEY_PREFIX) :]
        for key in conn.scan_iter(match=WORKER_KEY_PREFIX + "*", count=200)
    )


def workers_online(settings: Settings) -> int:
    return len(online_workers(settings))
