"""`landkontor up` for real: a subprocess with its own var/, SQLite file, free ports, Redis.

One stack runs through the life of a system: start, second `up`, a killed API, a requested
restart, logs, status, the system test, with the job engine a killed worker, doctor and a job
through the system test, then a supervisor that died, and `down`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
import psutil
import pytest

from tests.ops_helpers import Stack, WebhookReceiver, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def webhook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def stack(tmp_path_factory, webhook):
    stack = Stack(tmp_path_factory.mktemp("stack"), webhook=webhook.url)
    stack.up()
    try:
        stack.wait_started()
        yield stack
    finally:
        stack.down()
        stack.kill_everything()


def test_up_starts_redis_migrations_and_api_healthy(stack):
    state = stack.state()
    states = {s["name"]: s["state"] for s in state["services"]}
    assert states["redis"] == states["migrations"] == states["api"] == "healthy"
    assert stack.service("redis")["note"] == "managed"
    assert httpx.get(f"{stack.api_url}/ready", timeout=5).status_code == 200
    for name in ("supervisor", "redis", "api"):
        assert (stack.var / "run" / f"{name}.pid").is_file()
    assert (stack.var / "redis" / "redis.conf").is_file()
    assert "All services healthy" in stack.output()


def test_managed_redis_runs_with_the_broker_settings(stack):
    import redis

    client = redis.Redis.from_url(stack.broker_url, decode_responses=True)
    try:
        assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("appendfsync")["appendfsync"] == "everysec"
    finally:
        client.close()


def test_status_reports_every_service_with_health(stack):
    result = stack.cli("status", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    status = json.loads(result.stdout)
    rows = {row["service"]: row for row in status["services"]}
    assert rows["api"]["health"] == "ok" and rows["api"]["port"] == stack.api_port
    assert rows["redis"]["health"] == "ok" and rows["redis"]["pid"]
    assert rows["api"]["uptime_seconds"] >= 0
    assert status["supervisor"]["pid"] == stack.process.pid


def test_second_up_starts_nothing_twice(stack):
    before = {name: stack.service(name)["pid"] for name in ("redis", "api")}
    result = stack.cli("up", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "already running" in result.stdout
    assert {name: stack.service(name)["pid"] for name in ("redis", "api")} == before
    servers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"]
        and str(stack.api_port) in p.info["cmdline"]
        and "api" in p.info["cmdline"]
    ]
    assert len(servers) == 1


def test_killed_api_is_restarted_and_notified(stack, webhook):
    old = stack.service("api")
    psutil.Process(old["pid"]).kill()
    new = stack.wait_healthy("api", other_than=old["pid"], timeout=10)
    assert new["restarts"] == old["restarts"] + 1
    assert httpx.get(f"{stack.api_url}/ready", timeout=5).status_code == 200
    crash = webhook.wait_for("api", "crash")
    assert crash["details"]["pid"] == old["pid"] and "SIGKILL" in crash["message"]
    assert webhook.wait_for("api", "restart")["details"]["pid"] == new["pid"]
    assert webhook.wait_for("api", "recovery")["details"]["pid"] == new["pid"]


def test_restart_command_replaces_the_process(stack):
    old = stack.service("api")["pid"]
    result = stack.cli("restart", "api")
    assert result.returncode == 0, result.stdout + result.stderr
    new = stack.service("api")
    assert new["pid"] != old and new["state"] == "healthy"
    assert not psutil.pid_exists(old) or psutil.Process(old).status() == psutil.STATUS_ZOMBIE


def test_restart_of_a_service_it_does_not_run_says_what_runs(stack):
    result = stack.cli("restart", "migrations")
    assert result.returncode == 1
    assert "it runs: redis, api" in result.stderr


def test_logs_shows_the_last_lines_of_a_service(stack):
    result = stack.cli("logs", "api", "-n", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert 0 < len(lines) <= 3
    written = (stack.var / "log" / "api.log").read_text().splitlines()
    # the API keeps logging (health probes): the lines printed are a recent stretch of the file
    start = written.index(lines[0])
    assert written[start : start + len(lines)] == lines
    assert start >= len(written) - 10
    assert stack.cli("logs", "nonsense").returncode == 1


def test_systemtest_passes_on_the_healthy_stack(stack, tmp_path):
    junit, report = tmp_path / "junit.xml", tmp_path / "systemtest.json"
    result = stack.cli("systemtest", "--junit", str(junit), "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(report.read_text())
    assert data["passed"] is True
    steps = {s["name"]: s["status"] for s in data["steps"]}
    for name in ("api-ready", "login", "broker-round-trip", "get-routes", "business-round-trip"):
        assert steps[name] == "pass", data
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "0"
    assert int(suite.get("tests")) == len(data["steps"])


def test_systemtest_fails_with_a_reason_when_the_password_is_wrong(stack, tmp_path):
    report = tmp_path / "systemtest.json"
    result = stack.cli("systemtest", "--password", "wrong-password", "--json", str(report))
    assert result.returncode == 1
    steps = {s["name"]: s for s in json.loads(report.read_text())["steps"]}
    assert steps["login"]["status"] == "fail" and "401" in steps["login"]["detail"]
    assert steps["get-routes"]["status"] == "fail"


# --- worker, beat and Flower ------------------------------------------------------------------
def test_worker_beat_and_flower_run_healthy(stack):
    for name in ("worker", "beat", "flower"):
        assert stack.service(name)["state"] == "healthy", stack.service(name)
    wait_until(lambda: "Flower" in stack.output(), 10, "the URLs after start-up")


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
    # A second run reuses the marked test records and leaves the test level at zero again.
    assert steps["business-round-trip"]["status"] == "pass", steps
    assert "level back to 0" in steps["business-round-trip"]["detail"]


# --- the end of the stack's life ---------------------------------------------------------------
def test_up_after_a_dead_supervisor_adopts_the_running_services(stack):
    pids = {name: stack.service(name)["pid"] for name in ("redis", "api")}
    stack.process.kill()  # the supervisor dies; its services keep running
    stack.process.wait(10)
    stack.up()
    stack.wait_started()
    for name, pid in pids.items():
        entry = stack.service(name)
        assert entry["pid"] == pid and entry["adopted"] is True, entry
        assert entry["state"] == "healthy"


def test_adopted_service_is_still_supervised(stack):
    old = stack.service("api")["pid"]
    psutil.Process(old).kill()
    stack.wait_healthy("api", other_than=old, timeout=10)


def test_down_leaves_no_process_and_no_pid_file(stack):
    pids = [stack.service(n)["pid"] for n in ("redis", "api")] + [stack.process.pid]
    children = []
    for pid in pids:
        children += psutil.Process(pid).children(recursive=True)
    result = stack.down()
    assert result.returncode == 0, result.stderr
    assert "Stopped" in result.stdout
    assert stack.process.poll() is not None
    for proc in [*map(psutil.Process, [p for p in pids if psutil.pid_exists(p)]), *children]:
        assert not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE, proc
    assert stack.leftovers() == []
    assert list((stack.var / "run").glob("*.pid")) == []
    assert not (stack.var / "run" / "state.json").exists()
    assert stack.cli("status").returncode == 3
