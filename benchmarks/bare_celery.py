"""A bare Celery app with a no-op task, configured exactly like the job engine's app
(same broker, serialisation, acks, prefetch): the baseline of benchmarks/jobs.py."""

from __future__ import annotations

import redis
from kombu import Queue

from landkontor.jobs.celery_app import create_celery_app
from landkontor.settings import get_settings

settings = get_settings()
app = create_celery_app(settings)
app.conf.update(imports=(), task_queues=[Queue("bench")], task_default_queue="bench")
DONE_KEY = "bench:bare:done"
_client: dict[str, redis.Redis] = {}


@app.task(name="bench.noop")
def noop() -> None:
    """Counts itself done (one Redis INCR), so the benchmark sees when all have run."""
    client = _client.get("r")
    if client is None:
        client = _client["r"] = redis.Redis.from_url(settings.broker_url)
    client.incr(DONE_KEY)
