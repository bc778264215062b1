"""`up`, `doctor` and `restart` when things are broken: flapping, foreign ports, bad set-ups."""

from __future__ import annotations

import json
import subprocess
import sys

import psutil
import pytest
import redis

from landkontor.db import migrate
from landkontor.db.session import Database
from tests.ops_helpers import Stack, WebhookReceiver, free_ports, wait_until

pytestmark = pytest.mark.slow
NO_JOBS = ("--skip-worker", "--skip-beat", "--skip-flower")  # not what these tests are about


@pytest.fixture
def webhook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def make_stack(tmp_path):
    stacks: list[Stack] = []

    def make(**env: str) -> Stack:
        stack = Stack(tmp_path / f"stack{len(stacks)}", **env)
        stack.root.mkdir()
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.down()
        stack.kill_everything()


def test_service_crashing_on_start_is_given_up_and_can_be_restarted_once_fixed(make_stack, webhook):
    stack = make_stack(
        webhook=webhook.url,
        LANDKONTOR_OPS_FLAP_MAX_CRASHES="3",
        LANDKONTOR_OPS_RESTART_BACKOFF_INITIAL="0.1",
    )
    # A broken installation: the API cannot read its signing key and dies on start.
    del stack.env["LANDKONTOR_SECRET_KEY"]
    broken_key = stack.var / "secret-key"
    broken_key.mkdir(parents=True)
    stack.up(*NO_JOBS)
    state = stack.wait_started()
    api = stack.service("api")
    assert api["state"] == "given-up", api
    assert api["crashes_in_window"] == 3 and api["restarts"] == 2
    assert stack.service("redis")["state"] == "healthy"
    assert stack.process.poll() is None, "up keeps supervising the rest"
    assert state["phase"] == "running"

    give_up = webhook.wait_for("api", "give-up")
    assert "3 crashes" in give_up["message"]
    assert any("secret-key" in line for line in give_up["details"]["log_tail"])
    assert len(webhook.of("api", "crash")) == 2
    assert len(webhook.of("api", "restart")) == 2

    status = json.loads(stack.cli("status", "--json").stdout)
    rows = {row["service"]: row for row in status["services"]}
    assert rows["api"]["state"] == "given-up" and rows["api"]["pid"] is None
    assert stack.cli("status").returncode == 1

    broken_key.rmdir()  # the operator fixes the cause …
    result = stack.cli("restart", "api")  # … and restarts the given-up service
    assert result.returncode == 0, result.stdout + result.stderr
    assert stack.service("api")["state"] == "healthy"


def test_port_held_by_a_foreign_process_is_reported_and_not_killed(make_stack):
    stack = make_stack()
    squatter = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(stack.api_port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: any(
                c.laddr.port == stack.api_port and c.status == psutil.CONN_LISTEN
                for c in psutil.Process(squatter.pid).net_connections()
            ),
            10,
            "the squatter to listen",
        )
        result = stack.cli("up", timeout=60)
        assert result.returncode == 1
        message = " ".join(result.stderr.split())
        assert f"port {stack.api_port} for api is held by" in message
        assert f"(pid {squatter.pid})" in message and "http.server" in message
        assert "LANDKONTOR_API_PORT" in message
        assert squatter.poll() is None, "the foreign process must not be touched"
        assert list((stack.var / "run").glob("*.pid")) == []  # nothing was started
        assert not redis_answers(stack.broker_url)

        doctor = json.loads(stack.cli("doctor", "--json").stdout)
        ports = next(c for c in doctor["checks"] if c["name"] == "ports")
        assert ports["status"] == "FAIL" and str(squatter.pid) in ports["message"]
    finally:
        squatter.kill()
        squatter.wait()


def redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


def _checks(result: subprocess.CompletedProcess) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_doctor_finds_a_broken_setup_and_fix_repairs_it(make_stack):
    stack = make_stack()
    stack.up("--skip-api", *NO_JOBS)
    stack.wait_started()
    client = redis.Redis.from_url(stack.broker_url, decode_responses=True)
    try:
        client.config_set("maxmemory-policy", "allkeys-lru")
        database = Database(stack.env["LANDKONTOR_DATABASE_URL"])
        migrate.downgrade(database, "base")  # the code is newer than the database
        database.dispose()

        broken = stack.cli("doctor", "--json")
        assert broken.returncode == 1, broken.stdout + broken.stderr
        checks = _checks(broken)
        assert checks["migrations"]["status"] == "FAIL"
        assert "newest is" in checks["migrations"]["message"]
        assert checks["redis-eviction"]["status"] == "FAIL"
        assert "allkeys-lru" in checks["redis-eviction"]["message"]
        assert "doctor --fix" in checks["redis-eviction"]["hint"]

        fixed = stack.cli("doctor", "--fix", "--json")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        checks = _checks(fixed)
        assert "applied migrations" in checks["migrations"]["fixed"]
        assert "noeviction" in checks["redis-eviction"]["fixed"]
        assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        assert stack.cli("db", "current").returncode == 0  # at head again
    finally:
        client.close()


def test_doctor_does_not_reconfigure_a_redis_it_does_not_manage(make_stack, tmp_path):
    from landkontor.ops.redis_server import redis_executable

    stack = make_stack()
    foreign = subprocess.Popen(
        [
            redis_executable(),
            "--port",
            str(stack.redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--maxmemory-policy",
            "allkeys-lru",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: redis_answers(stack.broker_url), 10, "the external Redis")
        result = stack.cli("doctor", "--fix", "--json")
        assert result.returncode == 1
        checks = _checks(result)
        assert checks["broker"]["status"] == "OK" and "external" in checks["broker"]["message"]
        assert checks["redis-eviction"]["status"] == "FAIL"
        assert "deploy/redis/redis.conf" in checks["redis-eviction"]["hint"]
        assert checks["redis-persistence"]["status"] == "FAIL"
        client = redis.Redis.from_url(stack.broker_url, decode_responses=True)
        assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "allkeys-lru"
        client.close()
    finally:
        foreign.terminate()
        foreign.wait(10)


def test_systemtest_fails_with_a_reason_when_no_worker_runs(make_stack):
    stack = make_stack()
    stack.up(*NO_JOBS)
    stack.wait_started()
    report = stack.root / "systemtest.json"
    result = stack.cli("systemtest", "--job-timeout", "5", "--json", str(report))
    assert result.returncode == 1
    steps = {s["name"]: s for s in json.loads(report.read_text())["steps"]}
    assert steps["job-through-worker"]["status"] == "fail"
    assert "is the worker running" in steps["job-through-worker"]["detail"]
    assert steps["api-ready"]["status"] == "pass"
    checks = _checks(stack.cli("doctor", "--json"))
    assert checks["workers"]["status"] == "WARN"  # skipped on purpose, not broken


def test_up_stops_and_explains_when_the_database_is_unreachable(make_stack):
    dead = free_ports(1)[0]
    stack = make_stack(LANDKONTOR_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{dead}/none")
    result = stack.cli("up", *NO_JOBS, timeout=120)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "could not start" in message and "migrations: failed" in message
    assert list((stack.var / "run").glob("*.pid")) == []
    assert not redis_answers(stack.broker_url)  # the Redis it had started is stopped again
