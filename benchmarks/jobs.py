"""Job engine benchmark: end-to-end throughput of system.ping through the engine against
bare Celery no-op tasks on the same Redis and worker settings, worker memory over 10 000
jobs, and a 100 000-row item import.

Needs a database of its own and a Redis db of its own (it empties the Redis db):

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_jobs \
    LANDKONTOR_BROKER_URL=redis://127.0.0.1:6379/14 .venv/bin/python benchmarks/jobs.py

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median

import psutil
import redis
from sqlalchemy import delete, func, select

from landkontor.catalog.models import Item
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.db.types import utcnow
from landkontor.jobs import service
from landkontor.jobs.context import JobFileData
from landkontor.jobs.models import Job, JobStatus
from landkontor.jobs.registry import get_job_type
from landkontor.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: benchmarks.bare_celery must import
BIN = Path(sys.executable).parent


def start(args: list[str], log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LANDKONTOR_WORKER_METRICS_PORT="0")
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def rss_mb(process: subprocess.Popen) -> float:
    """Resident memory of a worker: main process and its pool processes."""
    main = psutil.Process(process.pid)
    return sum(p.memory_info().rss for p in [main, *main.children(recursive=True)]) / 2**20


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def bare_celery(n: int, concurrency: int, logs: Path, rounds: int) -> list[float]:
    """No-op tasks per second, end to end (first send to last task done), per round.

    The tasks are sent like the engine sends system.ping: same app settings (acks late,
    prefetch 1, events), same soft and hard time limit (the worker enforces them per task)."""
    from benchmarks.bare_celery import DONE_KEY, app

    spec = get_job_type("system.ping")
    options = {"soft_time_limit": spec.soft_time_limit, "time_limit": spec.time_limit}

    conn = redis.Redis.from_url(get_settings().broker_url)
    worker = start(
        [str(BIN / "celery"), "-A", "benchmarks.bare_celery", "worker", "-Q", "bench",
         "-c", str(concurrency), "-P", "prefork", "-n", "bare@%h", "--without-mingle",
         "--without-gossip", "-l", "WARNING"],
        logs / "bare.log",
    )  # fmt: skip
    try:
        conn.delete(DONE_KEY)
        app.send_task("bench.noop", queue="bench", **options)
        wait_for(lambda: conn.get(DONE_KEY) == b"1", 60, "bare worker")
        rates = []
        for _ in range(rounds):
            conn.delete(DONE_KEY)
            started = time.perf_counter()
            for _ in range(n):
                app.send_task("bench.noop", queue="bench", **options)
            wait_for(lambda: int(conn.get(DONE_KEY) or 0) >= n, 600, "bare tasks")
            rates.append(n / (time.perf_counter() - started))
        return rates
    finally:
        stop(worker)


def submit_pings(n: int) -> list[str]:
    database = get_database()
    ids = []
    with database.session() as session:
        for _ in range(n):
            ids.append(service.submit(session, "system.ping", {"message": "bench"}).id)
    return ids


def succeeded(ids: set[str]) -> int:
    with get_database().session() as session:
        return session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.status == JobStatus.succeeded, Job.type == "system.ping")
        )


def engine_pings(n: int) -> float:
    """system.ping jobs per second, end to end (first submit to last success)."""
    before = succeeded(set())
    started = time.perf_counter()
    submit_pings(n)
    wait_for(lambda: succeeded(set()) - before >= n, 1200, "ping jobs")
    return n / (time.perf_counter() - started)


def import_items(rows: int) -> dict[str, float]:
    prefix = f"BENCH-{uuid.uuid4().hex[:6]}-"
    lines = ["item_no;name;base_unit;item_group;shelf_life_days;reorder_point;pack_units"]
    lines += [
        f"{prefix}{n:07d};Artikel {n};kg;Gruppe {n % 50};{n % 365};{n % 1000},5;SACK25:25:Sack"
        for n in range(rows)
    ]
    content = ("\n".join(lines) + "\n").encode()
    database = get_database()
    started = time.perf_counter()
    with database.session() as session:
        job = service.submit(
            session,
            "import.items",
            {"chunk_size": 1000},
            input_file=JobFileData("bench.csv", "text/csv", content),
        )
        job_id = job.id

    def finished() -> bool:
        with database.session() as session:
            return session.get(Job, job_id).status in (JobStatus.succeeded, JobStatus.failed)

    wait_for(finished, 1200, "import")
    wall = time.perf_counter() - started
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job.status == JobStatus.succeeded, (job.error_type, job.error_message)
        assert job.result["created"] == rows, job.result
        run = (job.finished_at - job.started_at).total_seconds()
        session.execute(delete(Item).where(Item.item_no.like(prefix + "%")))
        session.commit()
    return {"wall_seconds": round(wall, 2), "job_seconds": round(run, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000, help="jobs per throughput run")
    parser.add_argument("--memory-jobs", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=3, help="throughput runs of each; the median counts"
    )
    args = parser.parse_args()

    settings = get_settings()
    database = get_database(settings)
    migrate.upgrade(database)
    redis.Redis.from_url(settings.broker_url).flushdb()
    logs = Path(tempfile.mkdtemp(prefix="landkontor-bench-"))

    bare_rates = bare_celery(args.jobs, args.concurrency, logs, args.rounds)
    worker = start(
        [str(BIN / "landkontor"), "worker", "-c", str(args.concurrency), "-n", "bench@%h",
         "--queues", "default,imports", "-l", "WARNING"],
        logs / "engine.log",
    )  # fmt: skip
    try:
        conn = redis.Redis.from_url(settings.broker_url)
        wait_for(lambda: conn.keys("landkontor:worker:bench@*"), 60, "engine worker")
        engine_pings(200)  # warm-up: imports, connection pools
        engine_rates = [engine_pings(args.jobs) for _ in range(args.rounds)]
        memory_before = rss_mb(worker)
        engine_pings(args.memory_jobs)
        memory_after = rss_mb(worker)
        import_figures = import_items(args.import_rows)
    finally:
        stop(worker)
    with database.session() as session:
        service.purge(session, older_than=utcnow(), statuses=[JobStatus.succeeded])

    bare_rate, engine_rate = median(bare_rates), median(engine_rates)
    ratio = engine_rate / bare_rate
    growth = memory_after - memory_before
    print(
        json.dumps(
            {
                "benchmark": "jobs",
                "database": database.dialect,
                "concurrency": args.concurrency,
                "bare_celery_tasks_per_second": round(bare_rate, 1),
                "engine_ping_jobs_per_second": round(engine_rate, 1),
                "rounds": {
                    "bare": [round(rate, 1) for rate in bare_rates],
                    "engine": [round(rate, 1) for rate in engine_rates],
                },
                "throughput_ratio": round(ratio, 3),
                "throughput_ratio_goal": 0.7,
                "worker_rss_mb_before": round(memory_before, 1),
                "worker_rss_mb_after": round(memory_after, 1),
                "worker_rss_growth_mb": round(growth, 1),
                "memory_jobs": args.memory_jobs,
                "memory_growth_goal_mb": 50,
                "import_rows": args.import_rows,
                "import": import_figures,
                "import_goal_seconds": 60,
            }
        )
    )


if __name__ == "__main__":
    main()
