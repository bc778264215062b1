"""RabbitMQ as the job broker (``amqp://`` URLs): how the queues are declared, and the
questions probes, doctor, metrics and the sweeper ask it — without the management plugin.

Every job queue is a *quorum* queue (durable, replicated when the cluster has more nodes) on a
topic exchange of its own name: Celery's native delayed delivery, which carries the countdown
of a retry on quorum queues, needs a topic exchange. Publishing waits for the broker's
confirm, so a message the API was told is queued survives a broker restart.

Queue depth and consumers come from a passive ``queue.declare`` (its reply carries
``message_count`` and ``consumer_count``); whether a queue is of the right kind from an active
declare with our arguments, which the broker refuses (PRECONDITION_FAILED) when the queue
exists as another kind.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from amqp.exceptions import NotFound, PreconditionFailed
from kombu.connection import Connection
from kombu.entity import Exchange, Queue

QUORUM: dict[str, Any] = {"x-queue-type": "quorum"}
# What Celery's broker_transport_options get on RabbitMQ.
TRANSPORT_OPTIONS: dict[str, Any] = {"confirm_publish": True, "connect_timeout": 3}


def job_queue(name: str) -> Queue:
    """The durable quorum queue ``name`` on its topic exchange (routing key = its name)."""
    return Queue(
        name,
        Exchange(name, type="topic", durable=True),
        routing_key=name,
        durable=True,
        queue_arguments=dict(QUORUM),
    )


@contextmanager
def connection(url: str, timeout: float) -> Iterator[Connection]:
    """A connected kombu connection with short time-outs (probes must not hang)."""
    conn = Connection(url, connect_timeout=timeout, transport_options={"read_timeout": timeout})
    try:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        yield conn
    finally:
        conn.release()


def ping(url: str, timeout: float) -> str:
    """Connect and open a channel; raises on any failure."""
    with connection(url, timeout) as conn:
        conn.default_channel  # noqa: B018 - opening a channel proves the vhost and the login
        properties = getattr(conn.connection, "server_properties", {}) or {}
        version = properties.get("version", "?")
    if isinstance(version, bytes):
        version = version.decode()
    return f"connected (RabbitMQ {version})"


@dataclass(frozen=True)
class QueueState:
    messages: int  # ready, not yet delivered
    consumers: int


def queue_states(url: str, queues: Iterable[str], timeout: float = 3.0) -> dict[str, QueueState]:
    """Messages waiting and consumers of each queue; a queue not declared yet has neither."""
    states: dict[str, QueueState] = {}
    with connection(url, timeout) as conn:
        channel = conn.channel()
        for name in queues:
            try:
                _, messages, consumers = channel.queue_declare(queue=name, passive=True)
            except NotFound:
                channel = conn.channel()  # the broker closed the channel
                states[name] = QueueState(0, 0)
            else:
                states[name] = QueueState(int(messages), int(consumers))
    return states


@dataclass(frozen=True)
class QueueKind:
    name: str
    ok: bool
    detail: str


def declare_queues(url: str, queues: Iterable[Queue], timeout: float = 3.0) -> list[QueueKind]:
    """Declare each queue (with its exchange and binding) as configured, and say whether the
    broker accepted it: it refuses when a queue of that name exists as another kind. Workers
    declare every job queue at start (also those they do not consume: the native delayed
    delivery binds them all); doctor uses the answer."""
    found: list[QueueKind] = []
    with connection(url, timeout) as conn:
        for queue in queues:
            channel = conn.channel()
            try:
                queue.bind(channel).declare()
            except PreconditionFailed as exc:
                found.append(QueueKind(queue.name, False, str(exc.reply_text or exc)))
            else:
                found.append(QueueKind(queue.name, True, "durable quorum queue"))
            finally:
                if channel.is_open:
                    channel.close()
    return found


def round_trip(url: str, timeout: float) -> str:
    """Publish one confirmed message to a private queue and read it back."""
    body = uuid.uuid4().hex
    name = f"landkontor.systemtest.{body}"
    with connection(url, timeout) as conn:
        queue = Queue(name, exclusive=True, auto_delete=True, durable=False)
        started = time.perf_counter()
        channel = conn.channel()
        bound = queue.bind(channel)
        bound.declare()
        producer = conn.Producer(channel)
        producer.publish(body, routing_key=name, serializer="json")
        message = None
        deadline = time.monotonic() + timeout
        while message is None and time.monotonic() < deadline:
            message = bound.get(no_ack=True)
            if message is None:
                time.sleep(0.01)
        elapsed = (time.perf_counter() - started) * 1000
        bound.delete()
    read = message.payload if message is not None else None
    if read != body:
        raise RuntimeError(f"published {body!r} to {name}, read back {read!r}")
    return f"publish/get on a private queue in {elapsed:.1f} ms"
