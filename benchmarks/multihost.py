"""Multi-host benchmark on simulated hosts (tests/multihost.py; needs root for `ip netns`):
jobs/s with workers on one host vs two, then one worker host cut off mid-run — time for the
surviving host to finish the lost host's jobs, lost and duplicated jobs.

Needs a PostgreSQL database and a RabbitMQ vhost of its own (it empties the vhost's queues):

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_multihost \\
    LANDKONTOR_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/landkontor_bench \\
    .venv/bin/python benchmarks/multihost.py [--jobs 200] [--work-seconds 0.2]

Each job (test.work) sleeps --work-seconds: the hosts share this machine's CPUs, so the jobs
stand for work that waits (database, supplier portal), which more hosts do side by side.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: tests.multihost must import

# Fast clocks as in the tests: loss detection and sweeps within seconds.
os.environ.update(
    LANDKONTOR_JOB_MODULES='["tests.jobtypes"]',
    LANDKONTOR_JOB_HEARTBEAT_SECONDS="0.5",
    LANDKONTOR_JOB_STALE_AFTER_SECONDS="4",
    LANDKONTOR_JOB_SWEEP_INTERVAL_SECONDS="1",
    LANDKONTOR_LOG_LEVEL="WARNING",
)
os.environ.setdefault("LANDKONTOR_SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("LANDKONTOR_VAR_DIR", tempfile.mkdtemp(prefix="landkontor-multihost-"))

from tests.jobs_support import purge_rabbitmq  # noqa: E402
from tests.multihost import (  # noqa: E402
    Cluster,
    JobClient,
    Network,
    outcome,
    unavailable,
    wait_outcome,
)

from landkontor.settings import get_settings  # noqa: E402


def clerk_headers() -> dict[str, str]:
    """A clerk of the benchmark's own and its token (signed with LANDKONTOR_SECRET_KEY,
    which the API processes on the hosts share)."""
    from datetime import timedelta

    from landkontor.auth.models import User
    from landkontor.auth.roles import Role
    from landkontor.auth.security import create_access_token, hash_password
    from landkontor.db import migrate
    from landkontor.db.session import get_database

    database = get_database(get_settings())
    migrate.upgrade(database)
    name = f"bench-{secrets.token_hex(4)}"
    with database.session() as session:
        user = User(username=name, role=Role.clerk, password_hash=hash_password(name))
        session.add(user)
        session.commit()
        user_id = user.id
    key = os.environ["LANDKONTOR_SECRET_KEY"]
    token, _ = create_access_token(user_id, 0, key=key, lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def run(client: JobClient, database_url: str, jobs: int, seconds: float) -> dict:
    started = time.monotonic()
    ids = client.submit_many("test.work", {"seconds": seconds}, jobs)
    done, _ = wait_outcome(database_url, ids, timeout=600)
    elapsed = time.monotonic() - started
    return {
        "jobs": jobs,
        "seconds": round(elapsed, 2),
        "jobs_per_second": round(jobs / elapsed, 1),
        "succeeded": done.statuses.get("succeeded", 0),
        "by_host": done.hosts,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--work-seconds", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    if why := unavailable():
        raise SystemExit(f"no simulated hosts: {why}")
    settings = get_settings()
    database_url, broker_url = settings.database_url, settings.broker_url
    purge_rabbitmq(broker_url)
    headers = clerk_headers()
    logs = Path(tempfile.mkdtemp(prefix="landkontor-multihost-logs-"))
    network = Network(("h2", "h3"))
    try:
        cluster = Cluster(network, database_url, broker_url, logs)
        cluster.start_api("h2")
        cluster.start_worker("h2", args.concurrency)
        cluster.start_beat("h2")
        cluster.wait()
        client = JobClient([cluster.api_urls["h2"]], headers)
        run(client, database_url, 20, args.work_seconds)  # warm-up
        one_host = run(client, database_url, args.jobs, args.work_seconds)

        cluster.start_worker("h3", args.concurrency)
        cluster.wait()
        two_hosts = run(client, database_url, args.jobs, args.work_seconds)

        ids = client.submit_many("test.work", {"seconds": args.work_seconds}, args.jobs)
        while outcome(database_url, ids).hosts.get("h3", 0) < args.jobs // 10:
            time.sleep(0.05)
        cut_at = time.monotonic()
        cluster.host("h3").cut()
        before_cut = outcome(database_url, ids)
        done, _ = wait_outcome(database_url, ids, timeout=600)
        finished_after_cut = time.monotonic() - cut_at
        cluster.host("h3").rejoin()
        print(
            json.dumps(
                {
                    "benchmark": "multihost",
                    "work_seconds": args.work_seconds,
                    "concurrency_per_host": args.concurrency,
                    "workers_on_one_host": one_host,
                    "workers_on_two_hosts": two_hosts,
                    "host_cut": {
                        "jobs": args.jobs,
                        "succeeded_before_cut": before_cut.statuses.get("succeeded", 0),
                        "seconds_to_finish_after_cut": round(finished_after_cut, 2),
                        "lost": args.jobs - done.statuses.get("succeeded", 0),
                        "duplicated": done.duplicated,
                        "attempts_lost_with_the_host": done.lost_attempts,
                        "by_host": done.hosts,
                    },
                }
            )
        )
    finally:
        network.close()


if __name__ == "__main__":
    main()
