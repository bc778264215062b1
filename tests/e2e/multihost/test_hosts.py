"""Landkontor on three simulated hosts (tests/multihost.py): the database and RabbitMQ on the
db host, API + worker + beat on h2, API + worker on h3. One worker host is cut off mid-run:
every job still ends succeeded exactly once, the other API keeps answering, and the cut host
rejoins. Correctness only; the figures are benchmarks/multihost.py's."""

from __future__ import annotations

import time

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.jobs_support import NO_RABBITMQ, TEST_RABBITMQ_URL, private_rabbitmq_url
from tests.multihost import Cluster, JobClient, Network, outcome, unavailable, wait_outcome

WHY_NOT = unavailable()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(WHY_NOT is not None, reason=f"no simulated hosts: {WHY_NOT}"),
    pytest.mark.skipif(not TEST_RABBITMQ_URL, reason=NO_RABBITMQ),
    pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith("postgresql"),
        reason="the hosts share a PostgreSQL database (LANDKONTOR_TEST_DATABASE_URL)",
    ),
]

JOBS = 200
WORK_SECONDS = 0.15


@pytest.fixture
def cluster(db, tmp_path):
    broker = private_rabbitmq_url()
    network = Network(("h2", "h3"))
    try:
        cluster = Cluster(network, TEST_DATABASE_URL, broker, tmp_path)
        for name in ("h2", "h3"):
            cluster.start_api(name)
            cluster.start_worker(name)
        cluster.start_beat("h2")
        cluster.wait()
        yield cluster
    finally:
        network.close()


def test_jobs_survive_losing_a_worker_host_and_the_api_stays_up(cluster, users):
    client = JobClient(list(cluster.api_urls.values()), users.headers("clerk"))
    jobs = client.submit_many("test.work", {"seconds": WORK_SECONDS}, JOBS)

    deadline = time.monotonic() + 60  # h3 has started on its share
    while outcome(cluster.database_url, jobs).hosts.get("h3", 0) < 10:
        assert time.monotonic() < deadline, "h3 ran no jobs"
        time.sleep(0.1)
    cluster.host("h3").cut()

    # The API on h2 keeps answering; the client in front skips h3.
    for _ in range(4):
        assert client.request("GET", f"/api/v1/jobs/{jobs[0]}").status_code == 200
    assert client.failovers >= 1
    done, _ = wait_outcome(cluster.database_url, jobs, timeout=120)
    assert done.all_succeeded, done.statuses
    assert done.duplicated == 0  # exactly one successful attempt per job
    assert set(done.hosts) == {"h2", "h3"} and sum(done.hosts.values()) == JOBS

    # h3 comes back: its worker reconnects and takes jobs again, its API answers again.
    cluster.host("h3").rejoin()
    again = client.submit_many("test.work", {"seconds": WORK_SECONDS}, 20)
    h3_again = wait_outcome(cluster.database_url, again, timeout=90)[0]
    deadline = time.monotonic() + 60
    while h3_again.hosts.get("h3", 0) == 0 and time.monotonic() < deadline:
        again += client.submit_many("test.work", {"seconds": WORK_SECONDS}, 10)
        h3_again = wait_outcome(cluster.database_url, again, timeout=60)[0]
    assert h3_again.all_succeeded and h3_again.duplicated == 0, h3_again
    assert h3_again.hosts.get("h3", 0) > 0, "the rejoined host ran no job"
    client.close()
