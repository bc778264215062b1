"""`landkontor up` with a RabbitMQ broker URL: it starts no Redis, waits for RabbitMQ, and the
whole system — API, worker, beat, Flower, doctor, status, the system test with a job through
the worker — works on it."""

from __future__ import annotations

import json

import pytest

from tests.jobs_support import NO_RABBITMQ, TEST_RABBITMQ_URL, private_rabbitmq_url
from tests.ops_helpers import Stack

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not TEST_RABBITMQ_URL, reason=NO_RABBITMQ)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    broker = private_rabbitmq_url()
    stack = Stack(tmp_path_factory.mktemp("stack"), LANDKONTOR_BROKER_URL=broker)
    stack.up()
    try:
        stack.wait_started()
        yield stack
    finally:
        stack.down()
        stack.kill_everything()


def test_up_with_rabbitmq_starts_no_redis_and_runs_every_service_on_it(stack, tmp_path):
    states = {s["name"]: s for s in stack.state()["services"]}
    assert "redis" not in states and not (stack.var / "redis").exists()
    assert states["rabbitmq"]["state"] == "healthy" and "external" in states["rabbitmq"]["note"]
    for name in ("api", "worker", "beat", "flower"):
        assert states[name]["state"] == "healthy", states[name]

    doctor = stack.cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert checks["broker"]["status"] == "OK" and "RabbitMQ" in checks["broker"]["message"]
    assert checks["broker-queues"]["status"] == "OK", checks["broker-queues"]
    assert checks["workers"]["status"] == "OK", checks["workers"]

    status = json.loads(stack.cli("status", "--json").stdout)
    rows = {row["service"]: row for row in status["services"]}
    assert rows["rabbitmq"]["health"] == "ok" and "redis" not in rows

    report = tmp_path / "systemtest.json"
    result = stack.cli("systemtest", "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    steps = {s["name"]: s for s in json.loads(report.read_text())["steps"]}
    assert "private queue" in steps["broker-round-trip"]["detail"]
    assert steps["job-through-worker"]["status"] == "pass", steps
    assert steps["flower-sees-worker"]["status"] == "pass", steps
