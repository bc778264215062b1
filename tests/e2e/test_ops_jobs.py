"""`up` with the job engine: worker, beat and Flower supervised, checked and system-tested.

These tests need the job engine (landkontor.jobs); they are skipped where it is not installed.
"""

from __future__ import annotations

import json

import psutil
import pytest

from tests.ops_helpers import Stack, WebhookReceiver

pytest.importorskip("landkontor.jobs.celery_app")
pytestmark = pytest.mark.slow

JOB_SERVICES = ("worker", "beat", "flower")


@pytest.fixture(scope="module")
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, webhook):
    stack = Stack(tmp_path_factory.mktemp("jobs"), webhook=webhook.url)
    stack.up("--concurrency", "2")
    try:
        stack.wait_started(timeout=120)
        yield stack
    finally:
        stack.down()
        stack.kill_everything()


def test_worker_beat_and_flower_run_healthy(stack):
    for name in ("redis", "api", *JOB_SERVICES):
        assert stack.service(name)["state"] == "healthy", stack.service(name)
    assert "Flower" in stack.output()


def test_killed_worker_is_restarted_and_notified(stack, webhook):
    old = stack.service("worker")
    psutil.Process(old["pid"]).kill()
    new = stack.wait_healthy("worker", other_than=old["pid"], timeout=10)
    assert new["restarts"] == old["restarts"] + 1
    assert webhook.wait_for("worker", "crash")["details"]["pid"] == old["pid"]
    assert webhook.wait_for("worker", "recovery")["details"]["pid"] == new["pid"]


def test_doctor_sees_workers_consuming_every_queue(stack):
    result = stack.cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["workers"]["status"] == "OK", checks["workers"]
    assert "queues consumed" in checks["workers"]["message"]
    assert checks["flower"]["status"] == "OK", checks["flower"]
    assert result.returncode == 0, result.stdout


def test_systemtest_runs_a_job_through_the_worker(stack, tmp_path):
    report = tmp_path / "systemtest.json"
    result = stack.cli("systemtest", "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    steps = {s["name"]: s for s in json.loads(report.read_text())["steps"]}
    assert steps["job-through-worker"]["status"] == "pass", steps
    assert "100" in steps["job-through-worker"]["detail"]
    assert steps["flower-sees-worker"]["status"] == "pass", steps


def test_systemtest_fails_with_a_reason_when_no_worker_runs(tmp_path):
    stack = Stack(tmp_path)
    stack.up("--skip-worker", "--skip-beat", "--skip-flower")
    try:
        stack.wait_started(timeout=120)
        report = tmp_path / "systemtest.json"
        result = stack.cli("systemtest", "--job-timeout", "5", "--json", str(report))
        assert result.returncode == 1
        steps = {s["name"]: s for s in json.loads(report.read_text())["steps"]}
        job = steps["job-through-worker"]
        assert job["status"] == "fail"
        assert "is the worker running" in job["detail"]
        doctor = {c["name"]: c for c in json.loads(stack.cli("doctor", "--json").stdout)["checks"]}
        assert doctor["workers"]["status"] == "WARN"  # skipped on purpose, not broken
    finally:
        stack.down()
        stack.kill_everything()
